"""Authors tests/vectors/client-scenarios.json: client state-machine traces.

Every expected output here is written by hand from pusher-js 8's behaviour (and
the documented differences of this project's client), not recorded from an
implementation. Python only saves typing: the helpers below build the JSON.
Run: python3 client_scenarios.py
"""

import json
import pathlib

URL = "ws://127.0.0.1:6001/app/app-key?protocol=7&client=js&version=8.6.0&flash=false"
TLS_URL = URL.replace("ws://", "wss://")
CFG = {"app_key": "app-key", "host": "127.0.0.1", "port": 6001, "tls": False,
       "client_name": "js", "client_version": "8.6.0", "seed": 1}

# From jwt.json (valid[0]): sub "user-1".
with open(pathlib.Path(__file__).parent.parent / "jwt.json") as f:
    LITE_TOKEN = json.load(f)["valid"][0]["token"]
with open(pathlib.Path(__file__).parent.parent / "encryption.json") as f:
    ENC = json.load(f)


def est(socket_id, timeout=120):
    data = json.dumps({"socket_id": socket_id, "activity_timeout": timeout}, separators=(",", ":"))
    return json.dumps({"event": "pusher:connection_established", "data": data}, separators=(",", ":"))


def frame(event, channel=None, data=None, user_id=None, raw_data=None):
    f = {"event": event}
    if channel is not None:
        f["channel"] = channel
    if data is not None:
        f["data"] = data
    if raw_data is not None:
        f["data"] = raw_data
    if user_id is not None:
        f["user_id"] = user_id
    return json.dumps(f, separators=(",", ":"), ensure_ascii=False)


def sc(change, socket_id=None):
    e = {"state_change": change}
    if socket_id is not None:
        e["socket_id"] = socket_id
    return e


def open_(n, url=URL):
    return {"open": {"socket": n, "url": url}}


def send(n, text):
    return {"send": {"socket": n, "text": text}}


def close(n, code, reason=None):
    c = {"socket": n, "code": code}
    if reason is not None:
        c["reason"] = reason
    return {"close": c}


def emit(source, event, payload=None, calls=None):
    e = {"source": source, "event": event, "payload": payload}
    if calls is not None:
        e["calls"] = calls
    return {"emit": e}


def err(type_, code=None, message=""):
    e = {"type": type_, "message": message}
    if type_ in ("PusherError", "WebSocketError"):
        e["code"] = code
    return {"error": e}


def data(text):
    return {"data": text}


def sub(channel, auth="", channel_data=None):
    d = {"auth": auth}
    if channel_data is not None:
        d["channel_data"] = channel_data
    d["channel"] = channel
    return json.dumps({"event": "pusher:subscribe", "data": d}, separators=(",", ":"), ensure_ascii=False)


def unsub(channel):
    return json.dumps({"event": "pusher:unsubscribe", "data": {"channel": channel}}, separators=(",", ":"))


PING = '{"event":"pusher:ping","data":{}}'
PONG = '{"event":"pusher:pong","data":{}}'


def connected(t0=0, socket_id="1.1", socket=1, timeout=120, first=True):
    """connect at t0, open at t0+5, handshake at t0+10."""
    steps = []
    if first:
        steps.append({"at": t0, "connect": {}, "outputs": [sc("initialized->connecting"), open_(socket)],
                      "state": "connecting", "next_timeout": t0 + 10000})
    steps.append({"at": t0 + 5, "open": {"socket": socket}})
    steps.append({"at": t0 + 10, "message": {"socket": socket, "text": est(socket_id, timeout)},
                  "outputs": [sc("connecting->connected", socket_id)], "state": "connected",
                  "next_timeout": t0 + 10 + min(120, timeout) * 1000})
    return steps


scenarios = []


def scenario(name, steps, **config):
    scenarios.append({"name": name, "config": {**CFG, **config}, "steps": steps})


# ---- basics -----------------------------------------------------------------------
scenario("connects, subscribes to a public channel and receives an event", connected() + [
    {"at": 20, "subscribe": "news", "result": True, "outputs": [send(1, sub("news"))],
     "channel": {"name": "news", "pending": True, "subscribed": False}},
    {"at": 30, "bind": {"target": "channel:news", "event": "greet", "handler": "h1"}, "result": True},
    {"at": 40, "message": {"socket": 1, "text": frame("pusher_internal:subscription_succeeded", "news", "{}")},
     "outputs": [emit("channel:news", "pusher:subscription_succeeded", data("{}"), [])],
     "channel": {"name": "news", "pending": False, "subscribed": True}, "next_timeout": 120040},
    {"at": 50, "message": {"socket": 1, "text": frame("greet", "news", '{"hi":1}')},
     "outputs": [emit("channel:news", "greet", data('{"hi":1}'), [["h1", "event", {"user_id": None}]])]},
    {"at": 60, "message": {"socket": 1, "text": frame("greet", "other", "x")},
     "outputs": [emit("global", "greet", data("x"), [])]},
])

