//! Server measurements, for any Pusher-protocol server (ours, or an anchor
//! such as Sockudo) on loopback:
//!
//! `server_load HOST:PORT APP_ID KEY SECRET PID`
//!
//! 1. resident memory per idle connection at 1,000, 5,000 and 10,000
//!    connections (each subscribed to one public channel);
//! 2. fan-out: events published through the HTTP API to 1,000 subscribers of
//!    one channel, as deliveries per second;
//! 3. latency from the HTTP trigger to each subscriber, as percentiles;
//! 4. server CPU time per 10,000 delivered messages.
//!
//! Prints one JSON line. Correctness is checked (everything must arrive);
//! speed is only reported.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use pusher_lite::Publisher;
use pusher_lite_bench::{now_micros, percentiles, rss_bytes_of};
use tokio::sync::{Mutex, watch};
use tokio_tungstenite::tungstenite::Message;

fn proc_field(pid: u32, file: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap_or_default()
}

fn rss_bytes(pid: u32) -> u64 {
    rss_bytes_of(&pid.to_string())
}

/// utime + stime of a process, in clock ticks (100 per second on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = proc_field(pid, "stat");
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields after the name start at state (3rd overall): utime is 14th, stime 15th overall.
    let utime = fields
        .get(11)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let stime = fields
        .get(12)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    utime + stime
}

#[derive(Default)]
struct Shared {
    subscribed: AtomicU64,
    delivered: AtomicU64,
    failures: AtomicU64,
    latencies: Mutex<Vec<u64>>,
}

async fn subscriber(
    url: String,
    channel: String,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let Ok((ws, _)) = tokio_tungstenite::connect_async(&url).await else {
        shared.failures.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let (mut sink, mut stream) = ws.split();
    let mut local = Vec::new();
    loop {
        tokio::select! {
            message = stream.next() => {
                let Some(Ok(message)) = message else { break };
                let Message::Text(text) = message else { continue };
                let text = text.as_str();
                if text.contains("pusher:connection_established") {
                    let subscribe = serde_json::json!({"event":"pusher:subscribe","data":{"auth":"","channel":channel}});
                    if sink.send(Message::text(subscribe.to_string())).await.is_err() {
                        break;
                    }
                } else if text.contains("subscription_succeeded") {
                    shared.subscribed.fetch_add(1, Ordering::Relaxed);
                } else if text.contains("\"event\":\"load\"") {
                    let received = now_micros();
                    // The payload carries the send time: {"t":micros}.
                    if let Some(sent) = text.split("\\\"t\\\":").nth(1).and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next()).and_then(|n| n.parse::<u64>().ok()) {
                        local.push(received.saturating_sub(sent));
                    }
                    shared.delivered.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ = stop.changed() => break,
        }
    }
    shared.latencies.lock().await.extend(local);
    let _ = sink.send(Message::Close(None)).await;
}

async fn wait(what: &str, limit: Duration, done: impl Fn() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() > deadline {
            return Err(format!("{what} did not complete within {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(json) => {
            println!("{json}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("server_load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<serde_json::Value, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, id, key, secret, pid] = args.as_slice() else {
        return Err("usage: server_load HOST:PORT APP_ID KEY SECRET PID".into());
    };
    let pid: u32 = pid.parse().map_err(|_| "PID must be a number")?;
    let url = format!("ws://{address}/app/{key}?protocol=7&client=bench&version=1");
    let publisher = Publisher::builder()
        .address(address)
        .and_then(|b| b.app(id, key, secret).build())
        .map_err(|e| e.to_string())?;
    let shared = Arc::new(Shared::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();

    // 1. Idle connections: memory at 1k, 5k, 10k.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline = rss_bytes(pid);
    let mut memory = serde_json::Map::new();
    let mut open = 0usize;
    for target in [1_000usize, 5_000, 10_000] {
        while open < target {
            let channel = if open < 1_000 {
                "fanout".to_owned()
            } else {
                format!("idle-{}", open % 100)
            };
            tasks.push(tokio::spawn(subscriber(
                url.clone(),
                channel,
                shared.clone(),
                stop_rx.clone(),
            )));
            open += 1;
            if open.is_multiple_of(200) {
                let ready = shared.clone();
                wait("connecting", Duration::from_secs(60), || {
                    ready.subscribed.load(Ordering::Relaxed) as usize + 400 >= open
                })
                .await?;
            }
            if shared.failures.load(Ordering::Relaxed) > 0 {
                return Err(format!("a connection failed at {open} connections"));
            }
        }
        let ready = shared.clone();
        wait("subscribing", Duration::from_secs(60), || {
            ready.subscribed.load(Ordering::Relaxed) as usize >= target
        })
        .await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let per = rss_bytes(pid).saturating_sub(baseline) as f64 / target as f64;
        memory.insert(target.to_string(), serde_json::json!(per));
    }

    // 2–4. Fan-out to the 1,000 "fanout" subscribers while 9,000 others idle.
    let events = 200u64;
    let expected = events * 1_000;
    let cpu_before = cpu_ticks(pid);
    let started = Instant::now();
    for _ in 0..events {
        let data = format!(r#"{{"t":{}}}"#, now_micros());
        publisher
            .trigger(&["fanout"], "load", &data)
            .await
            .map_err(|e| e.to_string())?;
    }
    let done = shared.clone();
    wait("fan-out", Duration::from_secs(120), || {
        done.delivered.load(Ordering::Relaxed) >= expected
    })
    .await?;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_secs = cpu_ticks(pid).saturating_sub(cpu_before) as f64 / 100.0;
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    let latencies: Vec<f64> = std::mem::take(&mut *shared.latencies.lock().await)
        .into_iter()
        .map(|us| us as f64 / 1000.0)
        .collect();
    Ok(serde_json::json!({
        "bytes_per_idle_connection": memory,
        "fanout_deliveries_per_sec": expected as f64 / elapsed,
        "latency_ms": percentiles(latencies),
        "cpu_ms_per_10k_messages": cpu_secs * 1000.0 / (expected as f64 / 10_000.0),
    }))
}
