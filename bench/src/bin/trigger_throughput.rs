//! Our Publisher's triggers per second: `trigger_throughput HOST:PORT APP_ID KEY SECRET COUNT CONCURRENCY`.
//! One keep-alive connection pool; with CONCURRENCY > 1, that many triggers in
//! flight at once. Prints `{"triggers_per_sec": …}`.

use std::time::Instant;

use pusher_lite::Publisher;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), pusher_lite::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, id, key, secret, count, concurrency] = args.as_slice() else {
        return Err(pusher_lite::Error::Config(
            "usage: trigger_throughput HOST:PORT APP_ID KEY SECRET COUNT CONCURRENCY".into(),
        ));
    };
    let count: usize = count.parse().unwrap_or(1000);
    let concurrency: usize = concurrency.parse().unwrap_or(1).max(1);
    let publisher = Publisher::builder()
        .address(address)?
        .app(id, key, secret)
        .build()?;
    // Warm the connection pool.
    publisher.trigger(&["bench"], "warmup", "{}").await?;
    let started = Instant::now();
    let per_worker = count / concurrency;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let publisher = publisher.clone();
        workers.push(tokio::spawn(async move {
            for n in 0..per_worker {
                publisher
                    .trigger(&["bench"], "tick", &format!(r#"{{"n":{n}}}"#))
                    .await?;
            }
            Ok::<(), pusher_lite::Error>(())
        }));
    }
    for worker in workers {
        worker
            .await
            .map_err(|e| pusher_lite::Error::Config(e.to_string()))??;
    }
    let rate = (per_worker * concurrency) as f64 / started.elapsed().as_secs_f64();
    println!("{}", serde_json::json!({ "triggers_per_sec": rate }));
    Ok(())
}