scenario("subscribing before connecting sends the subscription once connected", [
    {"at": 0, "subscribe": "news", "result": True, "channel": {"name": "news", "pending": False}},
    {"at": 1, "connect": {}, "outputs": [sc("initialized->connecting"), open_(1)]},
    {"at": 5, "open": {"socket": 1}},
    {"at": 10, "message": {"socket": 1, "text": est("1.1")},
     "outputs": [emit("connection", "state_change", {"previous": "connecting", "current": "connected"}),
                 send(1, sub("news")),
                 emit("connection", "connected", {"socket_id": "1.1"})]},
    {"at": 11, "subscribe": "#server-to-user-1", "result": "BadChannelName"},
])

scenario("handlers are called in pusher-js order: channel globals, channel events, globals, global events", connected() + [
    {"at": 20, "subscribe": "news", "outputs": [send(1, sub("news"))]},
    {"at": 21, "bind": {"target": "global", "event": "greet", "handler": "g1"}, "result": True},
    {"at": 22, "bind_global": {"target": "global", "handler": "gg"}, "result": True},
    {"at": 23, "bind": {"target": "channel:news", "event": "greet", "handler": "c1"}, "result": True},
    {"at": 24, "bind_global": {"target": "channel:news", "handler": "cg"}, "result": True},
    {"at": 25, "bind": {"target": "channel:missing", "event": "greet", "handler": "x"}, "result": False},
    {"at": 30, "message": {"socket": 1, "text": frame("greet", "news", "{}")},
     "outputs": [emit("channel:news", "greet", data("{}"),
                      [["cg", "global"], ["c1", "event", {"user_id": None}], ["gg", "global"], ["g1", "event", None]])]},
    {"at": 31, "unbind": {"target": "channel:news", "event": None, "handler": "c1"}},
    {"at": 32, "unbind": {"target": "global", "event": "greet", "handler": None}},
    {"at": 40, "message": {"socket": 1, "text": frame("greet", "news", "{}")},
     "outputs": [emit("channel:news", "greet", data("{}"), [["cg", "global"], ["gg", "global"]])]},
    {"at": 50, "message": {"socket": 1, "text": frame("pusher_internal:anything", "news", "{}")}},
])

scenario("a malformed frame is reported and the connection carries on", connected() + [
    {"at": 20, "message": {"socket": 1, "text": "{not json"},
     "outputs": [emit("connection", "error", {"error": {"type": "MessageParseError",
                  "message": "frame is not valid JSON: invalid JSON at byte 1: expected a string key", "data": "{not json"}})],
     "state": "connected"},
    {"at": 30, "message": {"socket": 1, "text": frame("e", None, "1")}, "outputs": [emit("global", "e", data("1"))]},
])

# ---- activity, ping, pong ----------------------------------------------------------
scenario("activity timeout is the smaller of the option and the server's; a lost pong reconnects at once",
         connected(timeout=60) + [
    {"at": 60010, "timeout": {}, "outputs": [send(1, PING)], "next_timeout": 90010},
    {"at": 90010, "timeout": {},
     "outputs": [close(1, 1000, "pong not received"), sc("connected->connecting"), open_(2)],
     "state": "connecting", "next_timeout": 100010},
])

scenario("any message answers a ping; server pings are answered", connected(timeout=60) + [
    {"at": 60010, "timeout": {}, "outputs": [send(1, PING)], "next_timeout": 90010},
    {"at": 60020, "message": {"socket": 1, "text": '{"event":"pusher:pong","data":"{}"}'},
     "outputs": [emit("global", "pusher:pong", data("{}"))], "next_timeout": 120020},
    {"at": 70000, "message": {"socket": 1, "text": '{"event":"pusher:ping","data":"{}"}'},
     "outputs": [send(1, PONG), emit("global", "pusher:ping", data("{}"))], "next_timeout": 130000},
    {"at": 70001, "offline": {}, "outputs": [send(1, PING)], "next_timeout": 100001},
])

# ---- close codes -----------------------------------------------------------------------
scenario("4001 during the handshake refuses: disconnected, no retry", [
    {"at": 0, "connect": {}, "outputs": [sc("initialized->connecting"), open_(1)]},
    {"at": 5, "open": {"socket": 1}},
    {"at": 10, "message": {"socket": 1, "text": '{"event":"pusher:error","data":{"code":4001,"message":"App key x does not exist"}}'},
     "outputs": [close(1, 1000), emit("connection", "error", err("WebSocketError", 4001, "App key x does not exist")),
                 sc("connecting->disconnected")],
     "state": "disconnected", "next_timeout": None},
    {"at": 20, "close": {"socket": 1, "code": 4001, "reason": "App key x does not exist"}},
])

