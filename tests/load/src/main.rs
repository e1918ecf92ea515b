//! Load check: holds N (default 10,000) concurrent WebSocket connections to a
//! real server process on loopback, each in a presence channel and a shared
//! fan-out channel; churns presence membership; fans events out to everyone;
//! and reports the server's memory per connection and delivery rates. It
//! checks that everything arrived (correctness), never how fast (that is the
//! benchmark's job), and stops by itself within its time limit.
//!
//! `pusher-lite-load [CONNECTIONS]`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use pusher_lite_core::auth::Credentials;
use pusher_lite_core::frame::MemberData;
use pusher_lite_test_support::{APP_ID, APP_KEY, APP_SECRET, Server};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

const MEMBERS_PER_CHANNEL: usize = 100;
const FANOUT_EVENTS: u64 = 20;
const CHURNERS: usize = 500;
const TIME_LIMIT: Duration = Duration::from_secs(240);

#[derive(Default)]
struct Counters {
    ready: AtomicU64,
    fanout: AtomicU64,
    member_events: AtomicU64,
    failures: AtomicU64,
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(u64::MAX)
}

fn subscribe_frame(channel: &str, auth: &str, channel_data: Option<&str>) -> String {
    let mut data = serde_json::json!({"channel": channel, "auth": auth});
    if let Some(cd) = channel_data {
        data["channel_data"] = serde_json::Value::String(cd.to_owned());
    }
    serde_json::json!({"event": "pusher:subscribe", "data": data}).to_string()
}

