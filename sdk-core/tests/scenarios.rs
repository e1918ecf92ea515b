//! Replays the client state-machine traces of `tests/vectors/client-scenarios.json`
//! on a virtual clock: no sockets, no sleeping. Each step feeds one input at
//! time `at` and checks every output the client produces, in order, plus the
//! state and the next timer. The format is documented in the vectors' README.

use pusher_lite_core::auth::{ChannelAuthorization, UserAuthentication};
use pusher_lite_core::client::{
    AuthFailure, CallKind, Client, ClientConfig, ClientError, Endpoint, ErrorInfo, Output, Payload,
    ReconnectPolicy, RequestId, SocketHandle, State, Target,
};
use pusher_lite_core::frame::Data;
use serde_json::{Value, json};

fn load() -> Value {
    let path = format!(
        "{}/../tests/vectors/client-scenarios.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn config(v: &Value) -> ClientConfig {
    let endpoint = Endpoint::host(
        v["host"].as_str().unwrap_or("127.0.0.1"),
        v["port"].as_u64().unwrap_or(6001) as u16,
        v["tls"].as_bool().unwrap_or(false),
    );
    let mut c = ClientConfig::new(v["app_key"].as_str().unwrap_or("app-key"), endpoint);
    c.client_name = v["client_name"].as_str().unwrap_or("js").to_owned();
    c.client_version = v["client_version"].as_str().unwrap_or("8.6.0").to_owned();
    // The scenarios describe pusher-js, which does not ask for Lite frame batching.
    c.batching = v["batching"].as_bool().unwrap_or(false);
    let num = |key: &str, default: u64| v[key].as_u64().unwrap_or(default);
    c.activity_timeout_ms = num("activity_timeout_ms", c.activity_timeout_ms);
    c.pong_timeout_ms = num("pong_timeout_ms", c.pong_timeout_ms);
    c.unavailable_timeout_ms = num("unavailable_timeout_ms", c.unavailable_timeout_ms);
    c.connect_timeout_ms = num("connect_timeout_ms", c.connect_timeout_ms);
    c.random_seed = num("seed", 1);
    c.reconnect = ReconnectPolicy {
        initial_delay_ms: num("initial_delay_ms", 1_000),
        max_delay_ms: num("max_delay_ms", 30_000),
        stable_after_ms: num("stable_after_ms", 10_000),
    };
    c.session_token = v["session_token"].as_str().map(str::to_owned);
    c
}

fn state_name(s: State) -> &'static str {
    s.as_str()
}

fn target(text: &str) -> Target {
    match text {
        "global" => Target::Global,
        "connection" => Target::Connection,
        "user" => Target::User,
        "watchlist" => Target::Watchlist,
        other => Target::Channel(
            other
                .strip_prefix("channel:")
                .unwrap_or_else(|| panic!("unknown target {other}"))
                .to_owned(),
        ),
    }
}

fn target_name(t: &Target) -> String {
    match t {
        Target::Global => "global".into(),
        Target::Connection => "connection".into(),
        Target::User => "user".into(),
        Target::Watchlist => "watchlist".into(),
        Target::Channel(name) => format!("channel:{name}"),
    }
}

fn error_value(e: &ErrorInfo) -> Value {
    match e {
        ErrorInfo::Pusher { code, message } => {
            json!({"type": "PusherError", "code": code, "message": message})
        }
        ErrorInfo::WebSocketClose { code, message } => {
            json!({"type": "WebSocketError", "code": code, "message": message})
        }
        ErrorInfo::WebSocketTransport { message } => {
            json!({"type": "WebSocketTransport", "message": message})
        }
        ErrorInfo::MessageParse { message, data } => {
            json!({"type": "MessageParseError", "message": message, "data": data})
        }
        ErrorInfo::Handshake { message } => json!({"type": "HandshakeError", "message": message}),
    }
}

fn payload_value(p: &Payload) -> Value {
    match p {
        Payload::None => Value::Null,
        Payload::Data(text) => json!({ "data": text }),
        Payload::FrameData => json!("frame data"),
        Payload::Members => json!("members"),
        Payload::Member(m) => json!({"member": {"id": m.id, "info": m.info}}),
        Payload::StateChange { previous, current } => {
            json!({"previous": state_name(*previous), "current": state_name(*current)})
        }
        Payload::Connected { socket_id } => json!({ "socket_id": socket_id }),
        Payload::ConnectingIn(seconds) => json!({ "connecting_in": seconds }),
        Payload::Error(e) => json!({ "error": error_value(e) }),
        Payload::AuthError { error, status } => {
            json!({"auth_error": {"error": error, "status": status}})
        }
        Payload::Watchlist(w) => json!({"watchlist": {"name": w.name, "user_ids": w.user_ids}}),
        Payload::Message(f) => json!({ "message": f.encode() }),
    }
}