scenario("a pusher:error without a code during the handshake refuses, as in pusher-js", [
    {"at": 0, "connect": {}, "outputs": [sc("initialized->connecting"), open_(1)]},
    {"at": 10, "message": {"socket": 1, "text": '{"event":"pusher:error","data":{"message":"nope"}}'},
     "outputs": [close(1, 1000), emit("connection", "error", err("WebSocketError", None, "nope")),
                 sc("connecting->disconnected")], "state": "disconnected"},
])

scenario("4001 close of a connected socket: two errors, then disconnected", connected() + [
    {"at": 100, "close": {"socket": 1, "code": 4001, "reason": "gone"},
     "outputs": [emit("connection", "error", err("PusherError", 4001, "gone")),
                 emit("connection", "error", err("WebSocketError", 4001, "gone")),
                 sc("connected->disconnected")],
     "state": "disconnected", "next_timeout": None},
])

scenario("4100 backs off for at least one second", connected() + [
    {"at": 20, "close": {"socket": 1, "code": 4100, "reason": "over capacity"},
     "outputs": [emit("connection", "error", err("PusherError", 4100, "over capacity")),
                 emit("connection", "error", err("WebSocketError", 4100, "over capacity")),
                 sc("connected->connecting"), emit("connection", "connecting_in", {"connecting_in": 1})],
     "state": "connecting", "next_timeout": 1020},
    {"at": 1020, "timeout": {}, "outputs": [open_(2)], "next_timeout": 10020},
])

scenario("4000 switches to TLS and reconnects at once", connected() + [
    {"at": 20, "close": {"socket": 1, "code": 4000, "reason": "ssl only"},
     "outputs": [emit("connection", "error", err("PusherError", 4000, "ssl only")),
                 emit("connection", "error", err("WebSocketError", 4000, "ssl only")),
                 sc("connected->connecting"), open_(2, TLS_URL)]},
])

scenario("4200 reconnects at once; a storm of 4200 closes backs off; a stable connection resets it", connected() + [
    {"at": 20, "close": {"socket": 1, "code": 4200, "reason": "reconnect"},
     "outputs": [emit("connection", "error", err("PusherError", 4200, "reconnect")),
                 emit("connection", "error", err("WebSocketError", 4200, "reconnect")),
                 sc("connected->connecting"), open_(2)]},
    {"at": 25, "open": {"socket": 2}},
    {"at": 30, "message": {"socket": 2, "text": est("1.2")}, "outputs": [sc("connecting->connected", "1.2")]},
    {"at": 40, "close": {"socket": 2, "code": 4200, "reason": "reconnect"},
     "outputs": [emit("connection", "error", err("PusherError", 4200, "reconnect")),
                 emit("connection", "error", err("WebSocketError", 4200, "reconnect")),
                 sc("connected->connecting"), emit("connection", "connecting_in", {"connecting_in": [1, 2]})],
     "next_timeout": [1040, 2040]},
    {"at": 2040, "timeout": {}, "outputs": [open_(3)], "next_timeout": 10040},
    {"at": 2045, "open": {"socket": 3}},
    {"at": 2050, "message": {"socket": 3, "text": est("1.3")}, "outputs": [sc("connecting->connected", "1.3")]},
    {"at": 2060, "close": {"socket": 3, "code": 4200, "reason": "reconnect"},
     "outputs": [emit("connection", "error", err("PusherError", 4200, "reconnect")),
                 emit("connection", "error", err("WebSocketError", 4200, "reconnect")),
                 sc("connected->connecting"), emit("connection", "connecting_in", {"connecting_in": [2, 4]})],
     "next_timeout": [4060, 6060]},
    {"at": 6060, "timeout": {}, "outputs": [open_(4)]},
    {"at": 6065, "open": {"socket": 4}},
    {"at": 6070, "message": {"socket": 4, "text": est("1.4")}, "outputs": [sc("connecting->connected", "1.4")]},
    {"at": 16070, "close": {"socket": 4, "code": 4200, "reason": "reconnect"},
     "outputs": [emit("connection", "error", err("PusherError", 4200, "reconnect")),
                 emit("connection", "error", err("WebSocketError", 4200, "reconnect")),
                 sc("connected->connecting"), open_(5)]},
])

scenario("an abnormal close (1006) of a stable connection reconnects after a short jittered delay", connected() + [
    {"at": 20010, "close": {"socket": 1, "code": 1006, "reason": ""},
     "outputs": [emit("connection", "error", err("PusherError", 1006, "")), sc("connected->connecting"),
                 emit("connection", "connecting_in", {"connecting_in": 1})],
     "next_timeout": [20510, 21010]},
    {"at": 21010, "timeout": {}, "outputs": [open_(2)]},
    {"at": 21015, "close": {"socket": 1, "code": 1006, "reason": "late close of the old socket is ignored"}},
])

scenario("a normal close (1000) reconnects without reporting an error", connected() + [
    {"at": 20010, "close": {"socket": 1, "code": 1000, "reason": "bye"},
     "outputs": [sc("connected->connecting"), emit("connection", "connecting_in", {"connecting_in": 1})]},
])

