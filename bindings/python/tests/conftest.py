"""Fixtures: the real server process, publishers and clients for it, and
listeners that record what the SDK tells them (queues a test waits on, with
a deadline)."""

from __future__ import annotations

import queue
import sys
from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest

import pusher_lite as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "support" / "python"))
import pusher_lite_server as support  # noqa: E402

WAIT = 10.0


@pytest.fixture(scope="session")
def server() -> Iterator[support.Server]:
    running = support.start_server()
    yield running
    running.stop()


@pytest.fixture
def publisher(server: support.Server) -> pl.Publisher:
    return (
        pl.PublisherBuilder()
        .address(server.url)
        .app(support.APP_ID, support.APP_KEY, support.APP_SECRET)
        .organization(support.ORG, support.ORG_TOKEN)
        .encryption_master_key_base64(support.MASTER_KEY)
        .build()
    )


class Clients:
    """Builds clients for the test server and shuts them all down afterwards,
    which joins their listener threads before the test ends."""

    def __init__(self, server: support.Server) -> None:
        self.server = server
        self.made: list[pl.Client] = []

    def builder(self) -> pl.ClientBuilder:
        return pl.ClientBuilder(support.APP_KEY).address(self.server.address)

    def connected(self, builder: Optional[pl.ClientBuilder] = None) -> pl.Client:
        client = (builder or self.builder()).build()
        self.made.append(client)
        client.connect()
        assert client.wait_for_state(pl.ConnectionState.CONNECTED, int(WAIT * 1000))
        return client

    def shutdown(self) -> None:
        for client in self.made:
            client.shutdown()


@pytest.fixture
def clients(server: support.Server) -> Iterator[Clients]:
    made = Clients(server)
    yield made
    made.shutdown()


def next_item(q: "queue.Queue[tuple]", what: Callable[[tuple], bool], wait: float = WAIT) -> tuple:
    """The next queued item for which `what` holds (others are skipped)."""
    import time

    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("timed out waiting for a listener call")
        try:
            item = q.get(timeout=left)
        except queue.Empty:
            raise AssertionError("timed out waiting for a listener call") from None
        if what(item):
            return item


class Recorder(pl.ChannelListener):
    """A channel listener that queues every call as a tuple."""

    def __init__(self) -> None:
        self.calls: "queue.Queue[tuple]" = queue.Queue()

    def on_subscribed(self, channel: str, members: Optional[pl.Members]) -> None:
        self.calls.put(("subscribed", channel, members))

    def on_subscription_error(self, channel: str, status: Optional[int], reason: str) -> None:
        self.calls.put(("subscription_error", channel, status, reason))

    def on_event(self, event: pl.Event) -> None:
        self.calls.put(("event", event))

    def on_member_added(self, channel: str, member: pl.Member) -> None:
        self.calls.put(("member_added", channel, member))

    def on_member_removed(self, channel: str, member: pl.Member) -> None:
        self.calls.put(("member_removed", channel, member))

    def subscribed(self) -> tuple:
        return next_item(self.calls, lambda c: c[0] in ("subscribed", "subscription_error"))

    def event(self, name: str) -> pl.Event:
        return next_item(self.calls, lambda c: c[0] == "event" and c[1].name == name)[1]


class ConnectionRecorder(pl.ConnectionListener):
    def __init__(self) -> None:
        self.calls: "queue.Queue[tuple]" = queue.Queue()

    def on_state_change(self, previous: pl.ConnectionState, current: pl.ConnectionState) -> None:
        self.calls.put(("state", previous, current))

    def on_error(self, error: pl.ConnectionError) -> None:
        self.calls.put(("error", error))


class EventRecorder(pl.EventListener):
    def __init__(self) -> None:
        self.calls: "queue.Queue[tuple]" = queue.Queue()

    def on_event(self, event: pl.Event) -> None:
        self.calls.put(("event", event))

    def event(self, name: str, wait: float = WAIT) -> pl.Event:
        return next_item(self.calls, lambda c: c[1].name == name, wait)[1]
