"""The example's views with Django's test client, against the real
``pusher-lite-server`` process (``PUSHER_LITE_SERVER_BIN``, set by
``cargo xtask test``). What the views hand out is proven by using it: the page's
session token subscribes a real client, the auth endpoint's answer is accepted
by the server, and a form post arrives at a subscriber as ``new_message``."""

from __future__ import annotations

import json
import queue
import sys
import time
from pathlib import Path
from typing import Optional

import pusher_lite as pl
from django.test import Client as Browser
from django.test import SimpleTestCase, override_settings

from . import realtime

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "support" / "python"))
import pusher_lite_server as support  # noqa: E402

WAIT = 10.0


class Recorder(pl.ChannelListener):
    """Queues what a subscription hears."""

    def __init__(self) -> None:
        self.calls: "queue.Queue[tuple]" = queue.Queue()

    def on_subscribed(self, channel: str, members: Optional[pl.Members]) -> None:
        self.calls.put(("subscribed", members))

    def on_subscription_error(self, channel: str, status: Optional[int], reason: str) -> None:
        self.calls.put(("subscription_error", status, reason))

    def on_event(self, event: pl.Event) -> None:
        self.calls.put(("event", event))

    def on_member_added(self, channel: str, member: pl.Member) -> None:
        self.calls.put(("member_added", member))

    def on_member_removed(self, channel: str, member: pl.Member) -> None:
        self.calls.put(("member_removed", member))

    def next(self, *kinds: str) -> tuple:
        deadline = time.monotonic() + WAIT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kinds} within {WAIT} s")
            try:
                call = self.calls.get(timeout=left)
            except queue.Empty:
                raise AssertionError(f"no {kinds} within {WAIT} s") from None
            if call[0] in kinds:
                return call

    def event(self, name: str) -> pl.Event:
        """The next event called `name` (others, such as subscription_count, are skipped)."""
        while True:
            event = self.next("event")[1]
            if event.name == name:
                return event


class DjangoAuthorizer(pl.ChannelAuthorizer):
    """What pusher-js does for a logged-in page: POST socket_id and
    channel_name to the site's /pusher/auth with the visitor's session."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    def authorize(self, socket_id: str, channel: str) -> str:
        response = self.browser.post(
            "/pusher/auth", {"socket_id": socket_id, "channel_name": channel}
        )
        if response.status_code != 200:
            raise PermissionError(f"{response.status_code}: {response.content.decode()}")
        return response.content.decode()


class ChatSiteTests(SimpleTestCase):
    server: support.Server

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server = support.start_server()
        cls.settings_override = override_settings(
            PUSHER_LITE={
                "HOST": cls.server.address,
                "ORGANIZATION": support.ORG,
                "SECRET_TOKEN": support.ORG_TOKEN,
                "APP_ID": support.APP_ID,
                "APP_KEY": support.APP_KEY,
                "APP_SECRET": support.APP_SECRET,
            }
        )
        cls.settings_override.enable()
        realtime.publisher.cache_clear()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.settings_override.disable()
        realtime.publisher.cache_clear()
        cls.server.stop()
        super().tearDownClass()

    def setUp(self) -> None:
        self.clients: list[pl.Client] = []

    def tearDown(self) -> None:
        for client in self.clients:
            client.shutdown()

    def connected(self, builder: pl.ClientBuilder) -> pl.Client:
        client = builder.build()
        self.clients.append(client)
        client.connect()
        self.assertTrue(client.wait_for_state(pl.ConnectionState.CONNECTED, int(WAIT * 1000)))
        return client

    def builder(self) -> pl.ClientBuilder:
        return pl.ClientBuilder(support.APP_KEY).address(self.server.address)

    def logged_in(self, name: str) -> Browser:
        browser = Browser()
        response = browser.post("/login", {"name": name})
        self.assertEqual(response.status_code, 302)
        return browser

    def test_a_visitor_without_a_name_gets_the_login_form(self) -> None:
        response = Browser().get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'action="/login"')
        self.assertNotIn("jwt", response.context)

    def test_the_page_session_token_subscribes_and_publishes_on_general_only(self) -> None:
        page = self.logged_in("ada").get("/")
        self.assertEqual(page.status_code, 200)
        token = page.context["jwt"]
        self.assertContains(page, "/js/pusher.js")
        client = self.connected(self.builder().session_token(token))
        general, secret = Recorder(), Recorder()
        subscription = client.subscribe("general", general)
        client.subscribe("staff-only", secret)
        self.assertEqual(general.next("subscribed", "subscription_error")[0], "subscribed")
        # The server refuses a channel outside the token's `listen` (4009).
        refusal = secret.event("pusher:error")
        self.assertEqual(json.loads(refusal.data or "")["code"], 4009)
        # The token's publish right: a Lite event, echoed to the sender too.
        self.assertTrue(subscription.trigger("new_message", '{"name":"ada","message":"hi"}'))
        event = general.event("new_message")
        self.assertEqual(json.loads(event.data or ""), {"name": "ada", "message": "hi"})

    def test_a_form_post_reaches_subscribers_as_new_message(self) -> None:
        listener = Recorder()
        self.connected(self.builder()).subscribe("general", listener)
        self.assertEqual(listener.next("subscribed")[0], "subscribed")
        response = self.logged_in("bob").post("/messages", {"message": "hello from Django"})
        self.assertEqual(response.status_code, 302)
        event = listener.event("new_message")
        self.assertEqual(json.loads(event.data or ""), {"name": "bob", "message": "hello from Django"})

    def test_messages_need_a_login_and_some_text(self) -> None:
        self.assertEqual(Browser().post("/messages", {"message": "x"}).status_code, 403)
        self.assertEqual(self.logged_in("cy").post("/messages", {"message": " "}).status_code, 400)

    def test_the_auth_endpoint_authorizes_presence_for_the_logged_in_user(self) -> None:
        client = self.connected(self.builder().authorizer(DjangoAuthorizer(self.logged_in("dee"))))
        room = Recorder()
        client.subscribe("presence-room", room)
        kind, members = room.next("subscribed", "subscription_error")
        self.assertEqual(kind, "subscribed", members)
        self.assertEqual([m.id for m in members.members], ["dee"])
        self.assertEqual(json.loads(members.members[0].info or "{}"), {"name": "dee"})

    def test_the_auth_endpoint_refuses_a_visitor_without_a_name(self) -> None:
        client = self.connected(self.builder().authorizer(DjangoAuthorizer(Browser())))
        room = Recorder()
        client.subscribe("private-room", room)
        kind, _status, reason = room.next("subscribed", "subscription_error")
        self.assertEqual(kind, "subscription_error")
        self.assertIn("403", reason)

    def test_webhooks_with_a_bad_signature_are_refused(self) -> None:
        response = Browser().post(
            "/webhooks",
            data='{"time_ms":1,"events":[]}',
            content_type="application/json",
            HTTP_X_PUSHER_KEY=support.APP_KEY,
            HTTP_X_PUSHER_SIGNATURE="0" * 64,
        )
        self.assertEqual(response.status_code, 401)

    def test_webhooks_signed_with_the_app_secret_are_accepted(self) -> None:
        import hashlib
        import hmac

        now_ms = int(time.time() * 1000)
        body = json.dumps(
            {"time_ms": now_ms, "events": [{"name": "channel_occupied", "channel": "general"}]}
        )
        signature = hmac.new(support.APP_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
        response = Browser().post(
            "/webhooks",
            data=body,
            content_type="application/json",
            HTTP_X_PUSHER_KEY=support.APP_KEY,
            HTTP_X_PUSHER_SIGNATURE=signature,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"events": 1})