/// One connection: subscribes, then counts what arrives; on `churn` it leaves
/// and rejoins its presence channel (the signature stays valid for the socket).
async fn connection(
    port: u16,
    index: usize,
    counters: Arc<Counters>,
    mut churn: mpsc::Receiver<()>,
    mut stop: watch::Receiver<bool>,
) {
    let url = format!("ws://127.0.0.1:{port}/app/{APP_KEY}?protocol=7&client=load&version=1");
    let Ok((ws, _)) = tokio_tungstenite::connect_async(url).await else {
        counters.failures.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let (mut sink, mut stream) = ws.split();
    let app = Credentials::new(APP_ID, APP_KEY, APP_SECRET);
    let presence = format!("presence-load-{}", index / MEMBERS_PER_CHANNEL);
    let member = MemberData {
        user_id: format!("user-{index}"),
        user_info: Some(format!(r#"{{"n":{index}}}"#)),
    };
    let leave = serde_json::json!({"event": "pusher:unsubscribe", "data": {"channel": presence}})
        .to_string();
    let mut join = None;
    let mut subscribed = 0;
    loop {
        tokio::select! {
            message = stream.next() => {
                let Some(Ok(Message::Text(text))) = message else {
                    if !*stop.borrow() {
                        counters.failures.fetch_add(1, Ordering::Relaxed);
                    }
                    return;
                };
                let text = text.as_str();
                if text.contains("pusher:connection_established") {
                    let frame: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
                    let data: serde_json::Value =
                        serde_json::from_str(frame["data"].as_str().unwrap_or("{}")).unwrap_or_default();
                    let socket_id = data["socket_id"].as_str().unwrap_or_default();
                    let Ok(auth) = app.authorize_channel(socket_id, &presence, Some(&member), None) else {
                        counters.failures.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    let presence_frame = subscribe_frame(&presence, &auth.auth, auth.channel_data.as_deref());
                    for frame in [subscribe_frame("fanout", "", None), presence_frame.clone()] {
                        if sink.send(Message::text(frame)).await.is_err() {
                            return;
                        }
                    }
                    join = Some(presence_frame);
                } else if text.contains("pusher_internal:subscription_succeeded") {
                    subscribed += 1;
                    if subscribed == 2 {
                        counters.ready.fetch_add(1, Ordering::Relaxed);
                    }
                } else if text.contains("\"event\":\"tick\"") {
                    counters.fanout.fetch_add(1, Ordering::Relaxed);
                } else if text.contains("pusher_internal:member_") {
                    counters.member_events.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(()) = churn.recv() => {
                if let Some(join) = &join {
                    let _ = sink.send(Message::text(leave.clone())).await;
                    let _ = sink.send(Message::text(join.clone())).await;
                }
            }
            _ = stop.changed() => {
                let _ = sink.send(Message::Close(None)).await;
                return;
            }
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let connections: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    match tokio::time::timeout(TIME_LIMIT, run(connections)).await {
        Ok(Ok(())) => std::process::ExitCode::SUCCESS,
        Ok(Err(message)) => {
            eprintln!("load check failed: {message}");
            std::process::ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("load check failed: did not finish within {TIME_LIMIT:?}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(connections: usize) -> Result<(), String> {
    let limit = open_files_limit();
    if limit < connections as u64 + 256 {
        return Err(format!(
            "the open-files limit is {limit}; {connections} connections need at least {} (raise `ulimit -n`)",
            connections + 256
        ));
    }
    let server = Server::start();
    let pid = server.pid();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline = rss_kib(pid);
    let counters = Arc::new(Counters::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut churners = Vec::new();
    let mut tasks = Vec::with_capacity(connections);
    let started = Instant::now();
    for index in 0..connections {
        let (churn_tx, churn_rx) = mpsc::channel(4);
        if index < CHURNERS {
            churners.push(churn_tx);
        }
        let (task_counters, stop) = (counters.clone(), stop_rx.clone());
        let port = server.port;
        tasks.push(tokio::spawn(connection(
            port,
            index,
            task_counters,
            churn_rx,
            stop,
        )));
        // Pace the opening so the accept queue never overflows.
        if index % 256 == 255 {
            while counters_ready(&counters)
                + (counters.failures.load(Ordering::Relaxed) as usize)
                + 512
                < index
            {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while counters_ready(&counters) < connections {
        if Instant::now() > deadline || counters.failures.load(Ordering::Relaxed) > 0 {
            return Err(format!(
                "only {} of {connections} connections subscribed ({} failed)",
                counters_ready(&counters),
                counters.failures.load(Ordering::Relaxed)
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let loaded = rss_kib(pid);
    let per_connection = (loaded.saturating_sub(baseline) as f64 * 1024.0) / connections as f64;

    // Presence churn: members leave and come back; others see the events.
    let before_churn = counters.member_events.load(Ordering::Relaxed);
    let churn_started = Instant::now();
    for tx in &churners {
        let _ = tx.send(()).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let churn_events = counters.member_events.load(Ordering::Relaxed) - before_churn;

    // Fan-out: every connection receives every event.
    let publisher = server.publisher();
    let fanout_started = Instant::now();
    for n in 0..FANOUT_EVENTS {
        publisher
            .trigger(&["fanout"], "tick", &format!(r#"{{"n":{n}}}"#))
            .await
            .map_err(|e| e.to_string())?;
    }
    let expected = connections as u64 * FANOUT_EVENTS;
    let deadline = Instant::now() + Duration::from_secs(60);
    while counters.fanout.load(Ordering::Relaxed) < expected {
        if Instant::now() > deadline {
            return Err(format!(
                "fan-out delivered {} of {expected} events",
                counters.fanout.load(Ordering::Relaxed)
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let fanout_time = fanout_started.elapsed();
    let up = server.get("/up").is_some_and(|(status, _)| status == 200);
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    if !up {
        return Err("the server stopped answering /up under load".into());
    }
    if churn_events == 0 {
        return Err("presence churn produced no member events".into());
    }
    println!(
        "load check: {connections} concurrent WebSocket connections held (loopback, debug build)"
    );
    println!(
        "  connected and subscribed (presence + fan-out) in {:.1} s",
        connect_time.as_secs_f64()
    );
    println!(
        "  server resident memory: {:.1} MiB idle, {:.1} MiB loaded → {:.0} bytes per connection",
        baseline as f64 / 1024.0,
        loaded as f64 / 1024.0,
        per_connection
    );
    println!(
        "  presence churn: {CHURNERS} members left and rejoined; {churn_events} member events delivered in {:.1} s",
        churn_started.elapsed().as_secs_f64()
    );
    println!(
        "  fan-out: {expected} deliveries ({FANOUT_EVENTS} events × {connections}) in {:.2} s → {:.0} deliveries/s",
        fanout_time.as_secs_f64(),
        expected as f64 / fanout_time.as_secs_f64()
    );
    Ok(())
}

fn counters_ready(counters: &Counters) -> usize {
    counters.ready.load(Ordering::Relaxed) as usize
}
