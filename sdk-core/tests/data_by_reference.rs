//! `ClientConfig::data_by_reference`: ordinary events leave their string data in
//! the frame text (`Payload::FrameData`, `from_frame`); everything that needs the
//! data in the core still gets it.

use pusher_lite_core::client::{Client, ClientConfig, Endpoint, Output, Payload, Target};

fn connected(by_reference: bool) -> (Client<u32>, pusher_lite_core::client::SocketHandle) {
    let mut config = ClientConfig::new("key", Endpoint::host("127.0.0.1", 6001, false));
    config.data_by_reference = by_reference;
    let mut client = Client::new(config);
    client.connect(0);
    let socket = std::iter::from_fn(|| client.poll())
        .find_map(|o| match o {
            Output::Open { socket, .. } => Some(socket),
            _ => None,
        })
        .expect("an Open output");
    client.handle_open(1, socket);
    client.handle_message(
        2,
        socket,
        r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":120}"}"#,
    );
    for channel in ["news", "presence-room"] {
        client.subscribe(3, channel).expect("a valid name");
    }
    while client.poll().is_some() {}
    (client, socket)
}

fn dispatches(client: &mut Client<u32>) -> Vec<(String, Payload, bool)> {
    std::iter::from_fn(|| client.poll())
        .filter_map(|o| match o {
            Output::Dispatch(d) => Some((d.event, d.payload, d.from_frame)),
            _ => None,
        })
        .collect()
}

#[test]
fn ordinary_events_leave_their_data_in_the_frame() {
    let (mut client, socket) = connected(true);
    client.bind(&Target::Channel("news".into()), "greet", 1);
    client.handle_message(
        4,
        socket,
        r#"{"event":"greet","channel":"news","data":"{\"hi\":\"\\u00e9\"}"}"#,
    );
    assert_eq!(
        dispatches(&mut client),
        [("greet".into(), Payload::FrameData, true)]
    );

    // Data that is not a string is decoded as usual.
    client.handle_message(
        5,
        socket,
        r#"{"event":"greet","channel":"news","data":{"hi":1}}"#,
    );
    assert_eq!(
        dispatches(&mut client),
        [("greet".into(), Payload::Data(r#"{"hi":1}"#.into()), true)]
    );

    // Protocol events still carry their data (the core needs it).
    client.handle_message(
        6,
        socket,
        r#"{"event":"pusher_internal:subscription_succeeded","channel":"news","data":"{}"}"#,
    );
    assert_eq!(
        dispatches(&mut client),
        [(
            "pusher:subscription_succeeded".into(),
            Payload::Data("{}".into()),
            false
        )]
    );

    // A malformed frame is still reported, through the full decoder.
    client.handle_message(
        7,
        socket,
        r#"{"event":"greet","channel":"news","data":"\x"}"#,
    );
    let errors = dispatches(&mut client);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "error");
}

#[test]
fn without_the_option_data_is_decoded() {
    let (mut client, socket) = connected(false);
    client.handle_message(
        4,
        socket,
        r#"{"event":"greet","channel":"news","data":"{\"hi\":1}"}"#,
    );
    assert_eq!(
        dispatches(&mut client),
        [("greet".into(), Payload::Data(r#"{"hi":1}"#.into()), true)]
    );
}

#[test]
fn presence_client_events_keep_their_sender() {
    let (mut client, socket) = connected(true);
    client.bind(&Target::Channel("presence-room".into()), "client-wave", 1);
    client.handle_message(
        4,
        socket,
        r#"{"event":"client-wave","channel":"presence-room","data":"{}","user_id":"bob"}"#,
    );
    let d = std::iter::from_fn(|| client.poll())
        .find_map(|o| match o {
            Output::Dispatch(d) => Some(d),
            _ => None,
        })
        .expect("a dispatch");
    assert_eq!(d.payload, Payload::FrameData);
    assert_eq!(
        d.calls[0].kind,
        pusher_lite_core::client::CallKind::Event(Some(pusher_lite_core::client::Metadata {
            user_id: Some("bob".into())
        }))
    );
}