fn output_value(o: Output<String>) -> Value {
    match o {
        Output::Open { socket, url } => json!({"open": {"socket": socket.0, "url": url}}),
        Output::Send { socket, text } => json!({"send": {"socket": socket.0, "text": text}}),
        Output::Close {
            socket,
            code,
            reason,
        } => {
            json!({"close": {"socket": socket.0, "code": code, "reason": reason}})
        }
        Output::AuthorizeChannel {
            request,
            channel,
            socket_id,
        } => {
            json!({"authorize": {"request": request.0, "channel": channel, "socket_id": socket_id}})
        }
        Output::AuthenticateUser { request, socket_id } => {
            json!({"authenticate": {"request": request.0, "socket_id": socket_id}})
        }
        Output::Dispatch(d) => {
            let calls: Vec<Value> = d
                .calls
                .iter()
                .map(|c| match &c.kind {
                    CallKind::Global => json!([c.handler, "global"]),
                    CallKind::Event(None) => json!([c.handler, "event", null]),
                    CallKind::Event(Some(m)) => json!([c.handler, "event", {"user_id": m.user_id}]),
                })
                .collect();
            let metadata = d.metadata.as_ref().map(|m| json!({"user_id": m.user_id}));
            json!({"emit": {"source": target_name(&d.source), "event": d.event, "payload": payload_value(&d.payload), "metadata": metadata, "calls": calls}})
        }
        Output::Log { level, message } => json!({"log": format!("{level:?}: {message}")}),
    }
}

/// Expands the compact `{"state_change": "a->b", "socket_id"?}` form.
fn expand(expected: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for e in expected {
        if let Some(change) = e["state_change"].as_str() {
            let (previous, current) = change.split_once("->").unwrap();
            out.push(
                json!({"emit": {"source": "connection", "event": "state_change",
                "payload": {"previous": previous, "current": current}}}),
            );
            let payload = match e.get("socket_id") {
                Some(id) => json!({ "socket_id": id }),
                None => Value::Null,
            };
            out.push(
                json!({"emit": {"source": "connection", "event": current, "payload": payload}}),
            );
        } else {
            out.push(e.clone());
        }
    }
    out
}

/// Whether `actual` satisfies `expected`: objects match on the expected keys
/// (so `calls` and `reason` may be left out), `[min, max]` matches a number in
/// that range where the actual value is a number, everything else exactly.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| matches(ev, av))),
        (Value::Array(range), Value::Number(n)) if range.len() == 2 => {
            let n = n.as_u64().unwrap();
            range[0].as_u64().unwrap() <= n && n <= range[1].as_u64().unwrap()
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y))
        }
        _ => expected == actual,
    }
}

fn client_error_name(e: &ClientError) -> &'static str {
    match e {
        ClientError::BadChannelName(_) => "BadChannelName",
        ClientError::BadEventName(_) => "BadEventName",
        ClientError::UnsupportedFeature(_) => "UnsupportedFeature",
    }
}

fn socket(v: &Value) -> SocketHandle {
    SocketHandle(v["socket"].as_u64().unwrap_or(1))
}