scenario("server down: connecting, unavailable after 10 s, attempts keep backing off, then connected", [
    {"at": 0, "connect": {}, "outputs": [sc("initialized->connecting"), open_(1)], "next_timeout": 10000},
    {"at": 5, "error": {"socket": 1, "message": "connection refused"}},
    {"at": 5, "close": {"socket": 1, "code": 1006, "reason": ""},
     "outputs": [emit("connection", "connecting_in", {"connecting_in": 1})], "next_timeout": 1005},
    {"at": 1005, "timeout": {}, "outputs": [open_(2)], "next_timeout": 10000},
    {"at": 1010, "close": {"socket": 2, "code": 1006, "reason": ""},
     "outputs": [emit("connection", "connecting_in", {"connecting_in": [1, 2]})], "next_timeout": [2010, 3010]},
    {"at": 3010, "timeout": {}, "outputs": [open_(3)]},
    {"at": 3020, "close": {"socket": 3, "code": 1006, "reason": ""},
     "outputs": [emit("connection", "connecting_in", {"connecting_in": [2, 4]})], "next_timeout": [5020, 7020]},
    {"at": 7020, "timeout": {}, "outputs": [open_(4)], "next_timeout": 10000},
    {"at": 10000, "timeout": {}, "outputs": [sc("connecting->unavailable")], "state": "unavailable",
     "next_timeout": 67020},
    {"at": 10005, "open": {"socket": 4}},
    {"at": 10010, "message": {"socket": 4, "text": est("1.4")}, "outputs": [sc("unavailable->connected", "1.4")]},
])

scenario("a connection attempt that hangs times out and is retried", [
    {"at": 0, "connect": {}, "outputs": [sc("initialized->connecting"), open_(1)]},
    {"at": 10000, "timeout": {}, "outputs": [sc("connecting->unavailable")], "next_timeout": 15000},
    {"at": 15000, "timeout": {},
     "outputs": [close(1, 1000, "connection attempt timed out"), emit("connection", "connecting_in", {"connecting_in": 1})],
     "next_timeout": [15500, 16000], "state": "unavailable"},
])

scenario("going online retries at once", [
    {"at": 0, "connect": {}, "outputs": [sc("initialized->connecting"), open_(1)]},
    {"at": 5, "close": {"socket": 1, "code": 1006, "reason": ""},
     "outputs": [emit("connection", "connecting_in", {"connecting_in": 1})]},
    {"at": 500, "online": {}, "outputs": [open_(2)]},
])

scenario("a handshake without activity_timeout is refused like pusher-js, and retried", [
    {"at": 0, "connect": {}, "outputs": [sc("initialized->connecting"), open_(1)]},
    {"at": 5, "open": {"socket": 1}},
    {"at": 10, "message": {"socket": 1, "text": '{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"1.1\\"}"}'},
     "outputs": [emit("connection", "error", {"error": {"type": "HandshakeError", "message": "No activity timeout specified in handshake"}}),
                 close(1, 1000, "invalid handshake"), emit("connection", "connecting_in", {"connecting_in": 1})],
     "state": "connecting", "next_timeout": 1010},
])

scenario("disconnect closes the socket; connect again resubscribes", connected() + [
    {"at": 20, "subscribe": "news", "outputs": [send(1, sub("news"))]},
    {"at": 30, "message": {"socket": 1, "text": frame("pusher_internal:subscription_succeeded", "news", "{}")},
     "outputs": [emit("channel:news", "pusher:subscription_succeeded", data("{}"))]},
    {"at": 100, "disconnect": {}, "outputs": [close(1, 1000, "disconnected by the client"), sc("connected->disconnected")],
     "state": "disconnected", "next_timeout": None, "channel": {"name": "news", "subscribed": False}},
    {"at": 110, "close": {"socket": 1, "code": 1000, "reason": ""}},
    {"at": 200, "connect": {}, "outputs": [sc("disconnected->connecting"), open_(2)]},
    {"at": 205, "open": {"socket": 2}},
    {"at": 210, "message": {"socket": 2, "text": est("1.2")},
     "outputs": [emit("connection", "state_change", {"previous": "connecting", "current": "connected"}),
                 send(2, sub("news")), emit("connection", "connected", {"socket_id": "1.2"})]},
])

scenario("no WebSocket: failed", [
    {"at": 0, "unsupported": {}, "outputs": [sc("initialized->failed")], "state": "failed"},
])

scenario("a 4300-range close (other errors) is refused, as pusher-js does", connected() + [
    {"at": 100, "close": {"socket": 1, "code": 4301, "reason": "client event rate limit"},
     "outputs": [emit("connection", "error", err("PusherError", 4301, "client event rate limit")),
                 emit("connection", "error", err("WebSocketError", 4301, "client event rate limit")),
                 sc("connected->disconnected")], "state": "disconnected"},
])

