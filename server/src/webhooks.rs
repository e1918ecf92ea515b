//! Webhooks: events are queued without waiting (a full queue drops and
//! counts), grouped per receiver for a moment, signed with the app secret
//! (`X-Pusher-Key`, `X-Pusher-Signature`) and POSTed with retries. A slow or
//! dead receiver never slows event delivery.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pusher_lite_core::webhook::{self, WebhookBody, WebhookEvent};
use tokio::sync::{Semaphore, mpsc};

use crate::config::AppConfig;
use crate::metrics::Metrics;

/// Events waiting to be sent, at most.
const QUEUE: usize = 10_000;
/// How long events gather before a request goes out.
const GATHER: Duration = Duration::from_millis(50);
/// Requests in flight at once.
const CONCURRENCY: usize = 16;
/// Attempts per request.
const ATTEMPTS: u32 = 4;

struct Job {
    url: String,
    key: String,
    secret: String,
    event: WebhookEvent,
}

/// The sending end, cloned into every app.
#[derive(Clone)]
pub struct WebhookQueue {
    tx: mpsc::Sender<Job>,
    metrics: Arc<Metrics>,
}

fn name_of(event: &WebhookEvent) -> &'static str {
    match event {
        WebhookEvent::ChannelOccupied { .. } => "channel_occupied",
        WebhookEvent::ChannelVacated { .. } => "channel_vacated",
        WebhookEvent::MemberAdded { .. } => "member_added",
        WebhookEvent::MemberRemoved { .. } => "member_removed",
        WebhookEvent::ClientEvent { .. } => "client_event",
        WebhookEvent::CacheMiss { .. } => "cache_miss",
        WebhookEvent::SubscriptionCount { .. } => "subscription_count",
    }
}

impl WebhookQueue {
    /// Starts the sender task and returns the queue.
    pub fn start(metrics: Arc<Metrics>, http: reqwest::Client) -> WebhookQueue {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(rx, http, metrics.clone()));
        WebhookQueue { tx, metrics }
    }

    /// Queues `event` for each of the app's receivers that wants it.
    pub fn enqueue(&self, app: &AppConfig, event: WebhookEvent) {
        let name = name_of(&event);
        for hook in &app.webhooks {
            if !hook.events.is_empty() && !hook.events.iter().any(|e| e == name) {
                continue;
            }
            let job = Job {
                url: hook.url.clone(),
                key: app.key.clone(),
                secret: app.secret.clone(),
                event: event.clone(),
            };
            if self.tx.try_send(job).is_err() {
                self.metrics.webhook_dropped();
                tracing::warn!(url = %hook.url, "webhook queue full; dropping {name}");
            }
        }
    }
}

async fn run(mut rx: mpsc::Receiver<Job>, http: reqwest::Client, metrics: Arc<Metrics>) {
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + GATHER;
        while batch.len() < 100 {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(job)) => batch.push(job),
                _ => break,
            }
        }
        // One request per receiver (same URL and app), events in order.
        let mut groups: Vec<(String, String, String, Vec<WebhookEvent>)> = Vec::new();
        for job in batch {
            match groups.iter_mut().find(|g| g.0 == job.url && g.1 == job.key) {
                Some(group) => group.3.push(job.event),
                None => groups.push((job.url, job.key, job.secret, vec![job.event])),
            }
        }
        for (url, key, secret, events) in groups {
            let Ok(permit) = limit.clone().acquire_owned().await else {
                return;
            };
            let (http, metrics) = (http.clone(), metrics.clone());
            tokio::spawn(async move {
                let time_ms = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_millis() as u64;
                let body = WebhookBody { time_ms, events }.to_json();
                let signature = webhook::sign(&secret, &body);
                let mut delay = Duration::from_millis(250);
                for attempt in 1..=ATTEMPTS {
                    let sent = http
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .header(webhook::KEY_HEADER, &key)
                        .header(webhook::SIGNATURE_HEADER, &signature)
                        .body(body.clone())
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status().is_success() => {
                            metrics.webhook_sent();
                            drop(permit);
                            return;
                        }
                        Ok(r) => {
                            tracing::warn!(%url, status = r.status().as_u16(), attempt, "webhook refused")
                        }
                        Err(e) => tracing::warn!(%url, error = %e, attempt, "webhook failed"),
                    }
                    if attempt < ATTEMPTS {
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                }
                metrics.webhook_failed();
                drop(permit);
            });
        }
    }
}
