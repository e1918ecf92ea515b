//! `ClientConfig::data_by_reference`: ordinary events leave their string data in
//! the frame text (`Payload::FrameData`, `from_frame`); everything that needs the
//! data in the core still gets it. `from_frame` says where the frame is: the
//! whole message, or, with Lite frame batching, which line of it.

use pusher_lite_core::client::{
    Client, ClientConfig, Endpoint, FramePosition, Output, Payload, Target,
};

const HELLO: &str = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":120}"}"#;
const HELLO_BATCHING: &str = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":120,\"lite_batch\":true}"}"#;

fn connected(by_reference: bool) -> (Client<u32>, pusher_lite_core::client::SocketHandle) {
    let mut config = ClientConfig::new("key", Endpoint::host("127.0.0.1", 6001, false));
    config.data_by_reference = by_reference;
    connect(config, HELLO)
}

/// Connects `client`: the socket it asks to open, and the URL.
fn open(client: &mut Client<u32>) -> (pusher_lite_core::client::SocketHandle, String) {
    client.connect(0);
    std::iter::from_fn(|| client.poll())
        .find_map(|o| match o {
            Output::Open { socket, url } => Some((socket, url)),
            _ => None,
        })
        .expect("an Open output")
}

/// A client connected with `config`, the server having said `hello`.
fn connect(
    config: ClientConfig,
    hello: &str,
) -> (Client<u32>, pusher_lite_core::client::SocketHandle) {
    let mut client = Client::new(config);
    let (socket, _) = open(&mut client);
    client.handle_open(1, socket);
    client.handle_message(2, socket, hello);
    for channel in ["news", "presence-room"] {
        client.subscribe(3, channel).expect("a valid name");
    }
    while client.poll().is_some() {}
    (client, socket)
}

fn dispatches(client: &mut Client<u32>) -> Vec<(String, Payload, Option<FramePosition>)> {
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
        [(
            "greet".into(),
            Payload::FrameData,
            Some(FramePosition::Whole)
        )]
    );

    // Data that is not a string is decoded as usual.
    client.handle_message(
        5,
        socket,
        r#"{"event":"greet","channel":"news","data":{"hi":1}}"#,
    );
    assert_eq!(
        dispatches(&mut client),
        [(
            "greet".into(),
            Payload::Data(r#"{"hi":1}"#.into()),
            Some(FramePosition::Whole)
        )]
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
            None
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
        [(
            "greet".into(),
            Payload::Data(r#"{"hi":1}"#.into()),
            Some(FramePosition::Whole)
        )]
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

fn batching_config(batching: bool) -> ClientConfig {
    let mut config = ClientConfig::new("key", Endpoint::host("127.0.0.1", 6001, false));
    config.data_by_reference = true;
    config.batching = batching;
    config
}

const BATCH: &str = concat!(
    r#"{"event":"greet","channel":"news","data":"{\"n\":1}"}"#,
    "\n",
    r#"{"event":"pusher_internal:subscription_count","channel":"news","data":"{\"subscription_count\":2}"}"#,
    "\n",
    r#"{"event":"greet","channel":"news","data":"{\"n\":2}"}"#,
);

#[test]
fn a_batched_message_is_read_frame_by_frame_in_order() {
    let (mut client, socket) = connect(batching_config(true), HELLO_BATCHING);
    client.bind(&Target::Channel("news".into()), "greet", 1);
    client.handle_message(4, socket, BATCH);
    assert_eq!(
        dispatches(&mut client),
        [
            (
                "greet".into(),
                Payload::FrameData,
                Some(FramePosition::InBatch(0))
            ),
            (
                "pusher:subscription_count".into(),
                Payload::Data(r#"{"subscription_count":2}"#.into()),
                None
            ),
            (
                "greet".into(),
                Payload::FrameData,
                Some(FramePosition::InBatch(2))
            ),
        ]
    );
    // A later single-frame message is a batch of one.
    client.handle_message(
        5,
        socket,
        r#"{"event":"greet","channel":"news","data":"{}"}"#,
    );
    assert_eq!(
        dispatches(&mut client),
        [(
            "greet".into(),
            Payload::FrameData,
            Some(FramePosition::InBatch(0))
        )]
    );
}

#[test]
fn batching_is_asked_for_in_the_url_unless_turned_off() {
    for (batching, asked) in [(true, true), (false, false)] {
        let (_, url) = open(&mut Client::new(batching_config(batching)));
        assert_eq!(url.ends_with("&lite_batch=1"), asked, "{url}");
    }
}

#[test]
fn without_the_acknowledgement_a_message_is_one_frame() {
    // A server that ignored the request: a message with two frames is not split
    // (it is malformed, and reported), and one frame with a raw line feed is
    // fine — and is the whole message, which a front end must not split either.
    let (mut client, socket) = connect(batching_config(true), HELLO);
    client.bind(&Target::Channel("news".into()), "greet", 1);
    client.handle_message(
        4,
        socket,
        "{\"event\":\"greet\",\n\"channel\":\"news\",\"data\":\"{}\"}",
    );
    assert_eq!(
        dispatches(&mut client),
        [(
            "greet".into(),
            Payload::FrameData,
            Some(FramePosition::Whole)
        )]
    );
    client.handle_message(5, socket, BATCH);
    let events: Vec<_> = dispatches(&mut client).into_iter().map(|d| d.0).collect();
    assert_eq!(events, ["error"]);

    // Turned off here, an acknowledgement (which a server should not send) is ignored.
    let (mut client, socket) = connect(batching_config(false), HELLO_BATCHING);
    client.handle_message(4, socket, BATCH);
    let events: Vec<_> = dispatches(&mut client).into_iter().map(|d| d.0).collect();
    assert_eq!(events, ["error"]);
}