scenario("switching endpoint replaces the connection and resubscribes", connected() + [
    {"at": 20, "subscribe": "news", "outputs": [send(1, sub("news"))]},
    {"at": 30, "switch": {"app_key": "other-key", "host": "127.0.0.1", "port": 7001, "tls": False},
     "outputs": [close(1, 1000, "switching endpoint"), sc("connected->connecting"),
                 open_(2, "ws://127.0.0.1:7001/app/other-key?protocol=7&client=js&version=8.6.0&flash=false")]},
    {"at": 35, "open": {"socket": 2}},
    {"at": 40, "message": {"socket": 2, "text": est("2.1")},
     "outputs": [emit("connection", "state_change", {"previous": "connecting", "current": "connected"}),
                 send(2, sub("news")), emit("connection", "connected", {"socket_id": "2.1"})]},
])

# ---- subscriptions --------------------------------------------------------------------
scenario("unsubscribe during a pending subscribe: sent, then undone when it succeeds", connected() + [
    {"at": 20, "subscribe": "private-a",
     "outputs": [{"authorize": {"request": 1, "channel": "private-a", "socket_id": "1.1"}}]},
    {"at": 30, "unsubscribe": "private-a", "channel": {"name": "private-a", "pending": True, "cancelled": True}},
    {"at": 40, "authorize": {"request": 1, "auth": "app-key:sig-a"}, "outputs": [send(1, sub("private-a", "app-key:sig-a"))]},
    {"at": 50, "message": {"socket": 1, "text": frame("pusher_internal:subscription_succeeded", "private-a", "{}")},
     "outputs": [send(1, unsub("private-a"))], "channel": {"name": "private-a", "exists": False}},
])

scenario("subscribing again while an unsubscribe is pending reinstates the subscription", connected() + [
    {"at": 20, "subscribe": "private-a",
     "outputs": [{"authorize": {"request": 1, "channel": "private-a", "socket_id": "1.1"}}]},
    {"at": 30, "unsubscribe": "private-a"},
    {"at": 35, "subscribe": "private-a", "channel": {"name": "private-a", "pending": True, "cancelled": False}},
    {"at": 40, "authorize": {"request": 1, "auth": "app-key:sig-a"}, "outputs": [send(1, sub("private-a", "app-key:sig-a"))]},
    {"at": 50, "message": {"socket": 1, "text": frame("pusher_internal:subscription_succeeded", "private-a", "{}")},
     "outputs": [emit("channel:private-a", "pusher:subscription_succeeded", data("{}"))]},
])

scenario("a channel unsubscribed while pending is not resubscribed after a reconnect", connected() + [
    {"at": 20, "subscribe": "private-b",
     "outputs": [{"authorize": {"request": 1, "channel": "private-b", "socket_id": "1.1"}}]},
    {"at": 30, "unsubscribe": "private-b"},
    {"at": 20010, "close": {"socket": 1, "code": 1006, "reason": ""},
     "outputs": [emit("connection", "error", err("PusherError", 1006, "")), sc("connected->connecting"),
                 emit("connection", "connecting_in", {"connecting_in": 1})],
     "channel": {"name": "private-b", "exists": False}},
    {"at": 20020, "authorize": {"request": 1, "auth": "app-key:late"}},
    {"at": 21010, "timeout": {}, "outputs": [open_(2)]},
    {"at": 21015, "open": {"socket": 2}},
    {"at": 21020, "message": {"socket": 2, "text": est("1.2")}, "outputs": [sc("connecting->connected", "1.2")]},
])

scenario("an authorization failure emits pusher:subscription_error with the HTTP status", connected() + [
    {"at": 20, "subscribe": "private-x",
     "outputs": [{"authorize": {"request": 1, "channel": "private-x", "socket_id": "1.1"}}]},
    {"at": 30, "authorize": {"request": 1, "error": "Unable to retrieve auth string from channel-authorization endpoint - received status: 403", "status": 403},
     "outputs": [emit("channel:private-x", "pusher:subscription_error",
                      {"auth_error": {"error": "Unable to retrieve auth string from channel-authorization endpoint - received status: 403", "status": 403}})],
     "channel": {"name": "private-x", "pending": False, "subscribed": False}},
])