fn run_step(client: &mut Client<String>, step: &Value, now: u64, name: &str) {
    let input = step.as_object().unwrap();
    let mut result: Option<Value> = None;
    if let Some(v) = input.get("connect") {
        let _ = v;
        client.connect(now);
    } else if input.contains_key("disconnect") {
        client.disconnect(now);
    } else if input.contains_key("unsupported") {
        client.handle_transport_unsupported(now);
    } else if let Some(v) = input.get("open") {
        client.handle_open(now, socket(v));
    } else if let Some(v) = input.get("message") {
        client.handle_message(now, socket(v), v["text"].as_str().unwrap());
    } else if let Some(v) = input.get("close") {
        client.handle_close(
            now,
            socket(v),
            v["code"].as_u64().unwrap() as u16,
            v["reason"].as_str().unwrap_or(""),
        );
    } else if let Some(v) = input.get("error") {
        client.handle_error(now, socket(v), v["message"].as_str().unwrap());
    } else if input.contains_key("timeout") {
        client.handle_timeout(now);
    } else if input.contains_key("online") {
        client.handle_online(now);
    } else if input.contains_key("offline") {
        client.handle_offline(now);
    } else if let Some(v) = input.get("subscribe") {
        result = Some(match client.subscribe(now, v.as_str().unwrap()) {
            Ok(()) => json!(true),
            Err(e) => json!(client_error_name(&e)),
        });
    } else if let Some(v) = input.get("unsubscribe") {
        client.unsubscribe(now, v.as_str().unwrap());
    } else if let Some(v) = input.get("trigger") {
        let data = v["data"].as_str().map(Data::json);
        result = Some(
            match client.trigger(
                now,
                v["channel"].as_str().unwrap(),
                v["event"].as_str().unwrap(),
                data,
            ) {
                Ok(sent) => json!(sent),
                Err(e) => json!(client_error_name(&e)),
            },
        );
    } else if let Some(v) = input.get("switch") {
        let endpoint = Endpoint::host(
            v["host"].as_str().unwrap(),
            v["port"].as_u64().unwrap() as u16,
            v["tls"].as_bool().unwrap(),
        );
        client.switch_endpoint(now, v["app_key"].as_str().unwrap(), endpoint);
    } else if input.contains_key("signin") {
        client.signin(now);
    } else if let Some(v) = input.get("authorize") {
        let request = RequestId(v["request"].as_u64().unwrap());
        let answer = match v.get("error") {
            Some(error) => Err(AuthFailure {
                status: v["status"].as_u64().map(|s| s as u16),
                message: error.as_str().unwrap().to_owned(),
            }),
            None => Ok(ChannelAuthorization {
                auth: v["auth"].as_str().unwrap().to_owned(),
                channel_data: v["channel_data"].as_str().map(str::to_owned),
                shared_secret: v["shared_secret"].as_str().map(str::to_owned),
            }),
        };
        client.handle_channel_authorization(now, request, answer);
    } else if let Some(v) = input.get("authenticate") {
        let request = RequestId(v["request"].as_u64().unwrap());
        let answer = match v.get("error") {
            Some(error) => Err(AuthFailure {
                status: v["status"].as_u64().map(|s| s as u16),
                message: error.as_str().unwrap().to_owned(),
            }),
            None => Ok(UserAuthentication {
                auth: v["auth"].as_str().unwrap().to_owned(),
                user_data: v["user_data"].as_str().unwrap().to_owned(),
            }),
        };
        client.handle_user_authentication(now, request, answer);
    } else if let Some(v) = input.get("bind") {
        let t = target(v["target"].as_str().unwrap());
        result = Some(json!(client.bind(
            &t,
            v["event"].as_str().unwrap(),
            v["handler"].as_str().unwrap().to_owned()
        )));
    } else if let Some(v) = input.get("bind_global") {
        let t = target(v["target"].as_str().unwrap());
        result = Some(json!(
            client.bind_global(&t, v["handler"].as_str().unwrap().to_owned())
        ));
    } else if let Some(v) = input.get("unbind") {
        let t = target(v["target"].as_str().unwrap());
        let handler = v["handler"].as_str().map(str::to_owned);
        let mut is_handler = |h: &String| Some(h) == handler.as_ref();
        let d = client.dispatcher_mut(&t).unwrap();
        d.unbind(
            v["event"].as_str(),
            if handler.is_some() {
                Some(&mut is_handler)
            } else {
                None
            },
        );
    } else if !input.contains_key("check") {
        panic!("{name}: step has no input: {step}");
    }

    let actual: Vec<Value> = std::iter::from_fn(|| client.poll())
        .map(output_value)
        .collect();
    let expected = expand(step["outputs"].as_array().map_or(&[][..], Vec::as_slice));
    let ok =
        expected.len() == actual.len() && expected.iter().zip(&actual).all(|(e, a)| matches(e, a));
    assert!(
        ok,
        "{name} at {now}: outputs differ\nexpected: {}\nactual:   {}",
        serde_json::to_string_pretty(&expected).unwrap(),
        serde_json::to_string_pretty(&actual).unwrap()
    );
    if let Some(expected) = step.get("result") {
        assert_eq!(result.as_ref(), Some(expected), "{name} at {now}: result");
    }
    if let Some(state) = step.get("state") {
        assert_eq!(
            state_name(client.state()),
            state.as_str().unwrap(),
            "{name} at {now}: state"
        );
    }
    if let Some(expected) = step.get("next_timeout") {
        let actual = client.poll_timeout().map_or(Value::Null, Value::from);
        assert!(
            matches(expected, &actual),
            "{name} at {now}: next timeout {actual}, expected {expected}"
        );
    }
    if let Some(m) = step.get("members") {
        let channel = m["channel"].as_str().unwrap();
        let members = client
            .members(channel)
            .unwrap_or_else(|| panic!("{name}: no presence channel {channel}"));
        assert_eq!(
            members.count(),
            m["count"].as_u64().unwrap(),
            "{name} at {now}: member count"
        );
        assert_eq!(
            members.me().map(|me| me.id.as_str()),
            m["me"].as_str(),
            "{name} at {now}: me"
        );
        if let Some(ids) = m.get("ids") {
            let actual: Vec<String> = members.each().into_iter().map(|m| m.id).collect();
            assert_eq!(json!(actual), *ids, "{name} at {now}: member ids");
        }
    }
    if let Some(c) = step.get("channel") {
        let channel = client.channel(c["name"].as_str().unwrap());
        match c.get("exists") {
            Some(Value::Bool(false)) => {
                assert!(channel.is_none(), "{name} at {now}: channel should be gone")
            }
            _ => {
                let channel = channel.unwrap_or_else(|| panic!("{name} at {now}: channel missing"));
                for (key, actual) in [
                    ("subscribed", channel.subscribed),
                    ("pending", channel.subscription_pending),
                    ("cancelled", channel.subscription_cancelled),
                ] {
                    if let Some(expected) = c.get(key) {
                        assert_eq!(json!(actual), *expected, "{name} at {now}: channel {key}");
                    }
                }
            }
        }
    }
}

