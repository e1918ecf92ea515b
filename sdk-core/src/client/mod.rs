//! The client: connection state machine, channels, presence, encrypted channels,
//! user sign-in and event routing — sans-IO, in the style of quinn-proto.
//!
//! A front end (browser, native, mobile) owns the socket, the clock and the auth
//! transport. It feeds [`Client`] inputs that carry the current time `now` (ms)
//! and then drains [`Client::poll`] until it returns `None`, doing what each
//! [`Output`] says: open a socket, send a frame, close, authorize a channel,
//! authenticate the user, deliver an event, log. It arms one timer at
//! [`Client::poll_timeout`] and calls [`Client::handle_timeout`] when it fires.
//!
//! Behaviour follows pusher-js 8 (states, timings, close-code actions, channel
//! lifecycle, presence, encrypted channels, sign-in, event ordering), with these
//! deliberate differences, each an improvement a caller can rely on:
//! - reconnects back off exponentially with jitter from a caller-given seed
//!   (pusher-js retries after a fixed second), and a storm of `4200` closes is
//!   throttled instead of reconnecting in a tight loop;
//! - after a connection drops the state becomes `connecting` at once (pusher-js
//!   reports `connected` for the retry second);
//! - a channel unsubscribed while its subscription was pending is forgotten on
//!   disconnect, instead of being resubscribed on reconnect;
//! - re-authorizations for undecryptable events are coalesced per channel;
//! - a subscription the server refuses with a frame naming the channel is no
//!   longer pending (pusher-js leaves it pending forever).
//!
//! ```
//! use pusher_lite_core::client::{Client, ClientConfig, Endpoint, Output};
//!
//! let mut client: Client<&str> = Client::new(ClientConfig::new("key", Endpoint::host("127.0.0.1", 6001, false)));
//! client.bind(&pusher_lite_core::client::Target::Global, "greet", "my-handler");
//! client.connect(0);
//! // Drain the outputs: state events, then the socket to open.
//! let (socket, url) = std::iter::from_fn(|| client.poll())
//!     .find_map(|o| match o { Output::Open { socket, url } => Some((socket, url)), _ => None })
//!     .unwrap();
//! assert!(url.starts_with("ws://127.0.0.1:6001/app/key?protocol=7"));
//! client.handle_open(5, socket);
//! client.handle_message(6, socket, r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":120}"}"#);
//! client.subscribe(7, "news").unwrap();
//! client.handle_message(8, socket, r#"{"event":"greet","channel":"news","data":"{\"hi\":1}"}"#);
//! let delivered: Vec<_> = std::iter::from_fn(|| client.poll())
//!     .filter_map(|o| match o { Output::Dispatch(d) if d.event == "greet" => Some(d), _ => None })
//!     .collect();
//! assert_eq!(delivered[0].calls[0].handler, "my-handler");
//! ```

mod config;
mod dispatch;
mod members;
mod output;

use std::collections::VecDeque;

pub use config::{ClientConfig, Endpoint, LogLevel, ReconnectPolicy};
pub use dispatch::Dispatcher;
pub use members::{Member, Members};
pub use output::{
    AuthFailure, Call, CallKind, ClientError, Dispatch, ErrorInfo, FramePosition, Metadata, Output,
    Payload, RequestId, SocketHandle, State, Target,
};

use crate::auth::{self, ChannelAuthorization, UserAuthentication};
use crate::batching;
use crate::encryption::{ChannelKey, EncryptionError, SealedPayload};
use crate::frame::{self, ClientMessage, Data, Frame, MemberData, PresenceData, ServerMessage};
use crate::jwt;
use crate::protocol::{
    ChannelKind, CloseAction, close_code_is_error, events, server_to_user_channel,
};

/// Undecryptable events kept per channel while a fresh key is fetched.
const MAX_UNDECRYPTED: usize = 100;

/// splitmix64: small, fast, and good enough for jitter. Never used for secrets.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next() % bound }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Idle,
    Opening {
        socket: SocketHandle,
        opened: bool,
    },
    /// `batched`: the server acknowledged Lite frame batching, so a message
    /// may hold several frames.
    Established {
        socket: SocketHandle,
        since: u64,
        batched: bool,
    },
}

#[derive(Debug, Clone, Copy, Default)]
struct Timers {
    attempt: Option<u64>,
    pong: Option<u64>,
    activity: Option<u64>,
    retry: Option<u64>,
    unavailable: Option<u64>,
}

/// How soon to reconnect after a connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// At once, unless recent attempts failed.
    Immediately,
    /// After a jittered, exponentially growing delay.
    Backoff,
    /// As `Backoff`, but never sooner than one second.
    AtLeastOneSecond,
}

#[derive(Debug)]
struct ChannelState<H> {
    name: String,
    kind: ChannelKind,
    subscribed: bool,
    pending: bool,
    cancelled: bool,
    subscription_count: Option<u64>,
    dispatcher: Dispatcher<H>,
    members: Members,
    key: Option<ChannelKey>,
    auth_request: Option<RequestId>,
    reauth_request: Option<RequestId>,
    undecrypted: Vec<(String, SealedPayload)>,
    /// A presence authorization without `channel_data`, waiting for sign-in.
    parked_auth: Option<ChannelAuthorization>,
}

impl<H> ChannelState<H> {
    fn new(name: &str) -> Self {
        ChannelState {
            name: name.to_owned(),
            kind: ChannelKind::of(name),
            subscribed: false,
            pending: false,
            cancelled: false,
            subscription_count: None,
            dispatcher: Dispatcher::default(),
            members: Members::default(),
            key: None,
            auth_request: None,
            reauth_request: None,
            undecrypted: Vec::new(),
            parked_auth: None,
        }
    }

    /// Forgets the subscription (pusher-js `Channel.disconnect`).
    fn disconnect(&mut self) {
        self.subscribed = false;
        self.pending = false;
        self.auth_request = None;
        self.reauth_request = None;
        self.undecrypted.clear();
        self.parked_auth = None;
        self.members.reset();
    }
}

/// A read-only view of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelView<'a> {
    /// The name.
    pub name: &'a str,
    /// Kind by prefix.
    pub kind: ChannelKind,
    /// `subscription_succeeded` received.
    pub subscribed: bool,
    /// Subscription requested, not yet confirmed.
    pub subscription_pending: bool,
    /// Unsubscribed while pending; dropped when the subscription completes.
    pub subscription_cancelled: bool,
    /// Last `subscription_count` the server sent.
    pub subscription_count: Option<u64>,
}

#[derive(Debug, Clone)]
enum PendingRequest {
    Subscribe { channel: String, socket_id: String },
    Reauthorize { channel: String, socket_id: String },
    User { socket_id: String },
}

#[derive(Debug)]
struct UserState<H> {
    dispatcher: Dispatcher<H>,
    watchlist: Dispatcher<H>,
    signin_requested: bool,
    /// Between asking for authentication and `signin_success` (or failure).
    signin_in_progress: bool,
    request: Option<RequestId>,
    user_data: Option<String>,
    id: Option<String>,
    /// `#server-to-user-{id}` once signed in.
    server_channel: Option<String>,
}