scenario("a subscription refused by the server with a channel-scoped frame is no longer pending", connected() + [
    {"at": 20, "subscribe": "private-a",
     "outputs": [{"authorize": {"request": 1, "channel": "private-a", "socket_id": "1.1"}}]},
    {"at": 30, "authorize": {"request": 1, "auth": "app-key:bad"}, "outputs": [send(1, sub("private-a", "app-key:bad"))]},
    {"at": 40, "message": {"socket": 1, "text": '{"event":"pusher:error","channel":"private-a","data":{"code":4009,"message":"Invalid signature"}}'},
     "outputs": [emit("connection", "error", err("PusherError", 4009, "Invalid signature")),
                 emit("channel:private-a", "pusher:error", data('{"code":4009,"message":"Invalid signature"}'))],
     "channel": {"name": "private-a", "pending": False, "subscribed": False}, "state": "connected"},
    {"at": 50, "subscribe": "private-a",
     "outputs": [{"authorize": {"request": 2, "channel": "private-a", "socket_id": "1.1"}}]},
    {"at": 60, "authorize": {"request": 2, "auth": "app-key:bad-again"}, "outputs": [send(1, sub("private-a", "app-key:bad-again"))]},
    {"at": 65, "bind_global": {"target": "global", "handler": "g"}},
    {"at": 66, "bind": {"target": "channel:private-a", "event": "pusher:subscription_error", "handler": "s"}},
    {"at": 70, "message": {"socket": 1, "text": frame("pusher:subscription_error", "private-a", '{"type":"AuthError","error":"Invalid signature","status":401}')},
     "outputs": [emit("channel:private-a", "pusher:subscription_error", data('{"type":"AuthError","error":"Invalid signature","status":401}'),
                      [["s", "event", {"user_id": None}], ["g", "global"]])],
     "channel": {"name": "private-a", "pending": False}},
])

scenario("subscription_count updates the channel and is re-emitted", connected() + [
    {"at": 20, "subscribe": "news", "outputs": [send(1, sub("news"))]},
    {"at": 30, "message": {"socket": 1, "text": frame("pusher_internal:subscription_count", "news", '{"subscription_count":4}')},
     "outputs": [emit("channel:news", "pusher:subscription_count", data('{"subscription_count":4}'))]},
])

# ---- presence ----------------------------------------------------------------------------
PRESENCE_DATA = '{"presence":{"ids":["u1","u2"],"hash":{"u1":{"name":"Ada"},"u2":{"name":"Bob"}},"count":2}}'
CD_U1 = '{"user_id":"u1","user_info":{"name":"Ada"}}'
scenario("presence members, client events with user_id, and members across a reconnect", connected() + [
    {"at": 20, "subscribe": "presence-room",
     "outputs": [{"authorize": {"request": 1, "channel": "presence-room", "socket_id": "1.1"}}]},
    {"at": 30, "authorize": {"request": 1, "auth": "app-key:sig", "channel_data": CD_U1},
     "outputs": [send(1, sub("presence-room", "app-key:sig", CD_U1))]},
    {"at": 40, "message": {"socket": 1, "text": frame("pusher_internal:subscription_succeeded", "presence-room", PRESENCE_DATA)},
     "outputs": [emit("channel:presence-room", "pusher:subscription_succeeded", "members")],
     "members": {"channel": "presence-room", "count": 2, "me": "u1", "ids": ["u1", "u2"]}},
    {"at": 50, "message": {"socket": 1, "text": frame("pusher_internal:member_added", "presence-room", '{"user_id":"u3","user_info":{"name":"Cy"}}')},
     "outputs": [emit("channel:presence-room", "pusher:member_added", {"member": {"id": "u3", "info": '{"name":"Cy"}'}})],
     "members": {"channel": "presence-room", "count": 3, "me": "u1", "ids": ["u1", "u2", "u3"]}},
    {"at": 60, "message": {"socket": 1, "text": frame("pusher_internal:member_removed", "presence-room", '{"user_id":"u2"}')},
     "outputs": [emit("channel:presence-room", "pusher:member_removed", {"member": {"id": "u2", "info": '{"name":"Bob"}'}})],
     "members": {"channel": "presence-room", "count": 2, "me": "u1", "ids": ["u1", "u3"]}},
    {"at": 65, "message": {"socket": 1, "text": frame("pusher_internal:member_removed", "presence-room", '{"user_id":"u9"}')}},
    {"at": 66, "bind": {"target": "channel:presence-room", "event": "client-typing", "handler": "t"}},
    {"at": 70, "message": {"socket": 1, "text": frame("client-typing", "presence-room", raw_data={"on": True}, user_id="u3")},
     "outputs": [{"emit": {**emit("channel:presence-room", "client-typing", data('{"on":true}'), [["t", "event", {"user_id": "u3"}]])["emit"],
                          "metadata": {"user_id": "u3"}}}]},
    {"at": 20010, "close": {"socket": 1, "code": 1006, "reason": ""},
     "outputs": [emit("connection", "error", err("PusherError", 1006, "")), sc("connected->connecting"),
                 emit("connection", "connecting_in", {"connecting_in": 1})],
     "members": {"channel": "presence-room", "count": 0, "me": None, "ids": []}},
    {"at": 21010, "timeout": {}, "outputs": [open_(2)]},
    {"at": 21015, "open": {"socket": 2}},
    {"at": 21020, "message": {"socket": 2, "text": est("1.2")},
     "outputs": [emit("connection", "state_change", {"previous": "connecting", "current": "connected"}),
                 {"authorize": {"request": 2, "channel": "presence-room", "socket_id": "1.2"}},
                 emit("connection", "connected", {"socket_id": "1.2"})]},
    {"at": 21025, "authorize": {"request": 1, "auth": "app-key:stale", "channel_data": CD_U1}},
    {"at": 21030, "authorize": {"request": 2, "auth": "app-key:sig2", "channel_data": CD_U1},
     "outputs": [send(2, sub("presence-room", "app-key:sig2", CD_U1))]},
    {"at": 21040, "message": {"socket": 2, "text": frame("pusher_internal:subscription_succeeded", "presence-room", PRESENCE_DATA)},
     "outputs": [emit("channel:presence-room", "pusher:subscription_succeeded", "members")],
     "members": {"channel": "presence-room", "count": 2, "me": "u1"}},
])

