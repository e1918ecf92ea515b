//! The server's HTTP surface over loopback: the Pusher HTTP API's refusals,
//! the Lite routes (sessions, the REST event endpoint, CORS) and webhooks
//! delivered to a real receiver and verified with the app secret.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use pusher_lite::{Client, State};
use pusher_lite_core::auth::Credentials;
use pusher_lite_core::http_api;
use pusher_lite_core::webhook::{self, WebhookEvent};
use pusher_lite_test_support::{APP_ID, APP_KEY, APP_SECRET, ORG, ORG_TOKEN, Server};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(10);

/// An HTTP client (reqwest is built without a default TLS provider here).
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Signs and sends a request to the Pusher HTTP API; returns status and JSON body.
async fn api(
    server: &Server,
    secret: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &str,
    timestamp: u64,
) -> (u16, Value) {
    let app = Credentials::new(APP_ID, APP_KEY, secret);
    let query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let params =
        http_api::sign_request(&app, method, path, &query, body.as_bytes(), timestamp).unwrap();
    let http = http();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let url = format!("{}{path}?{query}", server.url());
    let request = match method {
        "GET" => http.get(&url),
        _ => http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.to_owned()),
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn http_api_refusals_name_the_problem() {
    let server = Server::start();
    let events = format!("/apps/{APP_ID}/events");
    let body = r#"{"name":"e","channel":"news","data":"{}"}"#;
    let (status, _) = api(&server, APP_SECRET, "POST", &events, &[], body, now()).await;
    assert_eq!(status, 200);

    let (status, reply) = api(&server, "wrong-secret", "POST", &events, &[], body, now()).await;
    assert_eq!(status, 401);
    assert!(
        reply["error"].as_str().unwrap().contains("signature"),
        "{reply}"
    );
    let (status, reply) = api(&server, APP_SECRET, "POST", &events, &[], body, now() - 601).await;
    assert_eq!(status, 401);
    assert!(
        reply["error"].as_str().unwrap().contains("auth_timestamp"),
        "{reply}"
    );
    let (status, _) = api(
        &server,
        APP_SECRET,
        "POST",
        "/apps/999/events",
        &[],
        body,
        now(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, reply) = api(&server, APP_SECRET, "POST", &events, &[], "{oops", now()).await;
    assert_eq!(status, 400);
    assert!(reply["error"].as_str().unwrap().contains("JSON"), "{reply}");
    let big = format!(
        r#"{{"name":"e","channel":"news","data":"{}"}}"#,
        "x".repeat(10 * 1024 + 1)
    );
    let (status, reply) = api(&server, APP_SECRET, "POST", &events, &[], &big, now()).await;
    assert_eq!(status, 413, "{reply}");
    let hundred_one: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    let many = serde_json::json!({"name":"e","channels": hundred_one,"data":"{}"}).to_string();
    assert_eq!(
        api(&server, APP_SECRET, "POST", &events, &[], &many, now())
            .await
            .0,
        400
    );

    let channels = format!("/apps/{APP_ID}/channels");
    let (status, reply) = api(
        &server,
        APP_SECRET,
        "GET",
        &channels,
        &[("info", "user_count")],
        "",
        now(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        reply["error"].as_str().unwrap().contains("presence-"),
        "{reply}"
    );
    let users = format!("/apps/{APP_ID}/channels/news/users");
    assert_eq!(
        api(&server, APP_SECRET, "GET", &users, &[], "", now())
            .await
            .0,
        400
    );
    let one = format!("/apps/{APP_ID}/channels/news");
    assert_eq!(
        api(
            &server,
            APP_SECRET,
            "GET",
            &one,
            &[("info", "user_count")],
            "",
            now()
        )
        .await
        .0,
        400
    );
    let (status, reply) = api(
        &server,
        APP_SECRET,
        "GET",
        &one,
        &[("info", "subscription_count")],
        "",
        now(),
    )
    .await;
    assert_eq!(
        (status, &reply),
        (
            200,
            &serde_json::json!({"occupied": false, "subscription_count": 0})
        )
    );
    // A body without body_md5 is refused.
    let url = format!(
        "{}{events}?auth_key={APP_KEY}&auth_timestamp={}&auth_version=1.0&auth_signature=00",
        server.url(),
        now()
    );
    let response = http().post(url).body(body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

async fn session(server: &Server, form: &[(&str, &str)]) -> (u16, Value) {
    let body: String = form
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                pusher_lite::core::json::quote(v).trim_matches('"')
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let response = http()
        .post(format!("{}/api/sessions", server.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn lite_sessions_events_and_cors() {
    let server = Server::start();
    let (status, reply) = session(&server, &[("token", "nope")]).await;
    assert_eq!(
        (status, reply["error"].as_str()),
        (401, Some("unknown secret token"))
    );
    let (status, _) = session(&server, &[("token", ORG_TOKEN), ("ttl", "0")]).await;
    assert_eq!(status, 400);
    let (status, reply) = session(&server, &[("token", ORG_TOKEN), ("publish", "general")]).await;
    assert_eq!(status, 200);
    let jwt = reply["jwt"].as_str().unwrap().to_owned();
    let claims = pusher_lite_core::jwt::decode_session(&jwt, ORG_TOKEN, now()).unwrap();
    assert_eq!(
        (claims.org.as_str(), claims.publish.as_slice()),
        (ORG, ["general".to_owned()].as_slice())
    );
    // JSON bodies work the same (the Rails example posts a form; others post JSON).
    let json = http()
        .post(format!("{}/api/sessions", server.url()))
        .header("content-type", "application/json")
        .body(
            serde_json::json!({"token": ORG_TOKEN, "user_id": "u1", "listen": ["presence-*"]})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(json.status().as_u16(), 200);

    // A subscriber authorized by the session token; Lite events echo to the sender.
    let client = Client::builder(APP_KEY)
        .address(&server.address())
        .unwrap()
        .session_token(&jwt)
        .build()
        .unwrap();
    client.connect();
    assert!(client.wait_for_state(State::Connected, WAIT).await);
    let general = client.subscribe("general").await.unwrap();
    let mut events = general.events();
    next(&mut events, "pusher:subscription_succeeded").await;
    assert!(
        general
            .trigger("new_message", r#"{"name":"a","message":"hi"}"#)
            .await
            .unwrap()
    );
    assert_eq!(
        next(&mut events, "new_message").await.data.as_deref(),
        Some(r#"{"name":"a","message":"hi"}"#)
    );

    // The REST endpoint, as the page's jQuery posts it: form body, Bearer token.
    let url = format!(
        "{}/api/organizations/{ORG}/applications/{APP_KEY}/event/new_message?channel=general",
        server.url()
    );
    let posted = http()
        .post(&url)
        .bearer_auth(&jwt)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=rest&message=hello+there")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 200);
    let got = next(&mut events, "new_message").await;
    let payload: Value = serde_json::from_str(got.data.as_deref().unwrap()).unwrap();
    assert_eq!(
        payload,
        serde_json::json!({"name":"rest","message":"hello there"})
    );

    let http = http();
    assert_eq!(
        http.post(&url).send().await.unwrap().status().as_u16(),
        401,
        "no bearer"
    );
    let forbidden = url.replace("channel=general", "channel=elsewhere");
    assert_eq!(
        http.post(&forbidden)
            .bearer_auth(&jwt)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    let other_org = url.replace(&format!("/organizations/{ORG}/"), "/organizations/globex/");
    assert_eq!(
        http.post(&other_org)
            .bearer_auth(&jwt)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    // CORS: the preflight a browser sends before the jQuery POST.
    let preflight = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    let headers = preflight.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert!(
        headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization")
    );
}

async fn next(
    events: &mut (impl futures_util::Stream<Item = pusher_lite::Event> + Unpin),
    name: &str,
) -> pusher_lite::Event {
    tokio::time::timeout(WAIT, async {
        loop {
            let e = events.next().await.unwrap();
            if e.name == name {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {name}"))
}

/// A minimal HTTP receiver: answers 200 and hands each request's headers and body on.
async fn receiver() -> (u16, tokio::sync::mpsc::UnboundedReceiver<(String, String)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            let _ = tx.send((head.to_owned(), body.to_owned()));
                            let _ = socket
                                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                                .await;
                            return;
                        }
                    }
                }
            });
        }
    });
    (port, rx)
}

#[tokio::test]
async fn webhooks_are_signed_and_delivered() {
    let (port, mut hooks) = receiver().await;
    let server = Server::bare()
        .config(&format!(
            r#"
            [[organizations]]
            name = "{ORG}"
            secret_token = "{ORG_TOKEN}"
            [[apps]]
            id = "{APP_ID}"
            key = "{APP_KEY}"
            secret = "{APP_SECRET}"
            webhooks = [{{ url = "http://127.0.0.1:{port}/hooks" }}]
            "#
        ))
        .start();
    let client = Client::builder(APP_KEY)
        .address(&server.address())
        .unwrap()
        .build()
        .unwrap();
    client.connect();
    assert!(client.wait_for_state(State::Connected, WAIT).await);
    client.subscribe("hooked").await.unwrap();

    let app = Credentials::new(APP_ID, APP_KEY, APP_SECRET);
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !seen
        .iter()
        .any(|e| matches!(e, WebhookEvent::ChannelOccupied { .. }))
    {
        let (head, body) = tokio::time::timeout_at(deadline, hooks.recv())
            .await
            .expect("a webhook")
            .unwrap();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.trim().to_owned())
                })
                .unwrap_or_default()
        };
        let parsed = webhook::verify(
            &app,
            &header("x-pusher-key"),
            &header("x-pusher-signature"),
            &body,
            0,
            None,
        )
        .expect("the webhook verifies with the app secret");
        seen.extend(parsed.events);
    }
    assert!(seen.contains(&WebhookEvent::ChannelOccupied {
        channel: "hooked".into()
    }));
    client.disconnect().await.unwrap();
    let (_, body) = tokio::time::timeout(WAIT, hooks.recv())
        .await
        .expect("a vacated webhook")
        .unwrap();
    assert!(body.contains(r#""name":"channel_vacated""#), "{body}");
}
