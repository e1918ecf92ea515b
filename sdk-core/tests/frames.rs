//! The codec against `tests/vectors/frames.json`, plus a property test that no
//! input, however malformed, makes the decoders panic.

use proptest::prelude::*;
use pusher_lite_core::frame::{
    ClientMessage, Data, DecodeError, Frame, PresenceData, ServerMessage,
};
use serde_json::{Value, json};

fn load() -> Value {
    let path = format!(
        "{}/../tests/vectors/frames.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn data(d: &Option<Data>) -> Value {
    match d {
        None => Value::Null,
        Some(Data::String(s)) => json!({ "string": s }),
        Some(Data::Json(raw)) => json!({ "json": raw }),
    }
}

fn frame_value(f: &Frame) -> Value {
    json!({"type": "event", "event": f.event, "channel": f.channel, "data": data(&f.data), "user_id": f.user_id})
}

fn server_value(m: &ServerMessage) -> Value {
    match m {
        ServerMessage::ConnectionEstablished {
            socket_id,
            activity_timeout,
            batching,
        } => {
            let mut value = json!({"type": "connection_established", "socket_id": socket_id, "activity_timeout": activity_timeout});
            if *batching {
                value["lite_batch"] = json!(true);
            }
            value
        }
        ServerMessage::Error { code, message } => {
            json!({"type": "error", "code": code, "message": message})
        }
        ServerMessage::Ping => json!({"type": "ping"}),
        ServerMessage::Pong => json!({"type": "pong"}),
        ServerMessage::SubscriptionSucceeded { channel, data: d } => {
            json!({"type": "subscription_succeeded", "channel": channel, "data": data(d)})
        }
        ServerMessage::SubscriptionCount {
            channel,
            subscription_count,
        } => {
            json!({"type": "subscription_count", "channel": channel, "subscription_count": subscription_count})
        }
        ServerMessage::MemberAdded { channel, member } => json!({
            "type": "member_added", "channel": channel, "user_id": member.user_id, "user_info": member.user_info
        }),
        ServerMessage::MemberRemoved { channel, user_id } => {
            json!({"type": "member_removed", "channel": channel, "user_id": user_id})
        }
        ServerMessage::SigninSuccess { user_data } => {
            json!({"type": "signin_success", "user_data": user_data})
        }
        ServerMessage::WatchlistEvents(events) => json!({
            "type": "watchlist_events",
            "events": events.iter().map(|e| json!({"name": e.name, "user_ids": e.user_ids})).collect::<Vec<_>>()
        }),
        ServerMessage::Event(f) => frame_value(f),
    }
}

fn client_value(m: &ClientMessage) -> Value {
    match m {
        ClientMessage::Subscribe {
            channel,
            auth,
            channel_data,
        } => {
            json!({"type": "subscribe", "channel": channel, "auth": auth, "channel_data": channel_data})
        }
        ClientMessage::Unsubscribe { channel } => {
            json!({"type": "unsubscribe", "channel": channel})
        }
        ClientMessage::Ping => json!({"type": "ping"}),
        ClientMessage::Pong => json!({"type": "pong"}),
        ClientMessage::Signin { auth, user_data } => {
            json!({"type": "signin", "auth": auth, "user_data": user_data})
        }
        ClientMessage::Event(f) => frame_value(f),
    }
}

#[test]
fn server_frames() {
    let vectors = load();
    for case in vectors["server"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let message = ServerMessage::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(server_value(&message), case["message"], "{}", case["note"]);
        if case["canonical"] == true {
            assert_eq!(message.encode(), text, "{}", case["note"]);
        }
        // Whatever we encode decodes back to the same message.
        assert_eq!(ServerMessage::decode(&message.encode()).unwrap(), message);
        if let Some(expected) = case.get("presence") {
            let ServerMessage::SubscriptionSucceeded { data: Some(d), .. } = &message else {
                panic!("presence vector without data")
            };
            let presence = PresenceData::parse(d.as_text()).unwrap();
            let members: Vec<Value> = presence
                .members
                .iter()
                .map(|(id, info)| json!([id, info]))
                .collect();
            assert_eq!(Value::from(members), expected["members"]);
            assert_eq!(presence.count, expected["count"].as_u64().unwrap());
        }
    }
}

#[test]
fn client_frames() {
    let vectors = load();
    for case in vectors["client"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let message = ClientMessage::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(client_value(&message), case["message"], "{}", case["note"]);
        if case["canonical"] == true {
            assert_eq!(message.encode(), text, "{}", case["note"]);
        }
        assert_eq!(ClientMessage::decode(&message.encode()).unwrap(), message);
    }
}

#[test]
fn invalid_frames_are_typed_errors() {
    let vectors = load();
    for case in vectors["invalid"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let side = case["side"].as_str().unwrap_or("any");
        let errors: Vec<DecodeError> = match side {
            "server" => vec![ServerMessage::decode(text).unwrap_err()],
            "client" => vec![ClientMessage::decode(text).unwrap_err()],
            "presence_data" => {
                let ServerMessage::SubscriptionSucceeded { data: Some(d), .. } =
                    ServerMessage::decode(text).unwrap()
                else {
                    panic!("not a subscription_succeeded frame")
                };
                vec![PresenceData::parse(d.as_text()).unwrap_err()]
            }
            _ => vec![
                ServerMessage::decode(text).unwrap_err(),
                ClientMessage::decode(text).unwrap_err(),
            ],
        };
        for err in errors {
            let kind = match err {
                DecodeError::Json(_) => "json",
                DecodeError::NotAnObject => "not_object",
                DecodeError::MissingEvent => "missing_event",
                DecodeError::Field { .. } => "field",
            };
            assert_eq!(kind, case["error"], "{text}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Arbitrary bytes never panic any decoder.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = ServerMessage::decode(&text);
        let _ = ClientMessage::decode(&text);
        let _ = PresenceData::parse(&text);
    }

    /// Text made of JSON's own characters reaches deep into the parser; it never panics.
    #[test]
    fn json_shaped_text_never_panics(text in r#"[\{\}\[\]":,\\a-z0-9 .eE+\-u]{0,256}"#) {
        let _ = ServerMessage::decode(&text);
        let _ = ClientMessage::decode(&text);
    }

    /// Any frame we encode decodes to the same frame.
    #[test]
    fn encode_decode_round_trip(
        event in "\\PC{1,20}",
        channel in proptest::option::of("[a-z\\-]{1,20}"),
        payload in proptest::option::of("\\PC{0,64}"),
        user_id in proptest::option::of("\\PC{1,10}"),
    ) {
        let frame = Frame { event, channel, data: payload.map(Data::String), user_id };
        prop_assert_eq!(Frame::decode(&frame.encode()).unwrap(), frame);
    }
}
