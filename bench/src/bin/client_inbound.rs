//! Our Client's inbound rate and memory: `client_inbound HOST:PORT APP_ID KEY SECRET EVENTS CHANNELS`.
//! Subscribes to CHANNELS channels and measures resident memory per subscribed
//! channel; then receives EVENTS events triggered in batches of 10 and measures
//! events per second delivered to the application; last, the latency from the
//! HTTP trigger to the application for 300 spaced events, as percentiles.
//! Prints one JSON line.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pusher_lite::{BatchEvent, Client, Publisher, State};
use pusher_lite_bench::{now_micros, percentiles, rss_bytes};

#[tokio::main]
async fn main() -> Result<(), pusher_lite::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, id, key, secret, events, channels] = args.as_slice() else {
        return Err(pusher_lite::Error::Config(
            "usage: client_inbound HOST:PORT APP_ID KEY SECRET EVENTS CHANNELS".into(),
        ));
    };
    let events: usize = events.parse().unwrap_or(20_000);
    let channels: usize = channels.parse().unwrap_or(1000).max(1);
    let publisher = Publisher::builder()
        .address(address)?
        .app(id, key, secret)
        .build()?;
    let latency_publisher = publisher.clone();
    let client = Client::builder(key).address(address)?.build()?;
    client.connect();
    if !client
        .wait_for_state(State::Connected, Duration::from_secs(10))
        .await
    {
        return Err(pusher_lite::Error::Config(
            "the client did not connect".into(),
        ));
    }
    let mut all = client.events();
    client.subscribe("inbound").await?;
    wait_for(&mut all, "pusher:subscription_succeeded", 1).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_bytes();
    for n in 0..channels {
        client.subscribe(&format!("idle-{n}")).await?;
    }
    wait_for(&mut all, "pusher:subscription_succeeded", channels).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let per_channel = rss_bytes().saturating_sub(before) as f64 / channels as f64;

    let payload = serde_json::json!({ "text": "x".repeat(100) }).to_string();
    let sender = tokio::spawn(async move {
        for start in (0..events).step_by(10) {
            let batch = (start..(start + 10).min(events))
                .map(|_| BatchEvent {
                    name: "tick".into(),
                    data: payload.clone(),
                    channel: "inbound".into(),
                    socket_id: None,
                    info: None,
                })
                .collect();
            publisher.trigger_batch(batch).await?;
        }
        Ok::<(), pusher_lite::Error>(())
    });
    let started = Instant::now();
    let received = wait_for(&mut all, "tick", events).await;
    let elapsed = started.elapsed().as_secs_f64();
    sender
        .await
        .map_err(|e| pusher_lite::Error::Config(e.to_string()))??;
    received?;

    // Latency: one event at a time, 5 ms apart, each carrying its send time.
    let mut latencies = Vec::new();
    for _ in 0..300 {
        let data = format!(r#"{{"t":{}}}"#, now_micros());
        latency_publisher
            .trigger(&["inbound"], "ping", &data)
            .await?;
        let event = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match all.next().await {
                    Some(e) if e.name == "ping" => break Some(e),
                    Some(_) => {}
                    None => break None,
                }
            }
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| pusher_lite::Error::Config("a latency probe did not arrive".into()))?;
        let received = now_micros();
        let sent = event
            .data
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .and_then(|v| v["t"].as_u64())
            .ok_or_else(|| pusher_lite::Error::Config("a latency probe lost its time".into()))?;
        latencies.push(received.saturating_sub(sent) as f64 / 1000.0);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "{}",
        serde_json::json!({
            "events_per_sec": events as f64 / elapsed,
            "bytes_per_channel": per_channel,
            "latency_ms": percentiles(latencies),
        })
    );
    Ok(())
}

async fn wait_for(
    events: &mut (impl futures_util::Stream<Item = pusher_lite::Event> + Unpin),
    name: &str,
    count: usize,
) -> Result<(), pusher_lite::Error> {
    let mut seen = 0;
    tokio::time::timeout(Duration::from_secs(120), async {
        while seen < count {
            match events.next().await {
                Some(e) if e.name == name => seen += 1,
                Some(_) => {}
                None => break,
            }
        }
    })
    .await
    .map_err(|_| {
        pusher_lite::Error::Config(format!("only {seen} of {count} {name} events arrived"))
    })?;
    Ok(())
}
