//! The Publisher and Client against the real server process on loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use pusher_lite::{
    BatchEvent, ChannelAuthorizer, Client, ConnectionEvent, Error, Event, MemberData, Publisher,
    State, TriggerOptions, UserAuthenticator,
};
use pusher_lite_test_support::{self as support, APP_ID, APP_KEY, Server};

const WAIT: Duration = Duration::from_secs(10);

/// The next event named `name`, within the time limit.
async fn next_named(events: &mut (impl Stream<Item = Event> + Unpin), name: &str) -> Event {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = events.next().await.expect("event stream ended");
            if event.name == name {
                return event;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {name} event within {WAIT:?}"))
}

/// Asserts no event named `name` arrives within `quiet`.
async fn none_named(events: &mut (impl Stream<Item = Event> + Unpin), name: &str, quiet: Duration) {
    let got = tokio::time::timeout(quiet, async {
        loop {
            match events.next().await {
                Some(e) if e.name == name => return e,
                Some(_) => continue,
                None => std::future::pending::<()>().await,
            }
        }
    })
    .await;
    assert!(got.is_err(), "unexpected {name}: {got:?}");
}

fn client(server: &Server) -> pusher_lite::ClientBuilder {
    Client::builder(APP_KEY).address(&server.address()).unwrap()
}

fn signing_client(server: &Server, user: &str) -> Client {
    let member = MemberData {
        user_id: user.to_owned(),
        user_info: Some(format!(r#"{{"name":"{user}"}}"#)),
    };
    client(server)
        .channel_authorizer(ChannelAuthorizer::publisher(
            server.publisher(),
            Some(member),
        ))
        .user_authenticator(UserAuthenticator::publisher(
            server.publisher(),
            format!(r#"{{"id":"{user}"}}"#),
        ))
        .build()
        .unwrap()
}

async fn connected(client: &Client) {
    client.connect();
    assert!(
        client.wait_for_state(State::Connected, WAIT).await,
        "client did not connect"
    );
}

#[tokio::test]
async fn published_events_reach_subscribers_except_the_excluded_socket() {
    let server = Server::start();
    let publisher = server.publisher();
    let (a, b) = (
        client(&server).build().unwrap(),
        client(&server).build().unwrap(),
    );
    connected(&a).await;
    connected(&b).await;
    let channel_a = a.subscribe("news").await.unwrap();
    let channel_b = b.subscribe("news").await.unwrap();
    let (mut events_a, mut events_b) = (channel_a.events(), channel_b.events());
    next_named(&mut events_a, "pusher:subscription_succeeded").await;
    next_named(&mut events_b, "pusher:subscription_succeeded").await;

    let data = r#"{"headline":"Zoë 🎉 \"quoted\""}"#;
    publisher.trigger(&["news"], "story", data).await.unwrap();
    let got = next_named(&mut events_a, "story").await;
    assert_eq!(got.data.as_deref(), Some(data));
    assert_eq!(got.channel.as_deref(), Some("news"));
    next_named(&mut events_b, "story").await;

    let socket_a = a.socket_id().await.unwrap().expect("a has a socket id");
    let options = TriggerOptions {
        socket_id: Some(socket_a),
        info: None,
    };
    publisher
        .trigger_with(&["news"], "excluded", "{}", &options)
        .await
        .unwrap();
    next_named(&mut events_b, "excluded").await;
    none_named(&mut events_a, "excluded", Duration::from_millis(500)).await;
}

#[tokio::test]
async fn callbacks_run_for_bound_events() {
    let server = Server::start();
    let c = client(&server).build().unwrap();
    connected(&c).await;
    let channel = c.subscribe("calls").await.unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    channel
        .bind("ping", move |e| {
            sink.lock()
                .unwrap()
                .push(e.data.clone().unwrap_or_default())
        })
        .await
        .unwrap();
    let mut events = channel.events();
    next_named(&mut events, "pusher:subscription_succeeded").await;
    server
        .publisher()
        .trigger(&["calls"], "ping", "1")
        .await
        .unwrap();
    next_named(&mut events, "ping").await;
    assert_eq!(*seen.lock().unwrap(), vec!["1".to_owned()]);
}

#[tokio::test]
async fn private_channels_need_a_valid_authorization() {
    let server = Server::start();
    let good = signing_client(&server, "u1");
    connected(&good).await;
    let channel = good.subscribe("private-room").await.unwrap();
    let mut events = channel.events();
    next_named(&mut events, "pusher:subscription_succeeded").await;
    server
        .publisher()
        .trigger(&["private-room"], "secret", "{}")
        .await
        .unwrap();
    next_named(&mut events, "secret").await;

    // Signed with the wrong secret: the server refuses, the connection stays up.
    let wrong = Publisher::builder()
        .address(&server.address())
        .unwrap()
        .app(APP_ID, APP_KEY, "not-the-secret")
        .build()
        .unwrap();
    let bad = client(&server)
        .channel_authorizer(ChannelAuthorizer::publisher(wrong, None))
        .build()
        .unwrap();
    connected(&bad).await;
    let mut all = bad.events();
    let mut connection = bad.connection_events();
    bad.subscribe("private-room").await.unwrap();
    let error = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(ConnectionEvent::Error(e)) = connection.next().await {
                return e;
            }
        }
    })
    .await
    .expect("the server reports the refused subscription");
    assert!(format!("{error:?}").contains("4009"), "{error:?}");
    none_named(
        &mut all,
        "pusher:subscription_succeeded",
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(bad.state(), State::Connected);
    let status = bad.channel_status("private-room").await.unwrap().unwrap();
    assert!(!status.subscribed);

    // No authorizer at all: a subscription_error, from the client itself.
    let none = client(&server).build().unwrap();
    connected(&none).await;
    let mut events = none.subscribe("private-room").await.unwrap().events();
    let refused = next_named(&mut events, "pusher:subscription_error").await;
    assert!(refused.data.unwrap().contains("no channel authorizer"));
}

#[tokio::test]
async fn presence_members_client_events_and_user_queries() {
    let server = Server::start();
    let publisher = server.publisher();
    let (ada, bob) = (
        signing_client(&server, "ada"),
        signing_client(&server, "bob"),
    );
    connected(&ada).await;
    let room_a = ada.subscribe("presence-room").await.unwrap();
    let mut events_a = room_a.events();
    let joined = next_named(&mut events_a, "pusher:subscription_succeeded").await;
    assert!(joined.data.unwrap().contains(r#""count":1"#));

    connected(&bob).await;
    let room_b = bob.subscribe("presence-room").await.unwrap();
    let mut events_b = room_b.events();
    next_named(&mut events_b, "pusher:subscription_succeeded").await;
    let added = next_named(&mut events_a, "pusher:member_added").await;
    assert_eq!(
        added.data.as_deref(),
        Some(r#"{"id":"bob","info":{"name":"bob"}}"#)
    );

    let members = room_b.members().await.unwrap().unwrap();
    assert_eq!(members.count, 2);
    assert_eq!(members.me.map(|m| m.id), Some("bob".to_owned()));
    let mut ids = publisher.users("presence-room").await.unwrap();
    ids.sort();
    assert_eq!(ids, ["ada", "bob"]);
    let info = publisher
        .channel("presence-room", Some("user_count"))
        .await
        .unwrap();
    assert_eq!((info.occupied, info.user_count), (Some(true), Some(2)));

    // Client events: delivered to the other member with user_id, never echoed.
    assert!(
        room_a
            .trigger("client-typing", r#"{"on":true}"#)
            .await
            .unwrap()
    );
    let typing = next_named(&mut events_b, "client-typing").await;
    assert_eq!(typing.user_id.as_deref(), Some("ada"));
    assert_eq!(typing.data.as_deref(), Some(r#"{"on":true}"#));
    none_named(&mut events_a, "client-typing", Duration::from_millis(300)).await;
    let refused = room_a.trigger("typing", "{}").await;
    assert!(matches!(refused, Err(Error::Client(_))), "{refused:?}");

    bob.disconnect().await.unwrap();
    let removed = next_named(&mut events_a, "pusher:member_removed").await;
    assert!(removed.data.unwrap().contains(r#""id":"bob""#));
}

#[tokio::test]
async fn encrypted_channels_carry_ciphertext_the_client_decrypts() {
    let server = Server::start();
    let c = signing_client(&server, "u1");
    connected(&c).await;
    let channel = c.subscribe("private-encrypted-vault").await.unwrap();
    let mut events = channel.events();
    next_named(&mut events, "pusher:subscription_succeeded").await;
    let mut raw = c.events();
    server
        .publisher()
        .trigger(&["private-encrypted-vault"], "secret", r#"{"pin":1234}"#)
        .await
        .unwrap();
    let got = next_named(&mut events, "secret").await;
    assert_eq!(got.data.as_deref(), Some(r#"{"pin":1234}"#));
    // The wire carried ciphertext: the global copy of the event is sealed.
    let sealed = tokio::time::timeout(WAIT, async {
        loop {
            let e = raw.next().await.unwrap();
            if e.name == "secret" && e.target == pusher_lite::Target::Global {
                return e;
            }
        }
    })
    .await
    .expect("the global copy of an encrypted event arrives too");
    assert!(
        sealed.data.unwrap().contains("ciphertext"),
        "it is still sealed"
    );
    let multi = server
        .publisher()
        .trigger(&["private-encrypted-vault", "news"], "secret", "{}")
        .await;
    assert!(matches!(multi, Err(Error::Invalid(_))), "{multi:?}");
    let no_key = Publisher::builder()
        .address(&server.address())
        .unwrap()
        .app(APP_ID, APP_KEY, support::APP_SECRET)
        .build()
        .unwrap()
        .trigger(&["private-encrypted-vault"], "secret", "{}")
        .await;
    assert!(matches!(no_key, Err(Error::Config(_))), "{no_key:?}");
}

#[tokio::test]
async fn batches_and_channel_queries() {
    let server = Server::start();
    let publisher = server.publisher();
    let c = client(&server).build().unwrap();
    connected(&c).await;
    let mut events = c.events();
    c.subscribe("batch-a").await.unwrap();
    c.subscribe("batch-b").await.unwrap();
    next_named(&mut events, "pusher:subscription_succeeded").await;
    next_named(&mut events, "pusher:subscription_succeeded").await;
    let batch = vec![
        BatchEvent {
            name: "one".into(),
            data: "1".into(),
            channel: "batch-a".into(),
            socket_id: None,
            info: None,
        },
        BatchEvent {
            name: "two".into(),
            data: "2".into(),
            channel: "batch-b".into(),
            socket_id: None,
            info: None,
        },
    ];
    publisher.trigger_batch(batch).await.unwrap();
    assert_eq!(
        next_named(&mut events, "one").await.channel.as_deref(),
        Some("batch-a")
    );
    assert_eq!(
        next_named(&mut events, "two").await.channel.as_deref(),
        Some("batch-b")
    );

    let listed = publisher.channels(Some("batch-"), None).await.unwrap();
    let names: Vec<&String> = listed.channels.keys().collect();
    assert_eq!(names, ["batch-a", "batch-b"]);
    let info = publisher
        .channel("batch-a", Some("subscription_count"))
        .await
        .unwrap();
    assert_eq!(
        (info.occupied, info.subscription_count),
        (Some(true), Some(1))
    );
    let empty = publisher.channel("nobody-here", None).await.unwrap();
    assert_eq!(empty.occupied, Some(false));
}

#[tokio::test]
async fn server_errors_carry_status_and_message() {
    let server = Server::start();
    let wrong = Publisher::builder()
        .address(&server.address())
        .unwrap()
        .app(APP_ID, APP_KEY, "wrong-secret")
        .build()
        .unwrap();
    let err = wrong.trigger(&["news"], "e", "{}").await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.to_string().contains("401"));
    let unknown_app = Publisher::builder()
        .address(&server.address())
        .unwrap()
        .app("999999", APP_KEY, support::APP_SECRET)
        .build()
        .unwrap();
    let err = unknown_app.trigger(&["news"], "e", "{}").await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    // Over the size limit: refused before anything is sent.
    let big = "x".repeat(10 * 1024 + 1);
    let err = server
        .publisher()
        .trigger(&["news"], "e", &big)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    // Nothing listening: a transport error naming the URL.
    let dead = Publisher::builder()
        .address(&format!("127.0.0.1:{}", support::free_port()))
        .unwrap()
        .app(APP_ID, APP_KEY, support::APP_SECRET)
        .build()
        .unwrap();
    let err = dead.trigger(&["news"], "e", "{}").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
}

#[tokio::test]
async fn sign_in_send_to_user_and_terminate() {
    let server = Server::start();
    let c = signing_client(&server, "carol");
    let mut events = c.events();
    c.signin();
    connected(&c).await;
    let mut connection = c.connection_events();
    next_named(&mut events, "pusher:signin_success").await;
    // The server-to-user subscription is confirmed before events can arrive.
    tokio::time::sleep(Duration::from_millis(200)).await;
    server
        .publisher()
        .send_to_user("carol", "notice", r#"{"n":1}"#)
        .await
        .unwrap();
    let notice = next_named(&mut events, "notice").await;
    assert_eq!(notice.target, pusher_lite::Target::User);
    assert_eq!(notice.data.as_deref(), Some(r#"{"n":1}"#));

    server
        .publisher()
        .terminate_user_connections("carol")
        .await
        .unwrap();
    let dropped = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(ConnectionEvent::StateChange {
                previous: State::Connected,
                ..
            }) = connection.next().await
            {
                return;
            }
        }
    })
    .await;
    assert!(
        dropped.is_ok(),
        "terminate_user_connections closed the connection"
    );
}

#[tokio::test]
async fn reconnects_and_resubscribes_after_a_server_restart() {
    let mut server = Server::start();
    let port = server.port;
    let c = client(&server).build().unwrap();
    connected(&c).await;
    let channel = c.subscribe("durable").await.unwrap();
    let mut events = channel.events();
    next_named(&mut events, "pusher:subscription_succeeded").await;

    server.kill();
    assert!(
        c.wait_for_state(State::Connecting, WAIT).await,
        "the client notices the drop"
    );
    let server = Server::start_on(port);
    assert!(
        c.wait_for_state(State::Connected, Duration::from_secs(20))
            .await,
        "the client comes back"
    );
    next_named(&mut events, "pusher:subscription_succeeded").await;
    server
        .publisher()
        .trigger(&["durable"], "after", "{}")
        .await
        .unwrap();
    next_named(&mut events, "after").await;
}

#[tokio::test]
async fn an_unknown_app_key_is_refused_and_not_retried() {
    let server = Server::start();
    let c = Client::builder("no-such-key")
        .address(&server.address())
        .unwrap()
        .build()
        .unwrap();
    let mut connection = c.connection_events();
    c.connect();
    assert!(c.wait_for_state(State::Disconnected, WAIT).await);
    let error = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(ConnectionEvent::Error(e)) = connection.next().await {
                return e;
            }
        }
    })
    .await
    .unwrap();
    assert!(format!("{error:?}").contains("4001"), "{error:?}");
}

#[test]
fn blocking_publisher_works_from_plain_threads_and_refuses_async_contexts() {
    let server = Server::start();
    let publisher = pusher_lite::blocking::Publisher::new(
        Publisher::builder()
            .address(&server.address())
            .unwrap()
            .app(APP_ID, APP_KEY, support::APP_SECRET),
    )
    .unwrap();
    publisher.trigger(&["sync"], "e", "{}").unwrap();
    let listed = publisher.channels(None, None).unwrap();
    assert!(listed.channels.is_empty());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let inside = runtime.block_on(async { publisher.trigger(&["sync"], "e", "{}") });
    assert!(matches!(inside, Err(Error::BlockingInAsync)));
}
