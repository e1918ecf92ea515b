//! The server process over real loopback sockets, frame by frame: handshake
//! refusals, malformed input, every channel type, client events, cache
//! channels, sign-in, terminate, shutdown, and one client's bad behaviour
//! never reaching another.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pusher_lite_core::auth::Credentials;
use pusher_lite_core::frame::MemberData;
use pusher_lite_test_support::{APP_ID, APP_KEY, APP_SECRET, Server};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(5);

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Ws {
    stream: Stream,
    socket_id: String,
}

fn app() -> Credentials {
    Credentials::new(APP_ID, APP_KEY, APP_SECRET)
}

/// The data member of a frame, parsed if it is a JSON string.
fn data(frame: &Value) -> Value {
    match &frame["data"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        other => other.clone(),
    }
}

impl Ws {
    async fn raw(server: &Server, path: &str) -> Stream {
        let url = format!("ws://127.0.0.1:{}{path}", server.port);
        tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket connects")
            .0
    }

    async fn connect(server: &Server) -> Ws {
        let mut stream = Ws::raw(
            server,
            &format!("/app/{APP_KEY}?protocol=7&client=test&version=1"),
        )
        .await;
        let hello = next_frame(&mut stream).await;
        assert_eq!(hello["event"], "pusher:connection_established");
        let d = data(&hello);
        assert_eq!(d["activity_timeout"], 120);
        let socket_id = d["socket_id"].as_str().unwrap().to_owned();
        assert!(pusher_lite_core::limits::validate_socket_id(&socket_id).is_ok());
        Ws { stream, socket_id }
    }

    async fn send(&mut self, text: &str) {
        self.stream.send(Message::text(text)).await.unwrap();
    }

    async fn next(&mut self) -> Value {
        next_frame(&mut self.stream).await
    }

