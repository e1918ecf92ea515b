//! Counters for `/metrics`, in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Process-wide counters; gauges are computed when scraped.
#[derive(Debug, Default)]
pub struct Metrics {
    connections_opened: AtomicU64,
    connections_closed: AtomicU64,
    messages_in: AtomicU64,
    messages_out: AtomicU64,
    api_requests: AtomicU64,
    errors: AtomicU64,
    webhooks_sent: AtomicU64,
    webhooks_failed: AtomicU64,
    webhooks_dropped: AtomicU64,
}

macro_rules! counter {
    ($name:ident, $field:ident) => {
        #[doc = concat!("Counts one `", stringify!($field), "`.")]
        pub fn $name(&self) {
            self.$field.fetch_add(1, Ordering::Relaxed);
        }
    };
}

impl Metrics {
    counter!(connection_opened, connections_opened);
    counter!(connection_closed, connections_closed);
    counter!(message_in, messages_in);
    counter!(message_out, messages_out);
    counter!(api_request, api_requests);
    counter!(error, errors);
    counter!(webhook_sent, webhooks_sent);
    counter!(webhook_failed, webhooks_failed);
    counter!(webhook_dropped, webhooks_dropped);

    /// Connections open now.
    pub fn open_connections(&self) -> u64 {
        let opened = self.connections_opened.load(Ordering::Relaxed);
        opened.saturating_sub(self.connections_closed.load(Ordering::Relaxed))
    }

    /// The exposition text; `channels` is the number of occupied channels now.
    pub fn render(&self, channels: usize) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        metric(
            "pusher_lite_connections",
            "gauge",
            "WebSocket connections open now.",
            self.open_connections(),
        );
        metric(
            "pusher_lite_connections_total",
            "counter",
            "WebSocket connections accepted.",
            get(&self.connections_opened),
        );
        metric(
            "pusher_lite_channels",
            "gauge",
            "Occupied channels now.",
            channels as u64,
        );
        metric(
            "pusher_lite_messages_in_total",
            "counter",
            "Frames received from clients.",
            get(&self.messages_in),
        );
        metric(
            "pusher_lite_messages_out_total",
            "counter",
            "Frames queued to clients.",
            get(&self.messages_out),
        );
        metric(
            "pusher_lite_api_requests_total",
            "counter",
            "HTTP API and Lite requests.",
            get(&self.api_requests),
        );
        metric(
            "pusher_lite_errors_total",
            "counter",
            "Errors reported to clients (pusher:error and HTTP 4xx).",
            get(&self.errors),
        );
        metric(
            "pusher_lite_webhooks_sent_total",
            "counter",
            "Webhook requests delivered.",
            get(&self.webhooks_sent),
        );
        metric(
            "pusher_lite_webhooks_failed_total",
            "counter",
            "Webhook requests abandoned after retries.",
            get(&self.webhooks_failed),
        );
        metric(
            "pusher_lite_webhooks_dropped_total",
            "counter",
            "Webhook events dropped because the queue was full.",
            get(&self.webhooks_dropped),
        );
        out
    }
}