#[derive(Debug, Clone)]
struct Route {
    target: Target,
    metadata: Option<Metadata>,
}

#[derive(Debug)]
struct PendingDispatch {
    source: Target,
    event: String,
    payload: Payload,
    routes: Vec<Route>,
    from_frame: Option<FramePosition>,
}

#[derive(Debug)]
enum Queued<H> {
    Ready(Output<H>),
    Dispatch(PendingDispatch),
}

/// The sans-IO Pusher client. `H` is whatever the front end calls handlers with
/// (a JS function, a boxed closure, a foreign callback).
#[derive(Debug)]
pub struct Client<H> {
    config: ClientConfig,
    state: State,
    use_tls: bool,
    rng: Rng,
    transport: Transport,
    next_socket: u64,
    next_request: u64,
    socket_id: Option<String>,
    /// Where the frame being handled is in its message (see
    /// [`Dispatch::from_frame`]).
    frame_position: FramePosition,
    activity_timeout_ms: u64,
    failures: u32,
    timers: Timers,
    channels: Vec<ChannelState<H>>,
    global: Dispatcher<H>,
    connection: Dispatcher<H>,
    user: UserState<H>,
    /// Authorization requests awaiting an answer (few at a time: a Vec is smallest).
    requests: Vec<(RequestId, PendingRequest)>,
    queue: VecDeque<Queued<H>>,
}

impl<H: Clone> Client<H> {
    /// A client in state `initialized`; call [`connect`](Self::connect) to start.
    pub fn new(config: ClientConfig) -> Self {
        Client {
            use_tls: config.endpoint.use_tls,
            rng: Rng(config.random_seed),
            activity_timeout_ms: config.activity_timeout_ms,
            config,
            state: State::Initialized,
            transport: Transport::Idle,
            next_socket: 0,
            next_request: 0,
            socket_id: None,
            frame_position: FramePosition::Whole,
            failures: 0,
            timers: Timers::default(),
            channels: Vec::new(),
            global: Dispatcher::default(),
            connection: Dispatcher::default(),
            user: UserState {
                dispatcher: Dispatcher::default(),
                watchlist: Dispatcher::default(),
                signin_requested: false,
                signin_in_progress: false,
                request: None,
                user_data: None,
                id: None,
                server_channel: None,
            },
            requests: Vec::new(),
            queue: VecDeque::new(),
        }
    }

    // ----- queries -------------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Changes which log lines are emitted (pusher-js lets `Pusher.logToConsole`
    /// and `Pusher.log` be set at any time).
    pub fn set_log_level(&mut self, level: Option<LogLevel>) {
        self.config.log_level = level;
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The socket id of the current (or, like pusher-js, the last) connection.
    pub fn socket_id(&self) -> Option<&str> {
        self.socket_id.as_deref()
    }

    /// Whether the connection uses TLS (a `4000` close switches it on).
    pub fn is_using_tls(&self) -> bool {
        self.use_tls
    }

    /// The effective activity timeout, in ms.
    pub fn activity_timeout_ms(&self) -> u64 {
        self.activity_timeout_ms
    }

    /// Channel names, in subscription order.
    pub fn channel_names(&self) -> impl Iterator<Item = &str> {
        self.channels.iter().map(|c| c.name.as_str())
    }

    /// One channel, if subscribed (or pending).
    pub fn channel(&self, name: &str) -> Option<ChannelView<'_>> {
        self.channels
            .iter()
            .find(|c| c.name == name)
            .map(|c| ChannelView {
                name: &c.name,
                kind: c.kind,
                subscribed: c.subscribed,
                subscription_pending: c.pending,
                subscription_cancelled: c.cancelled,
                subscription_count: c.subscription_count,
            })
    }

    /// A presence channel's members.
    pub fn members(&self, channel: &str) -> Option<&Members> {
        self.channels
            .iter()
            .find(|c| c.name == channel && c.kind == ChannelKind::Presence)
            .map(|c| &c.members)
    }