#[test]
fn client_scenarios() {
    let vectors = load();
    let scenarios = vectors["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 15, "the scenario file is complete");
    for scenario in scenarios {
        let name = scenario["name"].as_str().unwrap();
        let mut client: Client<String> = Client::new(config(&scenario["config"]));
        let mut now = 0;
        for step in scenario["steps"].as_array().unwrap() {
            let at = step["at"].as_u64().unwrap_or(now);
            assert!(at >= now, "{name}: time goes backwards at {at}");
            now = at;
            run_step(&mut client, step, now, name);
        }
    }
}

/// Many seeds: a storm of 4200 closes on short-lived connections never
/// reconnects faster than the backoff allows, and the delay is capped.
#[test]
fn reconnect_storm_is_throttled_for_every_seed() {
    for seed in 0..200u64 {
        let mut cfg = ClientConfig::new("k", Endpoint::host("127.0.0.1", 6001, false));
        cfg.random_seed = seed;
        let mut client: Client<()> = Client::new(cfg);
        let mut now = 0;
        client.connect(now);
        let mut delays = Vec::new();
        for round in 0..12 {
            let socket = match next_open(&mut client) {
                Some(socket) => socket,
                None => {
                    // Run timers (the `unavailable` one may come first) until the next attempt.
                    let closed_at = now;
                    let mut opened = None;
                    for _ in 0..4 {
                        now = client.poll_timeout().expect("a retry is scheduled");
                        client.handle_timeout(now);
                        opened = next_open(&mut client);
                        if opened.is_some() {
                            break;
                        }
                    }
                    delays.push(now - closed_at);
                    opened.expect("an attempt after the delay")
                }
            };
            if round == 0 {
                assert!(delays.is_empty());
            }
            now += 10;
            client.handle_open(now, socket);
            client.handle_message(
                now,
                socket,
                r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.1\",\"activity_timeout\":120}"}"#,
            );
            now += 100;
            client.handle_close(now, socket, 4200, "reconnect now");
        }
        // The first close reconnects at once; every later one waits, growing to the 30 s cap.
        assert_eq!(delays.len(), 10, "seed {seed}");
        for (i, d) in delays.iter().enumerate() {
            let ceiling = (1_000u64 << (i + 1)).min(30_000);
            assert!(
                *d >= ceiling / 2 && *d <= ceiling,
                "seed {seed}: delay {i} = {d}"
            );
        }
    }
}

fn next_open(client: &mut Client<()>) -> Option<SocketHandle> {
    std::iter::from_fn(|| client.poll()).find_map(|o| match o {
        Output::Open { socket, .. } => Some(socket),
        _ => None,
    })
}
