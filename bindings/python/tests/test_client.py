"""The client against the real server: connection states, channel events,
authorization (endpoint-free: publisher-signed and Python-implemented),
presence changes, client events, sign-in, cancellable handles, listener
exceptions coming back as errors, and shutdown."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time

import pytest

import pusher_lite as pl
from conftest import WAIT, Clients, ConnectionRecorder, EventRecorder, Recorder, next_item

import pusher_lite_server as support

MS = int(WAIT * 1000)


def test_connection_listener_hears_the_states(clients: Clients) -> None:
    client = clients.builder().build()
    clients.made.append(client)
    states = ConnectionRecorder()
    handle = client.add_connection_listener(states)
    assert client.state() == pl.ConnectionState.INITIALIZED
    assert client.socket_id() is None
    client.connect()
    assert next_item(states.calls, lambda c: c[0] == "state")[1:] == (
        pl.ConnectionState.INITIALIZED,
        pl.ConnectionState.CONNECTING,
    )
    assert next_item(states.calls, lambda c: c[0] == "state")[1:] == (
        pl.ConnectionState.CONNECTING,
        pl.ConnectionState.CONNECTED,
    )
    socket_id = client.socket_id()
    assert socket_id is not None and "." in socket_id
    client.disconnect()
    assert next_item(states.calls, lambda c: c[0] == "state")[2] == pl.ConnectionState.DISCONNECTED
    handle.cancel()
    assert handle.is_cancelled()


def test_an_unknown_app_key_reports_an_error_and_stops(server: support.Server) -> None:
    client = pl.ClientBuilder("no-such-key").address(server.address).build()
    states = ConnectionRecorder()
    client.add_connection_listener(states)
    client.connect()
    error = next_item(states.calls, lambda c: c[0] == "error")[1]
    assert error.is_web_socket_close() or error.is_pusher()
    assert error.code == 4001, error
    assert error.reason
    assert client.wait_for_state(pl.ConnectionState.DISCONNECTED, MS)
    client.shutdown()


def test_events_arrive_until_the_subscription_is_cancelled(
    publisher: pl.Publisher, clients: Clients
) -> None:
    client = clients.connected()
    news, other = Recorder(), Recorder()
    sub = client.subscribe("py-cancel", news)
    keep = client.subscribe("py-keep", other)
    assert news.subscribed() == ("subscribed", "py-cancel", None)
    assert other.subscribed()[0] == "subscribed"
    assert sub.name() == "py-cancel"
    status = sub.status()
    assert status is not None and (status.subscribed, status.pending) == (True, False)

    publisher.trigger(["py-cancel"], "before", '"text"')
    assert news.event("before").data == '"text"'

    sub.cancel()
    assert sub.is_cancelled()
    sub.cancel()  # idempotent
    while not news.calls.empty():  # what was called before cancel returned
        news.calls.get_nowait()
    publisher.trigger(["py-cancel"], "after", "{}")
    publisher.trigger(["py-keep"], "marker", "{}")
    assert other.event("marker").name == "marker"
    assert news.calls.empty(), "nothing reached the cancelled listener"
    with pytest.raises(pl.PusherError.Closed):
        sub.trigger("client-x", "{}")
    deadline = time.monotonic() + WAIT
    while publisher.channel("py-cancel", None).occupied and time.monotonic() < deadline:
        time.sleep(0.05)
    assert publisher.channel("py-cancel", None).occupied is False, "the server saw the unsubscribe"
    keep.cancel()


def test_private_channels_need_authorization(publisher: pl.Publisher, clients: Clients) -> None:
    unauthorized = clients.connected()
    refused = Recorder()
    unauthorized.subscribe("private-py", refused)
    kind, channel, status, reason = refused.subscribed()
    assert (kind, channel) == ("subscription_error", "private-py")
    assert "authorizer" in reason

    signed = clients.connected(clients.builder().authorize_with_publisher(publisher, None))
    accepted = Recorder()
    signed.subscribe("private-py", accepted)
    assert accepted.subscribed()[0] == "subscribed"
    publisher.trigger(["private-py"], "secret", '{"ok":true}')
    assert accepted.event("secret").data == '{"ok":true}'


def test_encrypted_channels_are_decrypted(publisher: pl.Publisher, clients: Clients) -> None:
    client = clients.connected(clients.builder().authorize_with_publisher(publisher, None))
    listener = Recorder()
    client.subscribe("private-encrypted-py", listener)
    assert listener.subscribed()[0] == "subscribed"
    publisher.trigger(["private-encrypted-py"], "sealed", '{"msg":"hidden"}')
    assert listener.event("sealed").data == '{"msg":"hidden"}'


class PythonAuthorizer(pl.ChannelAuthorizer):
    """Authorizes with the publisher, as an app's own auth call would; refuses
    channels named `private-no`."""

    def __init__(self, publisher: pl.Publisher) -> None:
        self.publisher = publisher
        self.calls: list[tuple[str, str]] = []
        self.threads: set[str] = set()

    def authorize(self, socket_id: str, channel: str) -> str:
        self.calls.append((socket_id, channel))
        self.threads.add(threading.current_thread().name)
        if channel == "private-no":
            raise PermissionError("not this one")
        return self.publisher.authorize_channel(socket_id, channel, None).json


def test_a_python_authorizer_authorizes_and_its_exceptions_refuse(
    publisher: pl.Publisher, clients: Clients
) -> None:
    authorizer = PythonAuthorizer(publisher)
    client = clients.connected(clients.builder().authorizer(authorizer))
    yes, no = Recorder(), Recorder()
    client.subscribe("private-yes", yes)
    client.subscribe("private-no", no)
    assert yes.subscribed()[0] == "subscribed"
    kind, _, _, reason = no.subscribed()
    assert kind == "subscription_error"
    assert "PermissionError" in reason and "not this one" in reason
    assert {c for _, c in authorizer.calls} == {"private-yes", "private-no"}
    assert all(socket == client.socket_id() for socket, _ in authorizer.calls)
    assert threading.main_thread().name not in authorizer.threads


def test_presence_members_join_and_leave(publisher: pl.Publisher, clients: Clients) -> None:
    ada = clients.connected(
        clients.builder().authorize_with_publisher(publisher, pl.MemberData(user_id="ada", user_info='{"name":"Ada"}'))
    )
    bob = clients.connected(
        clients.builder().authorize_with_publisher(publisher, pl.MemberData(user_id="bob"))
    )
    ada_room = Recorder()
    ada.subscribe("presence-py", ada_room)
    kind, channel, members = ada_room.subscribed()
    assert (kind, channel) == ("subscribed", "presence-py")
    assert members == pl.Members(
        count=1, me=pl.Member(id="ada", info='{"name":"Ada"}'), members=[pl.Member(id="ada", info='{"name":"Ada"}')]
    )

    bob_room = Recorder()
    bob_sub = bob.subscribe("presence-py", bob_room)
    assert bob_room.subscribed()[2].count == 2
    added = next_item(ada_room.calls, lambda c: c[0] == "member_added")
    assert added == ("member_added", "presence-py", pl.Member(id="bob", info=None))
    assert sorted(publisher.users("presence-py")) == ["ada", "bob"]
    assert publisher.channel("presence-py", "user_count").user_count == 2
    assert (ada.members("presence-py") or pl.Members(count=0, me=None, members=[])).count == 2

    # A client event on a presence channel carries its sender.
    assert bob_sub.trigger("client-wave", '{"hi":1}') is True
    wave = ada_room.event("client-wave")
    assert (wave.user_id, wave.data) == ("bob", '{"hi":1}')

    bob_sub.cancel()
    removed = next_item(ada_room.calls, lambda c: c[0] == "member_removed")
    assert removed == ("member_removed", "presence-py", pl.Member(id="bob", info=None))
    members_now = ada.members("presence-py")
    assert members_now is not None and [m.id for m in members_now.members] == ["ada"]


def test_lite_session_clients_publish_and_hear_their_own_events(
    publisher: pl.Publisher, clients: Clients
) -> None:
    token = publisher.mint_session(pl.SessionRequest(listen=["general"], publish=["general"]))
    talker = clients.connected(clients.builder().session_token(token))
    listener = clients.connected(clients.builder().session_token(token))
    talk, hear = Recorder(), Recorder()
    talk_sub = talker.subscribe("general", talk)
    listener.subscribe("general", hear)
    assert talk.subscribed()[0] == "subscribed" and hear.subscribed()[0] == "subscribed"
    assert talk_sub.trigger("new_message", '{"name":"py","message":"hello"}') is True
    assert json.loads(hear.event("new_message").data or "") == {"name": "py", "message": "hello"}
    assert talk.event("new_message").name == "new_message", "Lite events echo to the sender"
    with pytest.raises(pl.PusherError.Invalid):
        talk_sub.trigger("pusher:reserved", "{}")


def test_sign_in_send_to_user_and_terminate(publisher: pl.Publisher, clients: Clients) -> None:
    client = clients.builder().authenticate_with_publisher(publisher, '{"id":"carol"}').build()
    clients.made.append(client)
    user, everything = EventRecorder(), EventRecorder()
    client.add_user_listener(user)
    client.add_global_listener(everything)
    states = ConnectionRecorder()
    client.add_connection_listener(states)
    client.signin()
    client.connect()
    assert client.wait_for_state(pl.ConnectionState.CONNECTED, MS)
    everything.event("pusher:signin_success")
    # The user's server channel is subscribed right after sign-in; send until it arrives.
    deadline = time.monotonic() + WAIT
    notice = None
    while notice is None and time.monotonic() < deadline:
        publisher.send_to_user("carol", "notice", '{"n":1}')
        try:
            notice = user.event("notice", wait=0.3)
        except AssertionError:
            pass
    assert notice is not None and notice.data == '{"n":1}' and notice.channel is None

    publisher.terminate_user_connections("carol")
    next_item(states.calls, lambda c: c[0] == "state" and c[1] == pl.ConnectionState.CONNECTED)


class Raising(pl.ChannelListener):
    """Raises on the event named `first`, records the rest."""

    def __init__(self) -> None:
        self.events: "queue.Queue[str]" = queue.Queue()

    def on_subscribed(self, channel: str, members: object) -> None:
        self.events.put("subscribed")

    def on_subscription_error(self, channel: str, status: object, reason: str) -> None:
        pass

    def on_event(self, event: pl.Event) -> None:
        if event.name == "first":
            raise ValueError("listener bug")
        self.events.put(event.name)

    def on_member_added(self, channel: str, member: pl.Member) -> None:
        pass

    def on_member_removed(self, channel: str, member: pl.Member) -> None:
        pass


def test_listener_exceptions_come_back_as_errors_and_delivery_goes_on(
    publisher: pl.Publisher, clients: Clients
) -> None:
    client = clients.connected()
    listener = Raising()
    client.subscribe("py-raise", listener)
    assert listener.events.get(timeout=WAIT) == "subscribed"
    publisher.trigger(["py-raise"], "first", "{}")
    publisher.trigger(["py-raise"], "second", "{}")
    while (name := listener.events.get(timeout=WAIT)) != "second":
        assert name != "first"
    errors = client.listener_errors()
    assert len(errors) == 1
    assert "ValueError" in errors[0] and "listener bug" in errors[0]


def test_shutdown_joins_the_listener_thread_and_closes_the_client(
    publisher: pl.Publisher, clients: Clients
) -> None:
    client = clients.connected()
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    class Slow(pl.EventListener):
        def on_event(self, event: pl.Event) -> None:
            if event.name == "slow":
                started.set()
                release.wait(WAIT)
                calls.append("finished")

    client.add_global_listener(Slow())
    room = Recorder()
    client.subscribe("py-slow", room)
    assert room.subscribed()[0] == "subscribed"
    publisher.trigger(["py-slow"], "slow", "{}")
    assert started.wait(WAIT)
    threading.Timer(0.2, release.set).start()
    client.shutdown()  # waits for the call in progress
    assert calls == ["finished"]
    with pytest.raises(pl.PusherError.Closed):
        client.subscribe("py-slow", Recorder())
    with pytest.raises(pl.PusherError.Closed):
        client.connect()
    client.shutdown()  # idempotent


def test_async_subscribe_and_wait(publisher: pl.Publisher, clients: Clients) -> None:
    client = clients.builder().build()
    clients.made.append(client)

    async def main() -> pl.Subscription:
        client.connect()
        assert await client.wait_for_state_async(pl.ConnectionState.CONNECTED, MS)
        listener = Recorder()
        sub = await client.subscribe_async("py-async-sub", listener)
        assert listener.subscribed()[0] == "subscribed"
        await publisher.trigger_async(["py-async-sub"], "e", "{}")
        assert listener.event("e").name == "e"
        await client.disconnect_async()
        assert await client.wait_for_state_async(pl.ConnectionState.DISCONNECTED, MS)
        assert not await client.wait_for_state_async(pl.ConnectionState.CONNECTED, 100)
        return sub

    sub = asyncio.run(asyncio.wait_for(main(), WAIT))
    assert sub.name() == "py-async-sub"


def test_builder_mistakes_are_config_errors() -> None:
    with pytest.raises(pl.PusherError.Config):
        pl.ClientBuilder("key").address("ftp://nowhere").build()