    /// The next frame named `event`, skipping others (subscription counts …).
    async fn next_event(&mut self, event: &str) -> Value {
        tokio::time::timeout(WAIT, async {
            loop {
                let frame = self.next().await;
                if frame["event"] == event {
                    return frame;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {event} within {WAIT:?}"))
    }

    async fn silent_for(&mut self, event: &str, quiet: Duration) {
        let got = tokio::time::timeout(quiet, async {
            loop {
                let frame = self.next().await;
                if frame["event"] == event {
                    return frame;
                }
            }
        })
        .await;
        assert!(got.is_err(), "unexpected {got:?}");
    }

    async fn subscribe(&mut self, channel: &str, auth: &str, channel_data: Option<&str>) {
        let mut d = serde_json::json!({"channel": channel, "auth": auth});
        if let Some(cd) = channel_data {
            d["channel_data"] = Value::String(cd.to_owned());
        }
        self.send(&serde_json::json!({"event": "pusher:subscribe", "data": d}).to_string())
            .await;
    }

    async fn subscribed(&mut self, channel: &str) -> Value {
        let frame = self
            .next_event("pusher_internal:subscription_succeeded")
            .await;
        assert_eq!(frame["channel"], channel);
        frame
    }

    async fn subscribe_private(&mut self, channel: &str) {
        let auth = app()
            .authorize_channel(&self.socket_id, channel, None, None)
            .unwrap();
        self.subscribe(channel, &auth.auth, None).await;
        self.subscribed(channel).await;
    }

    async fn subscribe_presence(&mut self, channel: &str, user: &str) -> Value {
        let member = MemberData {
            user_id: user.to_owned(),
            user_info: Some(format!(r#"{{"name":"{user}"}}"#)),
        };
        let auth = app()
            .authorize_channel(&self.socket_id, channel, Some(&member), None)
            .unwrap();
        self.subscribe(channel, &auth.auth, auth.channel_data.as_deref())
            .await;
        data(&self.subscribed(channel).await)
    }

    async fn closed(&mut self) -> (u16, String) {
        tokio::time::timeout(WAIT, async {
            loop {
                match self.stream.next().await {
                    Some(Ok(Message::Close(Some(frame)))) => {
                        return (u16::from(frame.code), frame.reason.to_string());
                    }
                    Some(Ok(Message::Close(None))) | None => return (1005, String::new()),
                    Some(Err(e)) => panic!("socket error before close: {e}"),
                    Some(Ok(_)) => {}
                }
            }
        })
        .await
        .expect("the server closes the socket")
    }
}

async fn next_frame(stream: &mut Stream) -> Value {
    let message = tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("a frame within the time limit")
        .expect("stream open")
        .expect("frame");
    match message {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("server frames are JSON"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

#[tokio::test]
async fn handshake_refusals_use_the_protocol_codes() {
    let server = Server::start();
    let mut unknown = Ws::raw(&server, "/app/nope?protocol=7").await;
    let error = next_frame(&mut unknown).await;
    assert_eq!(error["event"], "pusher:error");
    assert_eq!(error["data"]["code"], 4001);
    assert!(error["data"]["message"].as_str().unwrap().contains("nope"));
    let mut ws = Ws {
        stream: unknown,
        socket_id: String::new(),
    };
    assert_eq!(ws.closed().await.0, 4001);

    for (query, code) in [("", 4008), ("?protocol=abc", 4006), ("?protocol=3", 4007)] {
        let mut stream = Ws::raw(&server, &format!("/app/{APP_KEY}{query}")).await;
        assert_eq!(
            next_frame(&mut stream).await["data"]["code"],
            code,
            "{query}"
        );
    }
}

#[tokio::test]
async fn ping_pong_and_malformed_frames_leave_the_connection_up() {
    let server = Server::start();
    let mut ws = Ws::connect(&server).await;
    ws.send(r#"{"event":"pusher:ping","data":{}}"#).await;
    assert_eq!(ws.next().await["event"], "pusher:pong");

    for bad in [
        "{not json",
        "[1,2]",
        r#"{"data":1}"#,
        r#"{"event":"pusher:subscribe","data":"x"}"#,
    ] {
        ws.send(bad).await;
        let error = ws.next_event("pusher:error").await;
        assert!(error["data"]["code"].is_null(), "{bad}: {error}");
        assert!(!error["data"]["message"].as_str().unwrap().is_empty());
    }
    let huge = format!(
        r#"{{"event":"client-x","channel":"private-a","data":"{}"}}"#,
        "x".repeat(20_000)
    );
    ws.send(&huge).await;
    let error = ws.next_event("pusher:error").await;
    assert!(
        error["data"]["message"].as_str().unwrap().contains("limit"),
        "{error}"
    );
    ws.stream
        .send(Message::binary(vec![1, 2, 3]))
        .await
        .unwrap();
    assert!(
        ws.next_event("pusher:error").await["data"]["message"]
            .as_str()
            .unwrap()
            .contains("binary")
    );
    ws.send(r#"{"event":"pusher:bogus","data":{}}"#).await;
    ws.next_event("pusher:error").await;

    ws.send(r#"{"event":"pusher:ping","data":{}}"#).await;
    assert_eq!(ws.next_event("pusher:pong").await["event"], "pusher:pong");
}

#[tokio::test]
async fn public_and_private_channels() {
    let server = Server::start();
    let publisher = server.publisher();
    let mut ws = Ws::connect(&server).await;
    ws.subscribe("news", "", None).await;
    assert_eq!(data(&ws.subscribed("news").await), serde_json::json!({}));
    let count = ws.next_event("pusher_internal:subscription_count").await;
    assert_eq!(data(&count)["subscription_count"], 1);

    // A bad signature: pusher:error 4009 naming the channel, and no subscription.
    ws.subscribe("private-a", &format!("{APP_KEY}:{}", "0".repeat(64)), None)
        .await;
    let refused = ws.next_event("pusher:error").await;
    assert_eq!(refused["data"]["code"], 4009);
    assert_eq!(refused["channel"], "private-a");
    assert_eq!(
        publisher.channel("private-a", None).await.unwrap().occupied,
        Some(false)
    );
    ws.subscribe("private-a", "", None).await;
    assert_eq!(ws.next_event("pusher:error").await["data"]["code"], 4009);

    ws.subscribe_private("private-a").await;
    publisher
        .trigger(&["private-a"], "secret", r#"{"x":1}"#)
        .await
        .unwrap();
    let event = ws.next_event("secret").await;
    assert_eq!(event["channel"], "private-a");
    assert_eq!(
        event["data"], r#"{"x":1}"#,
        "the server double-encodes data"
    );

    ws.send(r#"{"event":"pusher:unsubscribe","data":{"channel":"private-a"}}"#)
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        publisher.channel("private-a", None).await.unwrap().occupied,
        Some(false)
    );
}

#[tokio::test]
async fn presence_members_count_users_not_connections() {
    let server = Server::start();
    let mut ada = Ws::connect(&server).await;
    let joined = ada.subscribe_presence("presence-room", "ada").await;
    assert_eq!(joined["presence"]["count"], 1);
    assert_eq!(joined["presence"]["hash"]["ada"]["name"], "ada");

    let mut bob = Ws::connect(&server).await;
    let joined = bob.subscribe_presence("presence-room", "bob").await;
    assert_eq!(joined["presence"]["count"], 2);
    assert_eq!(joined["presence"]["ids"], serde_json::json!(["ada", "bob"]));
    let added = ada.next_event("pusher_internal:member_added").await;
    assert_eq!(
        data(&added),
        serde_json::json!({"user_id":"bob","user_info":{"name":"bob"}})
    );

    // A second connection of bob: no new member.
    let mut bob2 = Ws::connect(&server).await;
    bob2.subscribe_presence("presence-room", "bob").await;
    ada.silent_for("pusher_internal:member_added", Duration::from_millis(300))
        .await;
    let info = server
        .publisher()
        .channel("presence-room", Some("user_count"))
        .await
        .unwrap();
    assert_eq!(info.user_count, Some(2));

    drop(bob2);
    ada.silent_for("pusher_internal:member_removed", Duration::from_millis(300))
        .await;
    drop(bob);
    let removed = ada.next_event("pusher_internal:member_removed").await;
    assert_eq!(data(&removed)["user_id"], "bob");
}

#[tokio::test]
async fn client_events_follow_pusher_rules_and_rate_limits() {
    let server = Server::start();
    let mut a = Ws::connect(&server).await;
    let mut b = Ws::connect(&server).await;
    a.subscribe("news", "", None).await;
    a.subscribed("news").await;
    a.send(r#"{"event":"client-x","channel":"news","data":{}}"#)
        .await;
    assert!(
        a.next_event("pusher:error").await["data"]["message"]
            .as_str()
            .unwrap()
            .contains("private")
    );
    a.send(r#"{"event":"client-x","channel":"private-nope","data":{}}"#)
        .await;
    assert!(
        a.next_event("pusher:error").await["data"]["message"]
            .as_str()
            .unwrap()
            .contains("not subscribed")
    );
    a.send(r#"{"event":"other","channel":"news","data":{}}"#)
        .await;
    a.next_event("pusher:error").await;

    a.subscribe_presence("presence-chat", "ada").await;
    b.subscribe_presence("presence-chat", "bob").await;
    a.send(r#"{"event":"client-typing","channel":"presence-chat","data":{"on":true}}"#)
        .await;
    let got = b.next_event("client-typing").await;
    assert_eq!(got["user_id"], "ada");
    assert_eq!(
        got["data"],
        serde_json::json!({"on": true}),
        "client data is forwarded as sent"
    );
    a.silent_for("client-typing", Duration::from_millis(300))
        .await;

    // A fresh one-second window: client-typing above counted in the last one.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for i in 0..11 {
        a.send(&format!(
            r#"{{"event":"client-n","channel":"presence-chat","data":{i}}}"#
        ))
        .await;
    }
    let limited = a.next_event("pusher:error").await;
    assert_eq!(limited["data"]["code"], 4301);
    let mut delivered = 0;
    while tokio::time::timeout(Duration::from_millis(300), b.next_event("client-n"))
        .await
        .is_ok()
    {
        delivered += 1;
    }
    assert_eq!(
        delivered, 10,
        "the eleventh event within a second is refused"
    );
}

#[tokio::test]
async fn cache_channels_replay_the_last_event_or_report_a_miss() {
    let server = Server::start();
    let mut first = Ws::connect(&server).await;
    first.subscribe("cache-prices", "", None).await;
    first.subscribed("cache-prices").await;
    assert_eq!(
        first.next_event("pusher:cache_miss").await["channel"],
        "cache-prices"
    );
    server
        .publisher()
        .trigger(&["cache-prices"], "price", "42")
        .await
        .unwrap();
    first.next_event("price").await;
    let mut later = Ws::connect(&server).await;
    later.subscribe("cache-prices", "", None).await;
    later.subscribed("cache-prices").await;
    assert_eq!(later.next_event("price").await["data"], "42");
}

#[tokio::test]
async fn sign_in_watchlist_and_terminate() {
    let server = Server::start();
    let mut watcher = Ws::connect(&server).await;
    let user_data = r#"{"id":"carol","watchlist":["dave"]}"#;
    let auth = app()
        .authenticate_user(&watcher.socket_id, user_data)
        .unwrap();
    watcher
        .send(&serde_json::json!({"event":"pusher:signin","data":{"auth": auth.auth, "user_data": user_data}}).to_string())
        .await;
    assert_eq!(
        data(&watcher.next_event("pusher:signin_success").await)["user_data"],
        user_data
    );
    watcher.subscribe("#server-to-user-carol", "", None).await;
    watcher.subscribed("#server-to-user-carol").await;

    let mut dave = Ws::connect(&server).await;
    let dave_data = r#"{"id":"dave"}"#;
    let bad = serde_json::json!({"event":"pusher:signin","data":{"auth": format!("{APP_KEY}:{}", "1".repeat(64)), "user_data": dave_data}});
    dave.send(&bad.to_string()).await;
    assert_eq!(dave.next_event("pusher:error").await["data"]["code"], 4009);
    let auth = app().authenticate_user(&dave.socket_id, dave_data).unwrap();
    dave.send(&serde_json::json!({"event":"pusher:signin","data":{"auth": auth.auth, "user_data": dave_data}}).to_string())
        .await;
    dave.next_event("pusher:signin_success").await;
    let online = watcher.next_event("pusher_internal:watchlist_events").await;
    assert_eq!(
        data(&online)["events"][0],
        serde_json::json!({"name":"online","user_ids":["dave"]})
    );

    // Someone else's server-to-user channel is refused.
    dave.subscribe("#server-to-user-carol", "", None).await;
    assert_eq!(dave.next_event("pusher:error").await["data"]["code"], 4009);

    server
        .publisher()
        .send_to_user("carol", "notice", r#"{"n":1}"#)
        .await
        .unwrap();
    assert_eq!(
        watcher.next_event("notice").await["channel"],
        "#server-to-user-carol"
    );

    server
        .publisher()
        .terminate_user_connections("dave")
        .await
        .unwrap();
    assert_eq!(dave.closed().await.0, 4009);
    let offline = watcher.next_event("pusher_internal:watchlist_events").await;
    assert_eq!(data(&offline)["events"][0]["name"], "offline");
}

#[tokio::test]
async fn a_hostile_client_does_not_disturb_others() {
    let server = Server::start();
    let mut good = Ws::connect(&server).await;
    good.subscribe("news", "", None).await;
    good.subscribed("news").await;
    let mut hostile = Ws::connect(&server).await;
    for i in 0..500 {
        let junk = match i % 5 {
            0 => "\u{0}\u{1}garbage".to_owned(),
            1 => "{".repeat(1000),
            2 => format!(
                r#"{{"event":"pusher:subscribe","data":{{"channel":"{}"}}}}"#,
                "x".repeat(300)
            ),
            3 => r#"{"event":"client-x","channel":"news","data":1}"#.to_owned(),
            _ => r#"{"event":"pusher:signin","data":{"auth":"a","user_data":"b"}}"#.to_owned(),
        };
        hostile.send(&junk).await;
    }
    server
        .publisher()
        .trigger(&["news"], "headline", "{}")
        .await
        .unwrap();
    good.next_event("headline").await;
    let (status, body) = server.get("/up").unwrap();
    assert_eq!((status, body.as_str()), (200, "OK"));
}

#[tokio::test]
async fn shutdown_closes_connections_with_a_reconnect_code() {
    let mut server = Server::start();
    let mut ws = Ws::connect(&server).await;
    let status = tokio::task::spawn_blocking(move || {
        let status = server.terminate();
        (server, status)
    });
    let (code, reason) = ws.closed().await;
    assert!((4200..4300).contains(&code), "{code} {reason}");
    let (_server, status) = status.await.unwrap();
    assert!(
        status.is_some_and(|s| s.success()),
        "exits cleanly: {status:?}"
    );
}

#[tokio::test]
async fn metrics_and_health() {
    let server = Server::start();
    let mut ws = Ws::connect(&server).await;
    ws.subscribe("news", "", None).await;
    ws.subscribed("news").await;
    let (status, body) = server.get("/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("pusher_lite_connections 1"), "{body}");
    assert!(body.contains("pusher_lite_channels 1"), "{body}");
    assert!(
        body.contains("# TYPE pusher_lite_messages_in_total counter"),
        "{body}"
    );
    let (status, page) = server.get("/").unwrap();
    assert_eq!(status, 200);
    assert!(
        page.contains("send through API") && page.contains(APP_KEY),
        "the chat page names the app"
    );
    assert!(!page.contains("{{"), "every placeholder is filled");
    // /js/ serves the bundle and the page's jQuery, nothing else of its directory.
    let (status, body) = server.get("/js/package.json").unwrap();
    assert_eq!(status, 404);
    assert!(body.contains("/js/ serves"), "{body}");
}

/// Every frame of the messages a connection receives until `count` frames
/// named `event` arrived, and how many messages carried them.
async fn frames_until(stream: &mut Stream, event: &str, count: usize) -> (Vec<Value>, usize) {
    let mut frames = Vec::new();
    let mut messages = 0;
    let mut seen = 0;
    tokio::time::timeout(WAIT, async {
        while seen < count {
            let text = match stream.next().await {
                Some(Ok(Message::Text(text))) => text,
                other => panic!("expected a text message, got {other:?}"),
            };
            messages += 1;
            assert!(
                text.len() <= pusher_lite_core::batching::MAX_BATCH_BYTES + 1024,
                "a batch of {} bytes",
                text.len()
            );
            for piece in text.as_str().split('\n') {
                let frame: Value = serde_json::from_str(piece)
                    .unwrap_or_else(|e| panic!("a batched piece is one JSON frame ({e}): {piece}"));
                if frame["event"] == event {
                    seen += 1;
                }
                frames.push(frame);
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{seen} of {count} {event} frames within {WAIT:?}"));
    (frames, messages)
}

#[tokio::test]
async fn lite_frame_batching_is_given_only_to_clients_that_ask() {
    const CHANNELS: usize = 50;
    const ROUNDS: usize = 20;
    let server = Server::start();
    let mut plain = Ws::connect(&server).await;
    let mut batched = Ws::raw(
        &server,
        &format!("/app/{APP_KEY}?protocol=7&client=test&version=1&lite_batch=1"),
    )
    .await;
    // The handshake is a message of its own, and acknowledges the request.
    let hello = match batched.next().await {
        Some(Ok(Message::Text(text))) => text,
        other => panic!("expected the handshake, got {other:?}"),
    };
    assert!(!hello.as_str().contains('\n'));
    let hello: Value = serde_json::from_str(hello.as_str()).unwrap();
    assert_eq!(data(&hello)["lite_batch"], true);
    let socket_id = data(&hello)["socket_id"].as_str().unwrap().to_owned();

    let names: Vec<String> = (0..CHANNELS).map(|i| format!("batch-{i}")).collect();
    for name in &names {
        let subscribe = serde_json::json!({"event": "pusher:subscribe", "data": {"channel": name}});
        plain.send(&subscribe.to_string()).await;
        batched
            .send(Message::text(subscribe.to_string()))
            .await
            .unwrap();
    }
    for _ in 0..CHANNELS {
        plain
            .next_event("pusher_internal:subscription_succeeded")
            .await;
    }
    frames_until(
        &mut batched,
        "pusher_internal:subscription_succeeded",
        CHANNELS,
    )
    .await;

    // Each trigger queues one frame per channel at once for both connections.
    let publisher = server.publisher();
    for round in 0..ROUNDS {
        publisher
            .trigger(&names, "tick", &format!(r#"{{"round":{round}}}"#))
            .await
            .unwrap();
    }
    let (frames, messages) = frames_until(&mut batched, "tick", CHANNELS * ROUNDS).await;
    let ticks: Vec<&Value> = frames.iter().filter(|f| f["event"] == "tick").collect();
    assert!(
        messages < ticks.len(),
        "{} tick frames came in {messages} messages: none were batched",
        ticks.len()
    );
    // In order on every channel.
    for name in &names {
        let rounds: Vec<u64> = ticks
            .iter()
            .filter(|f| f["channel"] == name.as_str())
            .map(|f| data(f)["round"].as_u64().unwrap())
            .collect();
        assert_eq!(rounds, (0..ROUNDS as u64).collect::<Vec<_>>(), "{name}");
    }
    // The connection that did not ask gets exactly one frame per message
    // (`next` parses each message as one JSON frame).
    for _ in 0..CHANNELS * ROUNDS {
        plain.next_event("tick").await;
    }

    // A frame with raw line feeds (a client event's data as its sender wrote it)
    // still arrives as one frame, with the same data.
    let mut sender = Ws::connect(&server).await;
    sender.subscribe_private("private-lines").await;
    let auth = app()
        .authorize_channel(&socket_id, "private-lines", None, None)
        .unwrap();
    let subscribe = serde_json::json!({"event": "pusher:subscribe", "data": {"channel": "private-lines", "auth": auth.auth}});
    batched
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    frames_until(&mut batched, "pusher_internal:subscription_succeeded", 1).await;
    sender
        .send("{\"event\":\"client-lines\",\n\"channel\":\"private-lines\",\n\"data\":{\n  \"text\": \"a\\nb\"\n}}")
        .await;
    let (frames, _) = frames_until(&mut batched, "client-lines", 1).await;
    let event = frames
        .iter()
        .find(|f| f["event"] == "client-lines")
        .unwrap();
    assert_eq!(event["data"], serde_json::json!({"text": "a\nb"}));
}