    /// The signed-in user's data (JSON text), once `pusher:signin_success` arrived.
    pub fn user_data(&self) -> Option<&str> {
        self.user.user_data.as_deref()
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> Option<&str> {
        self.user.id.as_deref()
    }

    // ----- outputs -------------------------------------------------------------

    /// The next thing to do, or `None` when there is nothing. Call after every input.
    /// Handlers of a [`Dispatch`] are resolved now, so bindings changed by earlier
    /// handlers apply, as they do in pusher-js.
    pub fn poll(&mut self) -> Option<Output<H>> {
        match self.queue.pop_front()? {
            Queued::Ready(output) => Some(output),
            Queued::Dispatch(pending) => Some(Output::Dispatch(self.resolve(pending))),
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called (ms), if ever.
    pub fn poll_timeout(&self) -> Option<u64> {
        let t = self.timers;
        [t.attempt, t.pong, t.activity, t.retry, t.unavailable]
            .into_iter()
            .flatten()
            .min()
    }

    fn resolve(&self, pending: PendingDispatch) -> Dispatch<H> {
        let mut calls = Vec::new();
        for route in &pending.routes {
            self.push_calls(&mut calls, &route.target, &pending.event, &route.metadata);
        }
        let metadata = pending
            .routes
            .iter()
            .find(|r| r.target == pending.source)
            .and_then(|r| r.metadata.clone());
        Dispatch {
            source: pending.source,
            event: pending.event,
            payload: pending.payload,
            metadata,
            calls,
            from_frame: pending.from_frame,
        }
    }

    /// The handlers `target` calls for `event`, in pusher-js's order (its global
    /// handlers, then the event's), with `metadata` for the event's; none for a
    /// channel the client does not hold. A front end delivering an event of its
    /// own — pusher-js's `emit` — calls these.
    pub fn calls(&self, target: &Target, event: &str, metadata: Option<Metadata>) -> Vec<Call<H>> {
        let mut calls = Vec::new();
        self.push_calls(&mut calls, target, event, &metadata);
        calls
    }

    fn push_calls(
        &self,
        calls: &mut Vec<Call<H>>,
        target: &Target,
        event: &str,
        metadata: &Option<Metadata>,
    ) {
        let Some(dispatcher) = self.dispatcher(target) else {
            return;
        };
        calls.extend(dispatcher.globals().iter().map(|h| Call {
            handler: h.clone(),
            kind: CallKind::Global,
        }));
        calls.extend(dispatcher.handlers(event).iter().map(|h| Call {
            handler: h.clone(),
            kind: CallKind::Event(metadata.clone()),
        }));
    }

    // ----- binding -------------------------------------------------------------

    fn dispatcher(&self, target: &Target) -> Option<&Dispatcher<H>> {
        match target {
            Target::Global => Some(&self.global),
            Target::Connection => Some(&self.connection),
            Target::User => Some(&self.user.dispatcher),
            Target::Watchlist => Some(&self.user.watchlist),
            Target::Channel(name) => self
                .channels
                .iter()
                .find(|c| &c.name == name)
                .map(|c| &c.dispatcher),
        }
    }

    /// The routing table of `target` (`None` for a channel not subscribed).
    pub fn dispatcher_mut(&mut self, target: &Target) -> Option<&mut Dispatcher<H>> {
        match target {
            Target::Global => Some(&mut self.global),
            Target::Connection => Some(&mut self.connection),
            Target::User => Some(&mut self.user.dispatcher),
            Target::Watchlist => Some(&mut self.user.watchlist),
            Target::Channel(name) => self
                .channels
                .iter_mut()
                .find(|c| &c.name == name)
                .map(|c| &mut c.dispatcher),
        }
    }

    /// Binds `handler` to `event` on `target`; `false` if the channel is not subscribed.
    pub fn bind(&mut self, target: &Target, event: &str, handler: H) -> bool {
        self.dispatcher_mut(target)
            .map(|d| d.bind(event, handler))
            .is_some()
    }

    /// Binds a global handler on `target`; `false` if the channel is not subscribed.
    pub fn bind_global(&mut self, target: &Target, handler: H) -> bool {
        self.dispatcher_mut(target)
            .map(|d| d.bind_global(handler))
            .is_some()
    }

    // ----- connection lifecycle ----------------------------------------------------

    /// Connects (pusher-js `connect`). Does nothing while connected or while an
    /// attempt is under way; during a reconnect delay it tries at once.
    pub fn connect(&mut self, now: u64) {
        if self.transport != Transport::Idle {
            return;
        }
        if matches!(
            self.state,
            State::Initialized | State::Disconnected | State::Failed
        ) {
            self.failures = 0;
        }
        self.timers.retry = None;
        self.set_state(now, State::Connecting, Payload::None);
        self.timers.unavailable = Some(now + self.config.unavailable_timeout_ms);
        self.open_socket(now);
    }

    /// Disconnects (pusher-js `disconnect`): closes the socket, stops every
    /// timer, and moves to `disconnected`. Channels stay and are resubscribed by
    /// the next [`connect`](Self::connect).
    pub fn disconnect(&mut self, now: u64) {
        self.close_transport(1000, "disconnected by the client");
        self.timers = Timers::default();
        self.set_state(now, State::Disconnected, Payload::None);
    }

    /// Points the client at another app key and endpoint (pusher-js
    /// `switchCluster`), keeping channels and bindings: a live connection is
    /// replaced at once and every channel is subscribed again on the new one.
    pub fn switch_endpoint(&mut self, now: u64, app_key: &str, endpoint: Endpoint) {
        self.config.app_key = app_key.to_owned();
        self.use_tls = endpoint.use_tls;
        self.config.endpoint = endpoint;
        if matches!(
            self.state,
            State::Connected | State::Connecting | State::Unavailable
        ) {
            self.close_transport(1000, "switching endpoint");
            self.timers.retry = None;
            self.failures = 0;
            self.reconnect(now, Retry::Immediately);
        }
    }

    /// The platform has no WebSocket: the state becomes `failed`.
    pub fn handle_transport_unsupported(&mut self, now: u64) {
        self.close_transport(1000, "transport unsupported");
        self.timers = Timers::default();
        self.set_state(now, State::Failed, Payload::None);
    }

    /// The socket `socket` opened.
    pub fn handle_open(&mut self, _now: u64, socket: SocketHandle) {
        if let Transport::Opening { socket: s, opened } = &mut self.transport
            && *s == socket
        {
            *opened = true;
        }
    }

    /// The socket reported an error. A close must follow (browsers always send
    /// one); native front ends report the close too.
    pub fn handle_error(&mut self, _now: u64, socket: SocketHandle, message: &str) {
        match self.transport {
            Transport::Opening { socket: s, opened } if s == socket => {
                if opened {
                    self.emit_error(ErrorInfo::WebSocketTransport {
                        message: message.to_owned(),
                    });
                } else {
                    self.log(LogLevel::Debug, || {
                        format!("connection attempt failed: {message}")
                    });
                }
            }
            Transport::Established { socket: s, .. } if s == socket => {
                self.emit_error(ErrorInfo::WebSocketTransport {
                    message: message.to_owned(),
                });
            }
            _ => {}
        }
    }

    /// The socket closed with `code` and `reason`.
    pub fn handle_close(&mut self, now: u64, socket: SocketHandle, code: u16, reason: &str) {
        match self.transport {
            Transport::Opening { socket: s, opened } if s == socket => {
                self.transport = Transport::Idle;
                self.timers.attempt = None;
                let error =
                    (opened && close_code_is_error(code)).then(|| (Some(code), reason.to_owned()));
                // pusher-js: a close during the handshake means "back off" unless the code says otherwise.
                let action = CloseAction::for_code(code).unwrap_or(CloseAction::Backoff);
                self.log(LogLevel::Debug, || {
                    format!("connection attempt closed with {code} {reason}")
                });
                self.apply_close_action(now, action, error);
            }
            Transport::Established {
                socket: s, since, ..
            } if s == socket => {
                self.transport = Transport::Idle;
                self.timers.activity = None;
                self.timers.pong = None;
                if now.saturating_sub(since) >= self.config.reconnect.stable_after_ms {
                    self.failures = 0;
                }
                let error = close_code_is_error(code).then(|| (Some(code), reason.to_owned()));
                if let Some((code, message)) = &error {
                    self.emit_error(ErrorInfo::Pusher {
                        code: *code,
                        message: message.clone(),
                    });
                }
                match CloseAction::for_code(code) {
                    Some(action) => self.apply_close_action(now, action, error),
                    None => self.reconnect(now, Retry::Backoff),
                }
            }
            _ => {}
        }
    }

    /// The browser went online: retry at once if not connected.
    pub fn handle_online(&mut self, now: u64) {
        if matches!(self.state, State::Connecting | State::Unavailable) {
            self.failures = 0;
            self.timers.retry = None;
            if let Transport::Opening { .. } = self.transport {
                self.close_transport(1000, "network came back; retrying");
            }
            self.open_socket(now);
        }
    }

    /// The browser went offline: ping at once, so a dead socket shows within the
    /// pong timeout.
    pub fn handle_offline(&mut self, now: u64) {
        if let Transport::Established { .. } = self.transport {
            self.send_ping(now);
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: u64) {
        // Each branch clears or moves its timer, so this ends.
        for _ in 0..8 {
            let t = self.timers;
            if t.attempt.is_some_and(|d| d <= now) {
                self.timers.attempt = None;
                self.log(LogLevel::Debug, || {
                    "connection attempt timed out".to_owned()
                });
                self.close_transport(1000, "connection attempt timed out");
                self.reconnect(now, Retry::Backoff);
            } else if t.pong.is_some_and(|d| d <= now) {
                self.timers.pong = None;
                self.log(LogLevel::Warn, || {
                    "no pong received; reconnecting".to_owned()
                });
                self.close_transport(1000, "pong not received");
                self.reconnect(now, Retry::Immediately);
            } else if t.activity.is_some_and(|d| d <= now) {
                self.send_ping(now);
            } else if t.retry.is_some_and(|d| d <= now) {
                self.timers.retry = None;
                if self.transport == Transport::Idle {
                    self.open_socket(now);
                }
            } else if t.unavailable.is_some_and(|d| d <= now) {
                self.timers.unavailable = None;
                if self.state == State::Connecting {
                    self.set_state(now, State::Unavailable, Payload::None);
                }
            } else {
                return;
            }
        }
    }

    fn send_ping(&mut self, now: u64) {
        if let Transport::Established { socket, .. } = self.transport {
            self.send(socket, ClientMessage::Ping.encode());
            self.timers.activity = None;
            self.timers.pong = Some(now + self.config.pong_timeout_ms);
        }
    }

    fn open_socket(&mut self, now: u64) {
        self.next_socket += 1;
        let socket = SocketHandle(self.next_socket);
        self.transport = Transport::Opening {
            socket,
            opened: false,
        };
        let base = self.config.connect_timeout_ms;
        self.timers.attempt = Some(now + (base << self.failures.min(2)));
        let mut url = self.config.endpoint.url(
            &self.config.app_key,
            self.use_tls,
            &self.config.client_name,
            &self.config.client_version,
        );
        if self.config.batching {
            url.push('&');
            url.push_str(batching::QUERY_PARAMETER);
            url.push_str("=1");
        }
        self.log(LogLevel::Debug, || format!("connecting to {url}"));
        self.queue
            .push_back(Queued::Ready(Output::Open { socket, url }));
    }

    fn close_transport(&mut self, code: u16, reason: &str) {
        let socket = match self.transport {
            Transport::Idle => return,
            Transport::Opening { socket, .. } | Transport::Established { socket, .. } => socket,
        };
        self.transport = Transport::Idle;
        self.timers.attempt = None;
        self.timers.activity = None;
        self.timers.pong = None;
        self.queue.push_back(Queued::Ready(Output::Close {
            socket,
            code,
            reason: reason.to_owned(),
        }));
    }

    fn apply_close_action(
        &mut self,
        now: u64,
        action: CloseAction,
        error: Option<(Option<u16>, String)>,
    ) {
        if let Some((code, message)) = error {
            self.emit_error(ErrorInfo::WebSocketClose { code, message });
        }
        match action {
            CloseAction::Refused => {
                self.timers = Timers::default();
                self.set_state(now, State::Disconnected, Payload::None);
            }
            CloseAction::TlsOnly => {
                self.use_tls = true;
                self.reconnect(now, Retry::Immediately);
            }
            CloseAction::Backoff => self.reconnect(now, Retry::AtLeastOneSecond),
            CloseAction::Retry => self.reconnect(now, Retry::Immediately),
        }
    }

    /// Schedules the next attempt; the transport is already idle.
    fn reconnect(&mut self, now: u64, retry: Retry) {
        if self.state == State::Connected {
            self.set_state(now, State::Connecting, Payload::None);
            self.timers.unavailable = Some(now + self.config.unavailable_timeout_ms);
        }
        let delay = match retry {
            Retry::Immediately if self.failures == 0 => {
                self.failures = 1;
                0
            }
            Retry::Immediately | Retry::Backoff => self.backoff(),
            Retry::AtLeastOneSecond => self.backoff().max(1_000),
        };
        if delay == 0 {
            self.open_socket(now);
        } else {
            self.emit_connection("connecting_in", Payload::ConnectingIn((delay + 500) / 1000));
            self.log(LogLevel::Info, || format!("reconnecting in {delay} ms"));
            self.timers.retry = Some(now + delay);
        }
    }

    fn backoff(&mut self) -> u64 {
        let policy = self.config.reconnect;
        let ceiling = policy
            .initial_delay_ms
            .saturating_mul(1u64 << self.failures.min(20))
            .min(policy.max_delay_ms);
        self.failures = self.failures.saturating_add(1);
        ceiling / 2 + self.rng.below(ceiling / 2 + 1)
    }

    fn set_state(&mut self, now: u64, new: State, payload: Payload) {
        let previous = self.state;
        if previous == new {
            return;
        }
        self.state = new;
        self.log(LogLevel::Debug, || {
            format!("state changed {} -> {}", previous.as_str(), new.as_str())
        });
        self.emit_connection(
            "state_change",
            Payload::StateChange {
                previous,
                current: new,
            },
        );
        if previous == State::Connected {
            self.user_cleanup(now);
        }
        match new {
            State::Connecting | State::Disconnected => self.reset_channels(),
            State::Connected => {
                self.subscribe_all(now);
                self.start_signin(now);
            }
            _ => {}
        }
        self.emit_connection(new.as_str(), payload);
    }

    fn reset_channels(&mut self) {
        // A channel unsubscribed while pending would otherwise come back on reconnect.
        self.channels.retain(|c| !c.cancelled);
        for channel in &mut self.channels {
            channel.disconnect();
        }
    }

    // ----- inbound frames ------------------------------------------------------------

    /// A text frame arrived on `socket`.
    pub fn handle_message(&mut self, now: u64, socket: SocketHandle, text: &str) {
        match self.transport {
            Transport::Opening { socket: s, .. } if s == socket => {
                self.handle_handshake(now, socket, text)
            }
            Transport::Established {
                socket: s, batched, ..
            } if s == socket => {
                self.timers.activity = Some(now + self.activity_timeout_ms);
                self.timers.pong = None;
                if batched {
                    for (index, frame) in batching::frames(text) {
                        self.frame_position = FramePosition::InBatch(index);
                        self.handle_frame(now, socket, frame);
                    }
                    self.frame_position = FramePosition::Whole;
                } else {
                    self.handle_frame(now, socket, text);
                }
            }
            _ => {}
        }
    }

    fn handle_handshake(&mut self, now: u64, socket: SocketHandle, text: &str) {
        let message = Frame::decode(text).and_then(ServerMessage::from_frame);
        match message {
            Ok(ServerMessage::ConnectionEstablished {
                socket_id,
                activity_timeout: Some(seconds),
                batching,
            }) => {
                self.transport = Transport::Established {
                    socket,
                    since: now,
                    batched: batching && self.config.batching,
                };
                self.timers.attempt = None;
                self.timers.retry = None;
                self.timers.unavailable = None;
                self.activity_timeout_ms = self
                    .config
                    .activity_timeout_ms
                    .min(seconds.saturating_mul(1000));
                self.timers.activity = Some(now + self.activity_timeout_ms);
                self.socket_id = Some(socket_id.clone());
                self.set_state(now, State::Connected, Payload::Connected { socket_id });
            }
            Ok(ServerMessage::Error { code, message }) => {
                self.close_transport(1000, "handshake refused");
                // pusher-js: an error without a code refuses the connection.
                let action = code.map_or(Some(CloseAction::Refused), CloseAction::for_code);
                match action {
                    Some(action) => self.apply_close_action(now, action, Some((code, message))),
                    None => self.reconnect(now, Retry::Backoff),
                }
            }
            other => {
                let reason = match other {
                    Err(e) => e.to_string(),
                    Ok(ServerMessage::ConnectionEstablished { .. }) => {
                        "No activity timeout specified in handshake".to_owned()
                    }
                    Ok(_) => "Invalid handshake".to_owned(),
                };
                self.emit_error(ErrorInfo::Handshake { message: reason });
                self.close_transport(1000, "invalid handshake");
                self.reconnect(now, Retry::AtLeastOneSecond);
            }
        }
    }

    fn handle_frame(&mut self, now: u64, socket: SocketHandle, text: &str) {
        if self.config.data_by_reference && self.route_by_reference(text) {
            return;
        }
        let frame = match Frame::decode(text) {
            Ok(frame) => frame,
            Err(e) => {
                self.emit_error(ErrorInfo::MessageParse {
                    message: e.to_string(),
                    data: text.to_owned(),
                });
                return;
            }
        };
        self.log(LogLevel::Debug, || format!("event received {text}"));
        let message_copy = self
            .connection
            .is_listening("message")
            .then(|| frame.clone());
        let is_protocol = frame.event.starts_with(events::PUSHER_PREFIX)
            || frame.event.starts_with(events::INTERNAL_PREFIX);
        if is_protocol {
            self.handle_protocol_frame(now, socket, frame);
        } else {
            self.route_event(frame);
        }
        if let Some(frame) = message_copy {
            self.emit_connection("message", Payload::Message(frame));
        }
    }

    /// Routes an ordinary event whose string data the front end reads from
    /// `text` itself; `false` (nothing done) for anything that needs the data
    /// here or does not decode, which then takes the full path.
    fn route_by_reference(&mut self, text: &str) -> bool {
        let Ok((frame, Some(_))) = Frame::decode_with_raw_data(text) else {
            return false;
        };
        let needs_data = frame.event.starts_with(events::PUSHER_PREFIX)
            || frame.event.starts_with(events::INTERNAL_PREFIX)
            || frame
                .channel
                .as_deref()
                .is_some_and(|c| ChannelKind::of(c) == ChannelKind::PrivateEncrypted)
            || self.connection.is_listening("message")
            || self.config.log_level == Some(LogLevel::Debug);
        if needs_data {
            return false;
        }
        self.route_event_with(frame, Some(Payload::FrameData));
        true
    }

    fn handle_protocol_frame(&mut self, now: u64, socket: SocketHandle, frame: Frame) {
        let copy = frame.clone();
        let message = match ServerMessage::from_frame(frame) {
            Ok(message) => message,
            Err(e) => {
                self.emit_error(ErrorInfo::MessageParse {
                    message: e.to_string(),
                    data: copy.encode(),
                });
                return;
            }
        };
        match message {
            ServerMessage::Ping => {
                self.send(socket, ClientMessage::Pong.encode());
                self.route_event(copy);
            }
            ServerMessage::Error { code, message } => {
                self.emit_error(ErrorInfo::Pusher { code, message });
                self.end_refused_subscription(copy.channel.as_deref());
                self.route_event(copy);
            }
            ServerMessage::SubscriptionSucceeded { channel, data } => {
                self.on_subscription_succeeded(now, &channel, data)
            }
            ServerMessage::SubscriptionCount {
                channel,
                subscription_count,
            } => {
                if let Some(ch) = self.channels.iter_mut().find(|c| c.name == channel) {
                    if subscription_count > 0 {
                        ch.subscription_count = Some(subscription_count);
                    }
                    let payload = copy
                        .data
                        .as_ref()
                        .map_or(Payload::None, |d| Payload::Data(d.as_text().to_owned()));
                    self.emit_channel(&channel, events::SUBSCRIPTION_COUNT, payload, None);
                }
            }
            ServerMessage::MemberAdded { channel, member } => {
                if let Some(ch) = self.presence_mut(&channel) {
                    let added = ch.members.add(member.user_id, member.user_info);
                    self.emit_channel(&channel, events::MEMBER_ADDED, Payload::Member(added), None);
                }
            }
            ServerMessage::MemberRemoved { channel, user_id } => {
                if let Some(ch) = self.presence_mut(&channel)
                    && let Some(removed) = ch.members.remove(&user_id)
                {
                    self.emit_channel(
                        &channel,
                        events::MEMBER_REMOVED,
                        Payload::Member(removed),
                        None,
                    );
                }
            }
            ServerMessage::SigninSuccess { user_data } => {
                self.on_signin_success(now, user_data);
                self.route_event(copy);
            }
            ServerMessage::WatchlistEvents(list) => {
                for event in list {
                    self.push_dispatch(
                        Target::Watchlist,
                        event.name.clone(),
                        Payload::Watchlist(event),
                        vec![Route {
                            target: Target::Watchlist,
                            metadata: None,
                        }],
                    );
                }
            }
            ServerMessage::Event(frame) if frame.event == events::SUBSCRIPTION_ERROR => {
                self.end_refused_subscription(frame.channel.as_deref());
                self.route_event(copy);
            }
            ServerMessage::Pong
            | ServerMessage::ConnectionEstablished { .. }
            | ServerMessage::Event(_) => self.route_event(copy),
        }
    }

    /// A server refused a subscription with a frame naming the channel
    /// (`pusher:error` or `pusher:subscription_error`, as Soketi-style servers
    /// send): it is no longer pending, so `subscribe` can try again. pusher-js
    /// leaves such a channel pending forever.
    fn end_refused_subscription(&mut self, channel: Option<&str>) {
        if let Some(ch) = channel.and_then(|name| self.channels.iter_mut().find(|c| c.name == name))
            && ch.pending
        {
            ch.pending = false;
            ch.auth_request = None;
            if ch.cancelled {
                let name = ch.name.clone();
                self.channels.retain(|c| c.name != name);
            }
        }
    }

    /// Delivers an ordinary (or unhandled protocol) event to its channel and to
    /// the global handlers, in pusher-js's order.
    fn route_event(&mut self, frame: Frame) {
        self.route_event_with(frame, None);
    }

    /// Routes an event; `by_reference` is its payload when the data stayed in
    /// the frame's text.
    fn route_event_with(&mut self, mut frame: Frame, by_reference: Option<Payload>) {
        let internal = frame.event.starts_with(events::INTERNAL_PREFIX);
        let protocol = internal || frame.event.starts_with(events::PUSHER_PREFIX);
        let data = frame.data.take();
        // The data moves into the payload (no copy: this runs for every event).
        let payload = |data: Option<Data>| match (by_reference, data) {
            (Some(payload), _) => payload,
            (None, Some(Data::String(text) | Data::Json(text))) => Payload::Data(text),
            (None, None) => Payload::None,
        };
        let mut routes = Vec::with_capacity(2);
        let mut source = Target::Global;
        if let Some(channel) = &frame.channel {
            if self.user.server_channel.as_deref() == Some(channel.as_str()) {
                if !internal {
                    routes.push(Route {
                        target: Target::Global,
                        metadata: None,
                    });
                }
                if !protocol {
                    routes.push(Route {
                        target: Target::User,
                        metadata: None,
                    });
                }
                if !routes.is_empty() {
                    self.push_frame_dispatch(Target::User, frame.event, payload(data), routes);
                }
                return;
            }
            if let Some(index) = self.channels.iter().position(|c| &c.name == channel) {
                let ch = &self.channels[index];
                if ch.kind == ChannelKind::PrivateEncrypted && !protocol {
                    let text = data.as_ref().map_or("", Data::as_text);
                    self.deliver_encrypted(index, &frame.event, text);
                } else if !internal {
                    let metadata = match ch.kind {
                        ChannelKind::Presence => Metadata {
                            user_id: frame.user_id.clone(),
                        },
                        _ => Metadata::default(),
                    };
                    source = Target::Channel(channel.clone());
                    routes.push(Route {
                        target: source.clone(),
                        metadata: Some(metadata),
                    });
                }
            }
        }
        if !internal {
            routes.push(Route {
                target: Target::Global,
                metadata: None,
            });
        }
        if !routes.is_empty() {
            self.push_frame_dispatch(source, frame.event, payload(data), routes);
        }
    }

    fn presence_mut(&mut self, channel: &str) -> Option<&mut ChannelState<H>> {
        self.channels
            .iter_mut()
            .find(|c| c.name == channel && c.kind == ChannelKind::Presence)
    }

    fn on_subscription_succeeded(&mut self, now: u64, channel: &str, data: Option<Data>) {
        if let Some(server_channel) = &self.user.server_channel
            && server_channel == channel
        {
            return;
        }
        let Some(index) = self.channels.iter().position(|c| c.name == channel) else {
            return;
        };
        let presence = if self.channels[index].kind == ChannelKind::Presence {
            match PresenceData::parse(data.as_ref().map_or("", Data::as_text)) {
                Ok(presence) => Some(presence),
                Err(e) => {
                    self.emit_error(ErrorInfo::MessageParse {
                        message: e.to_string(),
                        data: data.as_ref().map_or("", Data::as_text).to_owned(),
                    });
                    return;
                }
            }
        } else {
            None
        };
        let ch = &mut self.channels[index];
        ch.pending = false;
        ch.subscribed = true;
        ch.auth_request = None;
        if ch.cancelled {
            self.unsubscribe(now, channel);
            return;
        }
        let payload = match presence {
            Some(presence) => {
                ch.members.on_subscription(presence);
                Payload::Members
            }
            None => data.map_or(Payload::None, |d| Payload::Data(d.as_text().to_owned())),
        };
        self.emit_channel(channel, events::SUBSCRIPTION_SUCCEEDED, payload, None);
    }

    // ----- encrypted channels ------------------------------------------------------

    fn deliver_encrypted(&mut self, index: usize, event: &str, data: &str) {
        let name = self.channels[index].name.clone();
        let Some(key) = self.channels[index].key.clone() else {
            self.log(LogLevel::Debug, || {
                "Received encrypted event before key has been retrieved from the authEndpoint"
                    .to_owned()
            });
            return;
        };
        let sealed = match SealedPayload::parse(data) {
            Ok(sealed) => sealed,
            Err(e) => {
                self.log(LogLevel::Error, || {
                    format!("Unexpected format for encrypted event on {name} ({e}), got: {data}")
                });
                return;
            }
        };
        match sealed.open(&key) {
            Ok(plain) => self.emit_decrypted(&name, event, &plain),
            Err(_) => {
                let ch = &mut self.channels[index];
                if ch.undecrypted.len() >= MAX_UNDECRYPTED {
                    self.log(LogLevel::Error, || {
                        format!("Too many undecryptable events on {name}; dropping encrypted event")
                    });
                    return;
                }
                ch.undecrypted.push((event.to_owned(), sealed));
                if ch.reauth_request.is_none() {
                    self.log(LogLevel::Debug, || {
                        "Failed to decrypt an event, probably because it was encrypted with a different key. Fetching a new key from the authEndpoint...".to_owned()
                    });
                    if let Some(socket_id) = self.established_socket_id() {
                        let request = self.new_request(PendingRequest::Reauthorize {
                            channel: name.clone(),
                            socket_id: socket_id.clone(),
                        });
                        self.channels[index].reauth_request = Some(request);
                        self.queue
                            .push_back(Queued::Ready(Output::AuthorizeChannel {
                                request,
                                channel: name,
                                socket_id,
                            }));
                    }
                }
            }
        }
    }

    fn emit_decrypted(&mut self, channel: &str, event: &str, plain: &[u8]) {
        let text = String::from_utf8_lossy(plain).into_owned();
        self.push_dispatch(
            Target::Channel(channel.to_owned()),
            event.to_owned(),
            Payload::Data(text),
            vec![Route {
                target: Target::Channel(channel.to_owned()),
                metadata: None,
            }],
        );
    }

    // ----- subscriptions -------------------------------------------------------------

    /// Subscribes to `channel` (pusher-js `subscribe`). Subscribing again while
    /// an unsubscribe is pending reinstates the subscription.
    pub fn subscribe(&mut self, now: u64, channel: &str) -> Result<(), ClientError> {
        if channel.starts_with('#') {
            return Err(ClientError::BadChannelName(format!(
                "Cannot create a channel with name \"{channel}\"."
            )));
        }
        let index = match self.channels.iter().position(|c| c.name == channel) {
            Some(index) => index,
            None => {
                self.channels.push(ChannelState::new(channel));
                self.channels.len() - 1
            }
        };
        self.ensure_subscribed(now, index);
        Ok(())
    }

    fn ensure_subscribed(&mut self, now: u64, index: usize) {
        let ch = &mut self.channels[index];
        if ch.pending && ch.cancelled {
            ch.cancelled = false;
        } else if !ch.pending && self.state == State::Connected {
            self.start_subscription(now, index);
        }
    }

    fn subscribe_all(&mut self, now: u64) {
        for index in 0..self.channels.len() {
            self.ensure_subscribed(now, index);
        }
    }

    fn start_subscription(&mut self, _now: u64, index: usize) {
        let Some(socket_id) = self.established_socket_id() else {
            return;
        };
        let token = self.config.session_token.clone();
        let ch = &mut self.channels[index];
        if ch.subscribed {
            return;
        }
        ch.pending = true;
        ch.cancelled = false;
        let channel = ch.name.clone();
        match token {
            // A Lite session token authorizes every channel but encrypted ones,
            // which need a key only an auth endpoint can give.
            Some(token) if ch.kind != ChannelKind::PrivateEncrypted => {
                if ch.kind == ChannelKind::Presence {
                    ch.members.set_my_id(jwt::peek_subject(&token));
                }
                self.send_subscribe(channel, token, None);
            }
            _ if !ch.kind.needs_auth() => self.send_subscribe(channel, String::new(), None),
            _ => {
                let request = self.new_request(PendingRequest::Subscribe {
                    channel: channel.clone(),
                    socket_id: socket_id.clone(),
                });
                self.channels[index].auth_request = Some(request);
                self.queue
                    .push_back(Queued::Ready(Output::AuthorizeChannel {
                        request,
                        channel,
                        socket_id,
                    }));
            }
        }
    }

    fn send_subscribe(&mut self, channel: String, auth: String, channel_data: Option<String>) {
        if let Transport::Established { socket, .. } = self.transport {
            let text = ClientMessage::Subscribe {
                channel,
                auth,
                channel_data,
            }
            .encode();
            self.send(socket, text);
        }
    }

    /// Unsubscribes (pusher-js `unsubscribe`). While the subscription is pending,
    /// it is cancelled and undone when it succeeds.
    pub fn unsubscribe(&mut self, _now: u64, channel: &str) {
        let Some(index) = self.channels.iter().position(|c| c.name == channel) else {
            return;
        };
        if self.channels[index].pending {
            self.channels[index].cancelled = true;
            return;
        }
        let ch = self.channels.remove(index);
        if ch.subscribed
            && let Transport::Established { socket, .. } = self.transport
        {
            self.send(
                socket,
                ClientMessage::Unsubscribe { channel: ch.name }.encode(),
            );
        }
    }

    /// The answer to an [`Output::AuthorizeChannel`].
    pub fn handle_channel_authorization(
        &mut self,
        now: u64,
        request: RequestId,
        result: Result<ChannelAuthorization, AuthFailure>,
    ) {
        let Some(pending) = self.take_request(request) else {
            return;
        };
        let (channel, socket_id, reauthorize) = match pending {
            PendingRequest::Subscribe { channel, socket_id } => (channel, socket_id, false),
            PendingRequest::Reauthorize { channel, socket_id } => (channel, socket_id, true),
            PendingRequest::User { .. } => return,
        };
        if self.established_socket_id().as_deref() != Some(socket_id.as_str()) {
            return; // answered for a connection that is gone
        }
        let Some(index) = self.channels.iter().position(|c| c.name == channel) else {
            return;
        };
        if reauthorize {
            if self.channels[index].reauth_request == Some(request) {
                self.finish_reauthorization(index, result);
            }
            return;
        }
        if self.channels[index].auth_request != Some(request) {
            return;
        }
        self.channels[index].auth_request = None;
        match result {
            Err(failure) => self.fail_subscription(index, failure.message, failure.status),
            Ok(authorization) => self.complete_subscription(now, index, authorization),
        }
    }

    fn fail_subscription(&mut self, index: usize, error: String, status: Option<u16>) {
        let ch = &mut self.channels[index];
        ch.pending = false;
        let channel = ch.name.clone();
        self.log(LogLevel::Error, || error.clone());
        self.emit_channel(
            &channel,
            events::SUBSCRIPTION_ERROR,
            Payload::AuthError { error, status },
            None,
        );
    }

    fn complete_subscription(
        &mut self,
        now: u64,
        index: usize,
        mut authorization: ChannelAuthorization,
    ) {
        let (kind, channel) = (self.channels[index].kind, self.channels[index].name.clone());
        if kind == ChannelKind::PrivateEncrypted {
            match authorization
                .shared_secret
                .take()
                .map(|s| ChannelKey::from_base64(&s))
            {
                Some(Ok(key)) => self.channels[index].key = Some(key),
                Some(Err(e)) => {
                    return self.fail_subscription(
                        index,
                        format!("Invalid shared_secret in auth payload for encrypted channel: {channel} ({e})"),
                        None,
                    );
                }
                None => {
                    return self.fail_subscription(
                        index,
                        format!(
                            "No shared_secret key in auth payload for encrypted channel: {channel}"
                        ),
                        None,
                    );
                }
            }
        }
        if kind == ChannelKind::Presence {
            match authorization.channel_data.as_deref().map(MemberData::parse) {
                Some(Ok(member)) => self.channels[index].members.set_my_id(Some(member.user_id)),
                Some(Err(e)) => {
                    return self.fail_subscription(
                        index,
                        format!(
                            "Invalid channel_data in auth response for channel '{channel}': {e}"
                        ),
                        None,
                    );
                }
                None if self.user.id.is_some() => {
                    let id = self.user.id.clone();
                    self.channels[index].members.set_my_id(id);
                }
                None if self.user.signin_in_progress => {
                    self.channels[index].parked_auth = Some(authorization);
                    return;
                }
                None => {
                    return self.fail_subscription(
                        index,
                        format!(
                            "Invalid auth response for channel '{channel}', expected 'channel_data' field, or the user should be signed in."
                        ),
                        None,
                    );
                }
            }
        }
        let _ = now;
        self.send_subscribe(channel, authorization.auth, authorization.channel_data);
    }

    fn resume_parked(&mut self, now: u64) {
        for index in 0..self.channels.len() {
            if let Some(authorization) = self.channels[index].parked_auth.take() {
                self.complete_subscription(now, index, authorization);
            }
        }
    }

    fn finish_reauthorization(
        &mut self,
        index: usize,
        result: Result<ChannelAuthorization, AuthFailure>,
    ) {
        let ch = &mut self.channels[index];
        ch.reauth_request = None;
        let queued = std::mem::take(&mut ch.undecrypted);
        let name = ch.name.clone();
        let key = match result.map(|a| a.shared_secret.as_deref().map(ChannelKey::from_base64)) {
            Ok(Some(Ok(key))) => key,
            Ok(_) => {
                self.log(LogLevel::Error, || {
                    format!("No valid shared_secret in the new auth payload for {name}; dropping {} encrypted events", queued.len())
                });
                return;
            }
            Err(failure) => {
                self.log(LogLevel::Error, || {
                    format!(
                        "Failed to make a request to the authEndpoint: {}. Unable to fetch new key, so dropping encrypted event",
                        failure.message
                    )
                });
                return;
            }
        };
        self.channels[index].key = Some(key.clone());
        for (event, sealed) in queued {
            match sealed.open(&key) {
                Ok(plain) => self.emit_decrypted(&name, &event, &plain),
                Err(EncryptionError::Authentication) | Err(_) => self.log(LogLevel::Error, || {
                    "Failed to decrypt event with new key. Dropping encrypted event".to_owned()
                }),
            }
        }
    }

    // ----- client events -------------------------------------------------------------

    /// Triggers a client event on `channel` (pusher-js `channel.trigger`).
    /// Returns whether it was sent. Pusher rules: the name starts with
    /// `client-`; never on encrypted channels. With a Lite session token any
    /// name that is not reserved (`pusher:`, `pusher_internal:`) is allowed.
    pub fn trigger(
        &mut self,
        _now: u64,
        channel: &str,
        event: &str,
        data: Option<Data>,
    ) -> Result<bool, ClientError> {
        // Without a token, pusher-js's check and message; with one, any name
        // that is not reserved.
        if self.config.session_token.is_none() && !event.starts_with(events::CLIENT_PREFIX) {
            return Err(ClientError::BadEventName(format!(
                "Event '{event}' does not start with 'client-'"
            )));
        }
        if event.starts_with(events::PUSHER_PREFIX) || event.starts_with(events::INTERNAL_PREFIX) {
            return Err(ClientError::BadEventName(format!(
                "Event '{event}' uses a reserved prefix"
            )));
        }
        if ChannelKind::of(channel) == ChannelKind::PrivateEncrypted {
            return Err(ClientError::UnsupportedFeature(
                "Client events are not currently supported for encrypted channels".to_owned(),
            ));
        }
        if !self
            .channels
            .iter()
            .any(|c| c.name == channel && c.subscribed)
        {
            self.log(LogLevel::Warn, || {
                "Client event triggered before channel 'subscription_succeeded' event".to_owned()
            });
        }
        Ok(self.send_event(event, data, Some(channel)))
    }

    /// Sends any event (pusher-js `send_event`); `false` when not connected.
    pub fn send_event(&mut self, event: &str, data: Option<Data>, channel: Option<&str>) -> bool {
        match self.transport {
            Transport::Established { socket, .. } => {
                let text = frame::encode_client_event(event, data.as_ref(), channel);
                self.log(LogLevel::Debug, || format!("event sent {text}"));
                self.send(socket, text);
                true
            }
            _ => false,
        }
    }

    // ----- user sign-in --------------------------------------------------------------

    /// Signs the user in (pusher-js `signin`), now if connected, else on connect;
    /// and again after every reconnect.
    pub fn signin(&mut self, now: u64) {
        if self.user.signin_requested {
            return;
        }
        self.user.signin_requested = true;
        self.start_signin(now);
    }

    fn start_signin(&mut self, _now: u64) {
        if !self.user.signin_requested {
            return;
        }
        let Some(socket_id) = self.established_socket_id() else {
            return;
        };
        self.user.signin_in_progress = true;
        let request = self.new_request(PendingRequest::User {
            socket_id: socket_id.clone(),
        });
        self.user.request = Some(request);
        self.queue
            .push_back(Queued::Ready(Output::AuthenticateUser {
                request,
                socket_id,
            }));
    }

    /// The answer to an [`Output::AuthenticateUser`].
    pub fn handle_user_authentication(
        &mut self,
        now: u64,
        request: RequestId,
        result: Result<UserAuthentication, AuthFailure>,
    ) {
        let Some(PendingRequest::User { socket_id }) = self.take_request(request) else {
            return;
        };
        if self.user.request != Some(request)
            || self.established_socket_id().as_deref() != Some(socket_id.as_str())
        {
            return;
        }
        self.user.request = None;
        match result {
            Err(failure) => {
                self.log(LogLevel::Warn, || {
                    format!("Error during signin: {}", failure.message)
                });
                self.push_dispatch(
                    Target::User,
                    events::SIGNIN_ERROR.to_owned(),
                    Payload::AuthError {
                        error: failure.message,
                        status: failure.status,
                    },
                    vec![Route {
                        target: Target::User,
                        metadata: None,
                    }],
                );
                self.user_cleanup(now);
            }
            Ok(authentication) => {
                let text = ClientMessage::Signin {
                    auth: authentication.auth,
                    user_data: authentication.user_data,
                }
                .encode();
                if let Transport::Established { socket, .. } = self.transport {
                    self.send(socket, text);
                }
            }
        }
    }

    fn on_signin_success(&mut self, now: u64, user_data: String) {
        let Some(id) = auth::user_data_id(&user_data) else {
            self.log(LogLevel::Error, || {
                format!("user_data doesn't contain an id. user_data: {user_data}")
            });
            self.user_cleanup(now);
            return;
        };
        let channel = server_to_user_channel(&id);
        self.user.user_data = Some(user_data);
        self.user.id = Some(id);
        self.user.signin_in_progress = false;
        self.user.server_channel = Some(channel.clone());
        self.send_subscribe(channel, String::new(), None);
        self.resume_parked(now);
    }

    /// Forgets the signed-in user (pusher-js `_cleanup`); sign-in is retried on
    /// the next connect if it was requested.
    fn user_cleanup(&mut self, now: u64) {
        self.user.user_data = None;
        self.user.id = None;
        self.user.server_channel = None;
        self.user.request = None;
        let was_in_progress = std::mem::replace(&mut self.user.signin_in_progress, false);
        if was_in_progress {
            self.resume_parked(now);
        }
    }

    // ----- helpers -----------------------------------------------------------------

    fn established_socket_id(&self) -> Option<String> {
        match self.transport {
            Transport::Established { .. } => self.socket_id.clone(),
            _ => None,
        }
    }

    fn take_request(&mut self, request: RequestId) -> Option<PendingRequest> {
        let index = self.requests.iter().position(|(id, _)| *id == request)?;
        Some(self.requests.remove(index).1)
    }

    fn new_request(&mut self, pending: PendingRequest) -> RequestId {
        self.next_request += 1;
        let id = RequestId(self.next_request);
        self.requests.push((id, pending));
        id
    }

    fn send(&mut self, socket: SocketHandle, text: String) {
        self.queue
            .push_back(Queued::Ready(Output::Send { socket, text }));
    }

    fn push_dispatch(
        &mut self,
        source: Target,
        event: String,
        payload: Payload,
        routes: Vec<Route>,
    ) {
        self.queue.push_back(Queued::Dispatch(PendingDispatch {
            source,
            event,
            payload,
            routes,
            from_frame: None,
        }));
    }

    /// As [`push_dispatch`](Self::push_dispatch), for a payload that is the
    /// inbound frame's own `data`.
    fn push_frame_dispatch(
        &mut self,
        source: Target,
        event: String,
        payload: Payload,
        routes: Vec<Route>,
    ) {
        let from_frame =
            matches!(payload, Payload::Data(_) | Payload::FrameData).then_some(self.frame_position);
        self.queue.push_back(Queued::Dispatch(PendingDispatch {
            source,
            event,
            payload,
            routes,
            from_frame,
        }));
    }

    fn emit_connection(&mut self, event: &str, payload: Payload) {
        self.push_dispatch(
            Target::Connection,
            event.to_owned(),
            payload,
            vec![Route {
                target: Target::Connection,
                metadata: None,
            }],
        );
    }

    fn emit_channel(
        &mut self,
        channel: &str,
        event: &str,
        payload: Payload,
        metadata: Option<Metadata>,
    ) {
        let target = Target::Channel(channel.to_owned());
        self.push_dispatch(
            target.clone(),
            event.to_owned(),
            payload,
            vec![Route { target, metadata }],
        );
    }

    fn emit_error(&mut self, error: ErrorInfo) {
        self.log(LogLevel::Warn, || {
            let (kind, code, message) = match &error {
                ErrorInfo::Pusher { code, message } => ("PusherError", *code, message),
                ErrorInfo::WebSocketClose { code, message } => ("WebSocketError", *code, message),
                ErrorInfo::WebSocketTransport { message } => ("WebSocketError", None, message),
                ErrorInfo::MessageParse { message, .. } => ("MessageParseError", None, message),
                ErrorInfo::Handshake { message } => ("HandshakeError", None, message),
            };
            match code {
                Some(code) => format!("connection error: {kind} {code} {message}"),
                None => format!("connection error: {kind} {message}"),
            }
        });
        self.emit_connection("error", Payload::Error(error));
    }

    fn log(&mut self, level: LogLevel, message: impl FnOnce() -> String) {
        if self.config.log_level.is_some_and(|min| level >= min) {
            self.queue.push_back(Queued::Ready(Output::Log {
                level,
                message: message(),
            }));
        }
    }
}
