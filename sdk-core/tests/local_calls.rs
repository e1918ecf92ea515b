//! `Client::calls`: the handlers a front end calls for an event of its own
//! (pusher-js's `emit`), in the order the client's own events use — the
//! target's global handlers, then the event's — and only the target's.

use pusher_lite_core::client::{Call, CallKind, Client, ClientConfig, Endpoint, Metadata, Target};

/// Each call's handler, and whether it is called as a global handler.
fn handlers(calls: &[Call<u32>]) -> Vec<(u32, bool)> {
    calls
        .iter()
        .map(|c| (c.handler, c.kind == CallKind::Global))
        .collect()
}

#[test]
fn globals_first_then_the_events_handlers_of_that_target_only() {
    let mut client = Client::new(ClientConfig::new(
        "key",
        Endpoint::host("127.0.0.1", 6001, false),
    ));
    client.subscribe(0, "news").expect("a valid name");
    let news = Target::Channel("news".into());
    assert!(client.bind(&news, "greet", 1));
    assert!(client.bind(&news, "other", 2));
    assert!(client.bind_global(&news, 3));
    assert!(client.bind(&news, "greet", 4));
    // Another target's handlers are not the channel's.
    assert!(client.bind(&Target::Global, "greet", 5));
    assert!(client.bind_global(&Target::Global, 6));

    let calls = client.calls(&news, "greet", None);
    assert_eq!(handlers(&calls), [(3, true), (1, false), (4, false)]);
    assert_eq!(calls[1].kind, CallKind::Event(None));
    let metadata = Metadata {
        user_id: Some("ann".into()),
    };
    let calls = client.calls(&news, "greet", Some(metadata.clone()));
    assert_eq!(calls[2].kind, CallKind::Event(Some(metadata)));

    assert_eq!(
        handlers(&client.calls(&Target::Global, "greet", None)),
        [(6, true), (5, false)]
    );
    // Nothing bound to the event: the globals still see it.
    assert_eq!(handlers(&client.calls(&news, "nobody", None)), [(3, true)]);
    // A channel the client does not hold has no handlers.
    let gone = Target::Channel("gone".into());
    assert!(client.calls(&gone, "greet", None).is_empty());
    client.unsubscribe(1, "news");
    assert!(client.calls(&news, "greet", None).is_empty());
}
