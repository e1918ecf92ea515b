//! The `pusher-lite` command-line tool, run as a process against the real
//! server: configuration by environment, every command, and its errors.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use pusher_lite_test_support::{APP_ID, APP_KEY, APP_SECRET, ORG, ORG_TOKEN, Server};

fn cli(server: &Server) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pusher-lite"));
    command
        .env_clear()
        .env("PUSHER_LITE_HOST", server.address())
        .env("PUSHER_LITE_APP_ID", APP_ID)
        .env("PUSHER_LITE_APP_KEY", APP_KEY)
        .env("PUSHER_LITE_APP_SECRET", APP_SECRET)
        .env("PUSHER_LITE_ORGANIZATION", ORG)
        .env("PUSHER_LITE_SECRET_TOKEN", ORG_TOKEN);
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("pusher-lite runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Starts `pusher-lite subscribe` and waits until it is subscribed (the server
/// reports the channel occupied).
fn subscriber(server: &Server, command: &mut Command, channel: &str) -> std::process::Child {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("subscriber starts");
    let publisher = server.publisher();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        for _ in 0..200 {
            if publisher
                .channel(channel, None)
                .await
                .is_ok_and(|c| c.occupied == Some(true))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the subscriber never joined {channel}");
    });
    child
}

#[test]
fn trigger_reaches_a_cli_subscriber_as_json_lines() {
    let server = Server::start();
    let mut sub = subscriber(
        &server,
        cli(&server).args(["subscribe", "--channel", "general", "--count", "2"]),
        "general",
    );
    let data = r#"{"name":"cli","message":"hi"}"#;
    let out = run(cli(&server).args([
        "trigger",
        "--channel",
        "general",
        "--event",
        "new_message",
        "--data",
        data,
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout(&out).trim(), "{}");
    // Without the app secret the CLI publishes through the Lite endpoint with a session.
    let lite = run(cli(&server).env_remove("PUSHER_LITE_APP_SECRET").args([
        "trigger",
        "-c",
        "general",
        "-e",
        "new_message",
        "-d",
        r#"{"name":"lite"}"#,
    ]));
    assert!(
        lite.status.success(),
        "{}",
        String::from_utf8_lossy(&lite.stderr)
    );

    let lines: Vec<serde_json::Value> = BufReader::new(sub.stdout.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert!(
        sub.wait().unwrap().success(),
        "--count 2 ends the subscriber"
    );
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["event"], "new_message");
    assert_eq!(lines[0]["channel"], "general");
    assert_eq!(
        lines[0]["data"],
        serde_json::json!({"name":"cli","message":"hi"})
    );
    assert_eq!(lines[1]["data"], serde_json::json!({"name":"lite"}));
}

#[test]
fn presence_subscribers_appear_in_users_and_channels() {
    let server = Server::start();
    let mut sub = subscriber(
        &server,
        cli(&server).args([
            "subscribe",
            "-c",
            "presence-room",
            "--user-id",
            "cli-user",
            "--count",
            "1",
        ]),
        "presence-room",
    );
    let users = run(cli(&server).args(["users", "--channel", "presence-room"]));
    assert_eq!(stdout(&users).trim(), r#"{"users":["cli-user"]}"#);
    let channels =
        run(cli(&server).args(["channels", "--prefix", "presence-", "--info", "user_count"]));
    assert_eq!(
        stdout(&channels).trim(),
        r#"{"channels":{"presence-room":{"user_count":1}}}"#
    );
    let _ = sub.kill();
    let _ = sub.wait();
}

#[test]
fn sessions_are_minted_locally_or_by_the_server() {
    let server = Server::start();
    for extra in [&[][..], &["--remote"][..]] {
        let out = run(cli(&server)
            .args(["session", "--user-id", "u7", "--listen", "general"])
            .args(extra));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = stdout(&out).trim().to_owned();
        let claims = pusher_lite_core::jwt::decode_session(&token, ORG_TOKEN, now()).unwrap();
        assert_eq!(
            (claims.sub.as_deref(), claims.listen.as_slice()),
            (Some("u7"), ["general".to_owned()].as_slice())
        );
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn errors_are_reported_once_with_an_exit_code() {
    let server = Server::start();
    let wrong = run(cli(&server)
        .env("PUSHER_LITE_APP_SECRET", "wrong")
        .args(["trigger", "-c", "x", "-e", "e"]));
    assert_eq!(wrong.status.code(), Some(1));
    let message = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        message.starts_with("pusher-lite: ") && message.contains("401"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "one line: {message}");

    let unset = run(cli(&server)
        .env_remove("PUSHER_LITE_HOST")
        .args(["channels"]));
    assert_eq!(unset.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unset.stderr).contains("PUSHER_LITE_HOST"));

    let usage = run(cli(&server).args(["trigger", "--event", "e"]));
    assert_eq!(usage.status.code(), Some(2), "a usage error");

    let refused = run(cli(&server)
        .env("PUSHER_LITE_APP_KEY", "no-such-key")
        .env_remove("PUSHER_LITE_APP_SECRET")
        .env_remove("PUSHER_LITE_SECRET_TOKEN")
        .args(["subscribe", "-c", "news", "--count", "1"]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("refused"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