scenario("a presence authorization without channel_data fails unless the user is signed in", connected() + [
    {"at": 20, "subscribe": "presence-room",
     "outputs": [{"authorize": {"request": 1, "channel": "presence-room", "socket_id": "1.1"}}]},
    {"at": 30, "authorize": {"request": 1, "auth": "app-key:sig"},
     "outputs": [emit("channel:presence-room", "pusher:subscription_error",
                      {"auth_error": {"error": "Invalid auth response for channel 'presence-room', expected 'channel_data' field, or the user should be signed in.", "status": None}})]},
])

# ---- encrypted channels ------------------------------------------------------------------
E0, E2 = ENC["sealed"][0], ENC["sealed"][2]
ECH = E0["channel"]
scenario("encrypted channel: events are decrypted; a wrong key is refetched once", connected() + [
    {"at": 20, "subscribe": ECH, "outputs": [{"authorize": {"request": 1, "channel": ECH, "socket_id": "1.1"}}]},
    {"at": 30, "authorize": {"request": 1, "auth": "app-key:sig", "shared_secret": E0["shared_secret"]},
     "outputs": [send(1, sub(ECH, "app-key:sig"))]},
    {"at": 40, "message": {"socket": 1, "text": frame("pusher_internal:subscription_succeeded", ECH, "{}")},
     "outputs": [emit(f"channel:{ECH}", "pusher:subscription_succeeded", data("{}"))]},
    {"at": 41, "bind": {"target": f"channel:{ECH}", "event": "secret", "handler": "s"}},
    {"at": 50, "message": {"socket": 1, "text": frame("secret", ECH, E0["data"])},
     "outputs": [emit(f"channel:{ECH}", "secret", data(E0["plaintext"]), [["s", "event", None]]),
                 emit("global", "secret", data(E0["data"]))]},
    {"at": 60, "message": {"socket": 1, "text": frame("secret", ECH, E2["data"])},
     "outputs": [{"authorize": {"request": 2, "channel": ECH, "socket_id": "1.1"}}, emit("global", "secret", data(E2["data"]))]},
    {"at": 61, "message": {"socket": 1, "text": frame("secret", ECH, E2["data"])},
     "outputs": [emit("global", "secret", data(E2["data"]))]},
    {"at": 70, "authorize": {"request": 2, "auth": "app-key:sig", "shared_secret": E2["shared_secret"]},
     "outputs": [emit(f"channel:{ECH}", "secret", data(E2["plaintext"])), emit(f"channel:{ECH}", "secret", data(E2["plaintext"]))]},
    {"at": 80, "trigger": {"channel": ECH, "event": "client-x", "data": "{}"}, "result": "UnsupportedFeature"},
    {"at": 90, "message": {"socket": 1, "text": frame("secret", ECH, "not an encrypted payload")},
     "outputs": [emit("global", "secret", data("not an encrypted payload"))]},
])

scenario("encrypted channel: an auth response without shared_secret fails the subscription", connected() + [
    {"at": 20, "subscribe": ECH, "outputs": [{"authorize": {"request": 1, "channel": ECH, "socket_id": "1.1"}}]},
    {"at": 30, "authorize": {"request": 1, "auth": "app-key:sig"},
     "outputs": [emit(f"channel:{ECH}", "pusher:subscription_error",
                      {"auth_error": {"error": f"No shared_secret key in auth payload for encrypted channel: {ECH}", "status": None}})]},
])

# ---- client events ---------------------------------------------------------------------------
scenario("client events follow Pusher's rules", [
    {"at": 0, "trigger": {"channel": "private-chat", "event": "client-typing", "data": "{}"}, "result": False},
] + connected(t0=1) + [
    {"at": 20, "trigger": {"channel": "private-chat", "event": "message", "data": "{}"}, "result": "BadEventName"},
    {"at": 21, "trigger": {"channel": "private-chat", "event": "pusher:subscribe", "data": "{}"}, "result": "BadEventName"},
    {"at": 22, "trigger": {"channel": "private-chat", "event": "client-typing", "data": '{"on":true}'}, "result": True,
     "outputs": [send(1, '{"event":"client-typing","data":{"on":true},"channel":"private-chat"}')]},
    {"at": 23, "trigger": {"channel": "private-chat", "event": "client-empty"}, "result": True,
     "outputs": [send(1, '{"event":"client-empty","channel":"private-chat"}')]},
])

