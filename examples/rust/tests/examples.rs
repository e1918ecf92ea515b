//! Runs the three examples as processes against the real server: the
//! subscriber joins a presence channel through the auth endpoint example, the
//! publisher example triggers, the subscriber prints the event and exits.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pusher_lite_test_support::{APP_ID, APP_KEY, APP_SECRET, Server};

fn example(name: &str, server: &Server) -> Command {
    let mut command = Command::new(match name {
        "publisher" => env!("CARGO_BIN_EXE_publisher"),
        "subscriber" => env!("CARGO_BIN_EXE_subscriber"),
        _ => env!("CARGO_BIN_EXE_auth_endpoint"),
    });
    command
        .env("PUSHER_LITE_HOST", server.address())
        .env("PUSHER_LITE_APP_ID", APP_ID)
        .env("PUSHER_LITE_APP_KEY", APP_KEY)
        .env("PUSHER_LITE_APP_SECRET", APP_SECRET);
    command
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the auth endpoint on a free port; returns it and its base URL.
fn auth_endpoint(server: &Server) -> (Killed, String) {
    let mut child = example("auth_endpoint", server)
        .env("AUTH_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("auth endpoint starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (Killed(child), url)
}

fn wait_until_occupied(server: &Server, channel: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let publisher = server.publisher();
    while Instant::now() < deadline {
        if runtime
            .block_on(publisher.channel(channel, None))
            .is_ok_and(|c| c.occupied == Some(true))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nobody joined {channel}");
}

#[test]
fn subscriber_auth_endpoint_and_publisher_work_together() {
    let server = Server::start();
    let (_auth, url) = auth_endpoint(&server);
    let subscriber = example("subscriber", &server)
        .args(["presence-lobby", "1"])
        .env("AUTH_ENDPOINT", format!("{url}/pusher/auth"))
        .env("AUTH_USER", "grace")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut subscriber = Killed(subscriber);
    wait_until_occupied(&server, "presence-lobby");

    let published = example("publisher", &server)
        .args(["presence-lobby", "story", r#"{"headline":"hello"}"#])
        .output()
        .unwrap();
    assert!(
        published.status.success(),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );

    let status = subscriber.0.wait().unwrap();
    assert!(status.success(), "the subscriber exits after one event");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut subscriber.0.stdout.take().unwrap(), &mut out).unwrap();
    assert!(out.contains(r#"pusher:subscription_succeeded {"count":1,"me":{"id":"grace","info":{"name":"grace"}}"#), "{out}");
    assert!(out.contains(r#"story {"headline":"hello"}"#), "{out}");
}

#[test]
fn the_auth_endpoint_refuses_what_its_rules_forbid() {
    let server = Server::start();
    let (_auth, url) = auth_endpoint(&server);
    let refused = example("subscriber", &server)
        .args(["private-forbidden-vault", "1"])
        .env("AUTH_ENDPOINT", format!("{url}/pusher/auth"))
        .env("AUTH_USER", "mallory")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("not allowed on private-forbidden-vault") && message.contains("403"),
        "{message}"
    );
}
