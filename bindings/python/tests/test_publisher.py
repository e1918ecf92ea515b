"""The publisher against the real server: the HTTP API, Lite sessions, the
auth helpers and webhooks, blocking and async, and how failures map onto
PusherError's variants."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

import pusher_lite as pl
from conftest import WAIT, Clients, Recorder, next_item

import pusher_lite_server as support


def test_trigger_reaches_a_subscriber_and_excludes_the_sender(
    publisher: pl.Publisher, clients: Clients
) -> None:
    client = clients.connected()
    listener = Recorder()
    sub = client.subscribe("py-news", listener)
    assert listener.subscribed()[0] == "subscribed"

    assert publisher.trigger(["py-news"], "headline", '{"n":1}') == {}
    event = listener.event("headline")
    assert (event.channel, event.data, event.user_id) == ("py-news", '{"n":1}', None)

    me = client.socket_id()
    assert me is not None
    publisher.trigger_with(["py-news"], "skipped", "{}", pl.TriggerOptions(socket_id=me))
    publisher.trigger(["py-news"], "after", "{}")
    assert listener.event("after").name == "after"
    seen = []
    while not listener.calls.empty():
        seen.append(listener.calls.get_nowait())
    assert all(c[1].name != "skipped" for c in seen if c[0] == "event")
    sub.cancel()


def test_channel_queries_and_trigger_attributes(publisher: pl.Publisher, clients: Clients) -> None:
    client = clients.connected()
    listener = Recorder()
    client.subscribe("py-occupied", listener)
    assert listener.subscribed()[0] == "subscribed"

    infos = publisher.trigger_with(
        ["py-occupied"], "e", "{}", pl.TriggerOptions(info="subscription_count")
    )
    assert infos["py-occupied"].subscription_count == 1
    assert "py-occupied" in publisher.channels("py-", None)
    assert publisher.channel("py-occupied", "subscription_count") == pl.ChannelInfo(
        occupied=True, user_count=None, subscription_count=1
    )
    assert publisher.channel("py-empty", None).occupied is False

    batch = publisher.trigger_batch(
        [
            pl.BatchEvent(channel="py-occupied", name="one", data="1"),
            pl.BatchEvent(channel="py-occupied", name="two", data="2", info="subscription_count"),
        ]
    )
    assert [b.subscription_count for b in batch] == [None, 1]
    assert listener.event("one").data == "1"
    assert listener.event("two").data == "2"


def test_errors_are_typed_and_actionable(server: support.Server, publisher: pl.Publisher) -> None:
    with pytest.raises(pl.PusherError.Invalid):
        publisher.trigger(["bad channel name"], "e", "{}")
    with pytest.raises(pl.PusherError.Invalid):
        publisher.trigger([f"c{i}" for i in range(101)], "e", "{}")

    wrong = pl.PublisherBuilder().address(server.url).app(support.APP_ID, support.APP_KEY, "wrong").build()
    with pytest.raises(pl.PusherError.Http) as refused:
        wrong.trigger(["news"], "e", "{}")
    assert refused.value.status == 401
    assert refused.value.method == "POST"
    assert refused.value.path == f"/apps/{support.APP_ID}/events"
    assert refused.value.reason

    with pytest.raises(pl.PusherError.Config):
        pl.PublisherBuilder().app("1", "k", "s").build()
    with pytest.raises(pl.PusherError.Config):
        pl.PublisherBuilder().address("ftp://nowhere").build()
    no_org = pl.PublisherBuilder().address(server.url).app(support.APP_ID, support.APP_KEY, support.APP_SECRET).build()
    with pytest.raises(pl.PusherError.Config):
        no_org.mint_session(pl.SessionRequest())

    with pytest.raises(pl.PusherError.Config):  # no master key for an encrypted channel
        no_org.trigger(["private-encrypted-x"], "e", "{}")

    dead = pl.PublisherBuilder().address("127.0.0.1:9").app("1", "k", "s").timeout_ms(2000).build()
    with pytest.raises(pl.PusherError.Transport) as unreachable:
        dead.trigger(["news"], "e", "{}")
    assert unreachable.value.timed_out is False
    # Every variant is a PusherError.
    assert isinstance(unreachable.value, pl.PusherError)


def test_sessions_minted_and_requested_are_valid_org_tokens(publisher: pl.Publisher) -> None:
    request = pl.SessionRequest(
        user_id="ada", user_info='{"name":"Ada"}', listen=["general", "presence-*"], publish=["general"], ttl_secs=600
    )
    now = int(time.time())
    for token in (publisher.mint_session(request), publisher.request_session(request)):
        claims = pl.decode_session(token, support.ORG_TOKEN, now)
        assert claims.org == support.ORG
        assert claims.sub == "ada"
        assert json.loads(claims.user_info or "null") == {"name": "Ada"}
        assert claims.listen == ["general", "presence-*"]
        assert claims.publish == ["general"]
        assert 590 <= claims.exp - claims.iat <= 600
        with pytest.raises(pl.PusherError.Token):
            pl.decode_session(token, "another-org-token", now)
    with pytest.raises(pl.PusherError.Invalid):
        publisher.mint_session(pl.SessionRequest(user_info="{not json"))


def test_lite_trigger_publishes_with_a_session_token(
    publisher: pl.Publisher, clients: Clients
) -> None:
    client = clients.connected()
    listener = Recorder()
    client.subscribe("general", listener)
    assert listener.subscribed()[0] == "subscribed"
    token = publisher.request_session(pl.SessionRequest(publish=["general"]))
    publisher.lite_trigger(token, "general", "new_message", '{"name":"py","message":"hi"}')
    assert json.loads(listener.event("new_message").data or "") == {"name": "py", "message": "hi"}

    no_rights = publisher.mint_session(pl.SessionRequest(publish=["elsewhere"]))
    with pytest.raises(pl.PusherError.Http) as refused:
        publisher.lite_trigger(no_rights, "general", "new_message", "{}")
    assert refused.value.status == 403


def test_auth_helpers_sign_what_the_server_accepts(publisher: pl.Publisher) -> None:
    app = pl.AppCredentials(app_id=support.APP_ID, key=support.APP_KEY, secret=support.APP_SECRET)
    auth = publisher.authorize_channel("1.2", "presence-room", pl.MemberData(user_id="ada", user_info='{"a":1}'))
    assert auth.channel_data == '{"user_id":"ada","user_info":{"a":1}}'
    assert pl.verify_channel_auth(app, "1.2", "presence-room", auth.channel_data, auth.auth)
    assert json.loads(auth.json)["auth"] == auth.auth
    with pytest.raises(pl.PusherError.Auth):
        publisher.authorize_channel("1.2", "presence-room", None)
    encrypted = publisher.authorize_channel("1.2", "private-encrypted-x", None)
    assert encrypted.shared_secret == pl.channel_shared_secret("private-encrypted-x", support.MASTER_KEY)
    user = publisher.authenticate_user("1.2", '{"id":"ada"}')
    assert pl.verify_user_auth(app, "1.2", '{"id":"ada"}', user.auth)
    with pytest.raises(pl.PusherError.Invalid):
        publisher.authenticate_user("1.2", '{"name":"no id"}')


def test_webhooks_are_verified(publisher: pl.Publisher) -> None:
    body = json.dumps({"time_ms": int(time.time() * 1000), "events": [{"name": "channel_vacated", "channel": "c"}]})
    signature = pl.webhook_signature(support.APP_SECRET, body)
    hook = publisher.verify_webhook(support.APP_KEY, signature, body)
    assert hook.events == [pl.WebhookEvent.CHANNEL_VACATED(channel="c")]
    with pytest.raises(pl.PusherError.Webhook):
        publisher.verify_webhook(support.APP_KEY, "0" * 64, body)
    stale = json.dumps({"time_ms": 1000, "events": []})
    with pytest.raises(pl.PusherError.Webhook):
        publisher.verify_webhook(support.APP_KEY, pl.webhook_signature(support.APP_SECRET, stale), stale)


def test_async_methods_run_concurrently_and_raise_typed_errors(
    publisher: pl.Publisher, clients: Clients
) -> None:
    client = clients.connected()
    listener = Recorder()
    client.subscribe("py-async", listener)
    assert listener.subscribed()[0] == "subscribed"

    async def main() -> None:
        results = await asyncio.gather(
            *(publisher.trigger_async(["py-async"], f"e{i}", str(i)) for i in range(5))
        )
        assert results == [{}] * 5
        info = await publisher.channel_async("py-async", "subscription_count")
        assert info.subscription_count == 1
        assert "py-async" in await publisher.channels_async(None, None)
        token = await publisher.request_session_async(pl.SessionRequest())
        assert pl.decode_session(token, support.ORG_TOKEN, int(time.time())).org == support.ORG
        with pytest.raises(pl.PusherError.Invalid):
            await publisher.trigger_async(["bad name"], "e", "{}")
        batch = await publisher.trigger_batch_async([pl.BatchEvent(channel="py-async", name="b", data="{}")])
        assert batch == []

    asyncio.run(asyncio.wait_for(main(), WAIT))
    # Concurrent triggers may arrive in any order.
    wanted = {f"e{i}" for i in range(5)}
    seen = {next_item(listener.calls, lambda c: c[0] == "event" and c[1].name in wanted)[1].name for _ in range(5)}
    assert seen == wanted


def test_from_env_reads_the_ex_pusher_lite_variables(
    server: support.Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUSHER_LITE_HOST", server.address)
    monkeypatch.setenv("PUSHER_LITE_APP_ID", support.APP_ID)
    monkeypatch.setenv("PUSHER_LITE_APP_KEY", support.APP_KEY)
    monkeypatch.setenv("PUSHER_LITE_APP_SECRET", support.APP_SECRET)
    monkeypatch.setenv("PUSHER_LITE_ORGANIZATION", support.ORG)
    monkeypatch.setenv("PUSHER_LITE_SECRET_TOKEN", support.ORG_TOKEN)
    from_env = pl.Publisher.from_env()
    assert from_env.address() == pl.ServerAddress(host="127.0.0.1", port=server.port, use_tls=False)
    from_env.trigger(["env"], "e", "{}")
    monkeypatch.delenv("PUSHER_LITE_HOST")
    with pytest.raises(pl.PusherError.Config):
        pl.Publisher.from_env()