# ---- Lite sessions -----------------------------------------------------------------------------
scenario("a Lite session token authorizes every subscription and allows Lite events", connected() + [
    {"at": 20, "subscribe": "general", "outputs": [send(1, sub("general", LITE_TOKEN))]},
    {"at": 21, "subscribe": "presence-room", "outputs": [send(1, sub("presence-room", LITE_TOKEN))]},
    {"at": 30, "message": {"socket": 1, "text": frame("pusher_internal:subscription_succeeded", "presence-room",
                                                      '{"presence":{"ids":["user-1"],"hash":{"user-1":null},"count":1}}')},
     "outputs": [emit("channel:presence-room", "pusher:subscription_succeeded", "members")],
     "members": {"channel": "presence-room", "count": 1, "me": "user-1"}},
    {"at": 40, "trigger": {"channel": "general", "event": "new_message", "data": '{"name":"a","message":"hi"}'}, "result": True,
     "outputs": [send(1, '{"event":"new_message","data":{"name":"a","message":"hi"},"channel":"general"}')]},
    {"at": 41, "trigger": {"channel": "general", "event": "pusher_internal:x", "data": "{}"}, "result": "BadEventName"},
], session_token=LITE_TOKEN)

# ---- sign-in ----------------------------------------------------------------------------------
USER_DATA = '{"id":"u1","name":"Ada"}'
SIGNIN = json.dumps({"event": "pusher:signin", "data": {"auth": "app-key:usig", "user_data": USER_DATA}}, separators=(",", ":"))
scenario("sign-in, server-to-user events, watchlist, and sign-in again after a reconnect", [
    {"at": 0, "signin": {}},
    {"at": 0, "connect": {}, "outputs": [sc("initialized->connecting"), open_(1)]},
    {"at": 5, "open": {"socket": 1}},
    {"at": 10, "message": {"socket": 1, "text": est("1.1")},
     "outputs": [emit("connection", "state_change", {"previous": "connecting", "current": "connected"}),
                 {"authenticate": {"request": 1, "socket_id": "1.1"}},
                 emit("connection", "connected", {"socket_id": "1.1"})]},
    {"at": 20, "authenticate": {"request": 1, "auth": "app-key:usig", "user_data": USER_DATA}, "outputs": [send(1, SIGNIN)]},
    {"at": 30, "message": {"socket": 1, "text": json.dumps({"event": "pusher:signin_success", "data": {"user_data": USER_DATA}}, separators=(",", ":"))},
     "outputs": [send(1, sub("#server-to-user-u1")),
                 emit("global", "pusher:signin_success", data(json.dumps({"user_data": USER_DATA}, separators=(",", ":"))))]},
    {"at": 40, "message": {"socket": 1, "text": frame("pusher_internal:subscription_succeeded", "#server-to-user-u1", "{}")}},
    {"at": 41, "bind": {"target": "user", "event": "notice", "handler": "n"}},
    {"at": 50, "message": {"socket": 1, "text": frame("notice", "#server-to-user-u1", '{"x":1}')},
     "outputs": [emit("user", "notice", data('{"x":1}'), [["n", "event", None]])]},
    {"at": 60, "message": {"socket": 1, "text": frame("pusher_internal:watchlist_events", None, '{"events":[{"name":"online","user_ids":["u2"]}]}')},
     "outputs": [emit("watchlist", "online", {"watchlist": {"name": "online", "user_ids": ["u2"]}})]},
    {"at": 20010, "close": {"socket": 1, "code": 1006, "reason": ""},
     "outputs": [emit("connection", "error", err("PusherError", 1006, "")), sc("connected->connecting"),
                 emit("connection", "connecting_in", {"connecting_in": 1})]},
    {"at": 21010, "timeout": {}, "outputs": [open_(2)]},
    {"at": 21015, "open": {"socket": 2}},
    {"at": 21020, "message": {"socket": 2, "text": est("1.2")},
     "outputs": [emit("connection", "state_change", {"previous": "connecting", "current": "connected"}),
                 {"authenticate": {"request": 2, "socket_id": "1.2"}},
                 emit("connection", "connected", {"socket_id": "1.2"})]},
    {"at": 21030, "authenticate": {"request": 2, "error": "Unauthorized", "status": 401},
     "outputs": [emit("user", "pusher:signin_error", {"auth_error": {"error": "Unauthorized", "status": 401}})]},
])

doc = {
    "description": (
        "Client state-machine traces on a virtual clock. Each step feeds one input at time `at` (ms) and lists "
        "every output the client must produce, in order. See README.md for the format."
    ),
    "scenarios": scenarios,
}
out = pathlib.Path(__file__).parent.parent / "client-scenarios.json"
out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
print(f"wrote {len(scenarios)} scenarios")
