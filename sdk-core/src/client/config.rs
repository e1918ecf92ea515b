//! What a client is configured with: where to connect, its timings (pusher-js 8's
//! defaults), how it reconnects, and how it authorizes channels.

use crate::protocol::PROTOCOL_VERSION;

/// Where the WebSocket endpoint is (`ws[s]://host:port{path}/app/{key}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name.
    pub host: String,
    /// Port for `ws://`.
    pub ws_port: u16,
    /// Port for `wss://`.
    pub wss_port: u16,
    /// Path prefix before `/app/{key}` (pusher-js `wsPath`).
    pub path: String,
    /// Whether to use TLS (`wss://`).
    pub use_tls: bool,
}

impl Endpoint {
    /// Pusher's hosted cluster `cluster` (`ws-{cluster}.pusher.com`, TLS).
    pub fn cluster(cluster: &str) -> Self {
        Endpoint {
            host: format!("ws-{cluster}.pusher.com"),
            ws_port: 80,
            wss_port: 443,
            path: String::new(),
            use_tls: true,
        }
    }

    /// A self-hosted server (one port for both schemes).
    pub fn host(host: impl Into<String>, port: u16, use_tls: bool) -> Self {
        Endpoint {
            host: host.into(),
            ws_port: port,
            wss_port: port,
            path: String::new(),
            use_tls,
        }
    }

    /// The URL to open, as pusher-js builds it.
    ///
    /// ```
    /// use pusher_lite_core::client::Endpoint;
    /// let url = Endpoint::host("127.0.0.1", 6001, false).url("app-key", false, "js", "8.6.0");
    /// assert_eq!(url, "ws://127.0.0.1:6001/app/app-key?protocol=7&client=js&version=8.6.0&flash=false");
    /// ```
    pub fn url(&self, key: &str, force_tls: bool, client: &str, version: &str) -> String {
        let tls = self.use_tls || force_tls;
        let (scheme, port) = if tls {
            ("wss", self.wss_port)
        } else {
            ("ws", self.ws_port)
        };
        format!(
            "{scheme}://{}:{port}{}/app/{}?protocol={PROTOCOL_VERSION}&client={}&version={}&flash=false",
            self.host,
            self.path,
            url_component(key),
            url_component(client),
            url_component(version)
        )
    }
}

/// Percent-encodes what `encodeURIComponent` would.
fn url_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How reconnects are spaced.
///
/// After a failure the client waits `min(max, initial × 2^failures)`, half of it
/// fixed and half random ("equal jitter"), so a server restart does not bring every
/// client back in the same millisecond. A connection that stayed up for
/// `stable_after_ms` resets the count, so a single drop reconnects quickly; a
/// `4200`-range close reconnects at once unless the previous attempts failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// First delay, in ms (pusher-js retries after 1 s).
    pub initial_delay_ms: u64,
    /// Longest delay, in ms.
    pub max_delay_ms: u64,
    /// Uptime after which a connection counts as healthy, in ms.
    pub stable_after_ms: u64,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay_ms: 1_000,
            max_delay_ms: 30_000,
            stable_after_ms: 10_000,
        }
    }
}

/// Verbosity of the [`Output::Log`](super::Output::Log) lines a client emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Everything, including each event received and sent.
    Debug,
    /// Notable events.
    Info,
    /// Things that are probably mistakes.
    Warn,
    /// Failures.
    Error,
}

/// Everything a [`Client`](super::Client) needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The app key.
    pub app_key: String,
    /// Where to connect.
    pub endpoint: Endpoint,
    /// Client name in the URL (`client=`), e.g. `js`.
    pub client_name: String,
    /// Client version in the URL (`version=`).
    pub client_version: String,
    /// Ping after this much silence, in ms, unless the server asks for less (120 000).
    pub activity_timeout_ms: u64,
    /// Wait this long for a pong, in ms, before reconnecting (30 000).
    pub pong_timeout_ms: u64,
    /// Report `unavailable` after trying this long, in ms (10 000).
    pub unavailable_timeout_ms: u64,
    /// Give up one connection attempt after this long, in ms (15 000, doubling to 60 000).
    pub connect_timeout_ms: u64,
    /// Reconnect spacing.
    pub reconnect: ReconnectPolicy,
    /// Seed for reconnect jitter; give each client its own.
    pub random_seed: u64,
    /// A Lite session JWT: used as the `auth` of every subscription (no auth
    /// endpoint round trip), and enables Lite client events.
    pub session_token: Option<String>,
    /// Emit log lines at or above this level; `None` emits none.
    pub log_level: Option<LogLevel>,
    /// The front end reads ordinary events' string `data` from the frame text it
    /// passed to `handle_message` (with its own JSON parser): such events are
    /// dispatched with [`Payload::FrameData`](super::Payload::FrameData) and the
    /// data is never unescaped here. Protocol events, encrypted channels and the
    /// connection's `message` event still carry their data.
    pub data_by_reference: bool,
    /// Ask the server for Lite frame batching (several frames per message under
    /// load; see [`crate::batching`]). Harmless against any other server, which
    /// ignores the request and is then read one frame per message.
    pub batching: bool,
}

impl ClientConfig {
    /// A configuration with pusher-js 8's defaults.
    pub fn new(app_key: impl Into<String>, endpoint: Endpoint) -> Self {
        ClientConfig {
            app_key: app_key.into(),
            endpoint,
            client_name: "pusher-lite".to_owned(),
            client_version: env!("CARGO_PKG_VERSION").to_owned(),
            activity_timeout_ms: 120_000,
            pong_timeout_ms: 30_000,
            unavailable_timeout_ms: 10_000,
            connect_timeout_ms: 15_000,
            reconnect: ReconnectPolicy::default(),
            random_seed: 0x5eed,
            session_token: None,
            log_level: None,
            data_by_reference: false,
            batching: true,
        }
    }
}
