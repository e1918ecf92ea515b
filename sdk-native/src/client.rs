//! The native WebSocket client: a tokio task drives the core's sans-IO state
//! machine over tokio-tungstenite, fetches channel authorizations, calls bound
//! callbacks, and fans events out to streams. All protocol behaviour (states,
//! reconnects, resubscription, presence, decryption) comes from
//! `pusher_lite_core::client`; this module only does I/O.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::SinkExt;
use futures_util::stream::{SplitSink, Stream, StreamExt};
use pusher_lite_core::auth::{ChannelAuthorization, UserAuthentication};
use pusher_lite_core::client::{
    AuthFailure, CallKind, ClientConfig, ErrorInfo, LogLevel, Metadata, Output, Payload,
    ReconnectPolicy, RequestId, SocketHandle, State, Target,
};
use pusher_lite_core::frame::{Data, MemberData};
use pusher_lite_core::json;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::config::ServerAddress;
use crate::publisher::{Publisher, encode_component};
use crate::{Error, tls};

/// An event delivered to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The channel it arrived on (`None` for connection-wide events).
    pub channel: Option<String>,
    /// Where it was delivered: a channel, the signed-in user, or the watchlist.
    pub target: Target,
    /// The event name.
    pub name: String,
    /// The payload as text — JSON in the usual case; parse it if you can.
    /// Presence events carry `{"id","info"}`, `pusher:subscription_succeeded`
    /// on a presence channel carries `{"count","me","members"}`, and
    /// `pusher:subscription_error` carries `{"type":"AuthError","error","status"}`.
    pub data: Option<String>,
    /// The sender of a client event on a presence channel.
    pub user_id: Option<String>,
}

/// A change on the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionEvent {
    /// The state changed.
    StateChange {
        /// From.
        previous: State,
        /// To.
        current: State,
    },
    /// An error the protocol reports (the same shapes pusher-js emits).
    Error(ErrorInfo),
    /// The next attempt is this many seconds away.
    ConnectingIn(u64),
}

/// A presence member.
pub use pusher_lite_core::client::Member;

/// A presence channel's members at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembersSnapshot {
    /// How many.
    pub count: u64,
    /// This connection's own member.
    pub me: Option<Member>,
    /// Everyone, in pusher-js `each` order.
    pub members: Vec<Member>,
}

/// A channel's subscription flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelStatus {
    /// `subscription_succeeded` received.
    pub subscribed: bool,
    /// Subscription requested, not yet confirmed.
    pub pending: bool,
    /// Last `subscription_count` the server sent.
    pub subscription_count: Option<u64>,
}

type AuthFuture<T> = Pin<Box<dyn Future<Output = Result<T, AuthFailure>> + Send>>;
type ChannelAuthFn = dyn Fn(String, String) -> AuthFuture<ChannelAuthorization> + Send + Sync;
type UserAuthFn = dyn Fn(String) -> AuthFuture<UserAuthentication> + Send + Sync;

/// How the client authorizes private, presence and encrypted channels.
#[derive(Clone)]
pub enum ChannelAuthorizer {
    /// POST `socket_id=…&channel_name=…` (form) to an auth endpoint, as pusher-js does.
    Endpoint {
        /// The endpoint URL.
        url: String,
        /// Extra headers (e.g. a session cookie or bearer token).
        headers: Vec<(String, String)>,
        /// Extra form parameters.
        params: Vec<(String, String)>,
    },
    /// Your own function of `(socket_id, channel)`.
    Callback(Arc<ChannelAuthFn>),
}

impl std::fmt::Debug for ChannelAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChannelAuthorizer::Endpoint { url, .. } => {
                f.debug_struct("Endpoint").field("url", url).finish()
            }
            ChannelAuthorizer::Callback(_) => f.write_str("Callback"),
        }
    }
}

impl ChannelAuthorizer {
    /// An auth endpoint without extra headers or parameters.
    pub fn endpoint(url: impl Into<String>) -> Self {
        ChannelAuthorizer::Endpoint {
            url: url.into(),
            headers: Vec::new(),
            params: Vec::new(),
        }
    }

    /// An async function of `(socket_id, channel)`.
    pub fn callback<F, Fut>(f: F) -> Self
    where
        F: Fn(String, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ChannelAuthorization, AuthFailure>> + Send + 'static,
    {
        ChannelAuthorizer::Callback(Arc::new(move |socket_id, channel| {
            Box::pin(f(socket_id, channel))
        }))
    }

    /// Signs locally with a publisher's app secret — for trusted back-end
    /// subscribers. Presence channels join as `member`.
    pub fn publisher(publisher: Publisher, member: Option<MemberData>) -> Self {
        ChannelAuthorizer::callback(move |socket_id, channel| {
            let member = member.clone().filter(|_| channel.starts_with("presence-"));
            let result = publisher
                .authorize_channel(&socket_id, &channel, member.as_ref())
                .map_err(|e| AuthFailure {
                    status: None,
                    message: e.to_string(),
                });
            async move { result }
        })
    }
}

/// How the client authenticates the user for sign-in.
#[derive(Clone)]
pub enum UserAuthenticator {
    /// POST `socket_id=…` (form) to an endpoint, as pusher-js does.
    Endpoint {
        /// The endpoint URL.
        url: String,
        /// Extra headers.
        headers: Vec<(String, String)>,
    },
    /// Your own function of `socket_id`.
    Callback(Arc<UserAuthFn>),
}

impl std::fmt::Debug for UserAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserAuthenticator::Endpoint { url, .. } => {
                f.debug_struct("Endpoint").field("url", url).finish()
            }
            UserAuthenticator::Callback(_) => f.write_str("Callback"),
        }
    }
}

impl UserAuthenticator {
    /// An async function of `socket_id`.
    pub fn callback<F, Fut>(f: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<UserAuthentication, AuthFailure>> + Send + 'static,
    {
        UserAuthenticator::Callback(Arc::new(move |socket_id| Box::pin(f(socket_id))))
    }

    /// Signs locally with a publisher's app secret; `user_data` is JSON with an `id`.
    pub fn publisher(publisher: Publisher, user_data: String) -> Self {
        UserAuthenticator::callback(move |socket_id| {
            let result = publisher
                .authenticate_user(&socket_id, &user_data)
                .map_err(|e| AuthFailure {
                    status: None,
                    message: e.to_string(),
                });
            async move { result }
        })
    }
}

/// Identifies a bound callback, for [`Client::unbind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BindingId(u64);

type Callback = dyn Fn(&Event) + Send + Sync;

/// What the core routes: a callback and its id (ids make `unbind` exact).
#[derive(Clone)]
struct Handler {
    id: BindingId,
    callback: Arc<Callback>,
}

enum Command {
    Connect,
    Disconnect(oneshot::Sender<()>),
    Subscribe(String, oneshot::Sender<Result<(), Error>>),
    Unsubscribe(String),
    Trigger {
        channel: String,
        event: String,
        data: Option<String>,
        reply: oneshot::Sender<Result<bool, Error>>,
    },
    Signin,
    Bind {
        target: Target,
        event: Option<String>,
        handler: Handler,
        reply: oneshot::Sender<bool>,
    },
    Unbind(Target, BindingId),
    Members(String, oneshot::Sender<Option<MembersSnapshot>>),
    Channel(String, oneshot::Sender<Option<ChannelStatus>>),
    SocketId(oneshot::Sender<Option<String>>),
}

/// Configures a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    config: ClientConfig,
    roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    channel_authorizer: Option<ChannelAuthorizer>,
    user_authenticator: Option<UserAuthenticator>,
    auth_timeout: Duration,
}

impl ClientBuilder {
    /// The server: `host`, `host:port` or a URL.
    pub fn address(mut self, address: &str) -> Result<Self, Error> {
        self.config.endpoint = ServerAddress::parse(address)?.ws_endpoint();
        Ok(self)
    }

    /// Pusher's hosted cluster (`ws-{cluster}.pusher.com`, TLS).
    pub fn cluster(mut self, cluster: &str) -> Self {
        self.config.endpoint = pusher_lite_core::client::Endpoint::cluster(cluster);
        self
    }

    /// A path prefix before `/app/{key}` (pusher-js `wsPath`).
    pub fn path(mut self, path: &str) -> Self {
        self.config.endpoint.path = path.to_owned();
        self
    }

    /// How private, presence and encrypted channels are authorized.
    pub fn channel_authorizer(mut self, authorizer: ChannelAuthorizer) -> Self {
        self.channel_authorizer = Some(authorizer);
        self
    }

    /// How the user is authenticated for [`Client::signin`].
    pub fn user_authenticator(mut self, authenticator: UserAuthenticator) -> Self {
        self.user_authenticator = Some(authenticator);
        self
    }

    /// A Lite session token: authorizes every channel it lists and allows
    /// Lite client events.
    pub fn session_token(mut self, token: impl Into<String>) -> Self {
        self.config.session_token = Some(token.into());
        self
    }

    /// Ask the server for Lite frame batching, several events per WebSocket
    /// message under load (default on; a server without it ignores the request).
    pub fn batching(mut self, on: bool) -> Self {
        self.config.batching = on;
        self
    }

    /// Ping after this much silence (default 120 s; the server may ask for less).
    pub fn activity_timeout(mut self, timeout: Duration) -> Self {
        self.config.activity_timeout_ms = timeout.as_millis() as u64;
        self
    }

    /// Wait this long for a pong (default 30 s).
    pub fn pong_timeout(mut self, timeout: Duration) -> Self {
        self.config.pong_timeout_ms = timeout.as_millis() as u64;
        self
    }

    /// Reconnect spacing.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.config.reconnect = policy;
        self
    }

    /// The least severe core log line forwarded to `tracing` (default: warnings).
    pub fn log_level(mut self, level: Option<LogLevel>) -> Self {
        self.config.log_level = level;
        self
    }

    /// Also trusts this root certificate (PEM, or one DER certificate) for
    /// `wss://` and the auth endpoints: for a server behind a private CA.
    pub fn add_root_certificate(mut self, certificate: &[u8]) -> Result<Self, Error> {
        self.roots.extend(tls::parse_certificates(certificate)?);
        Ok(self)
    }

    /// Give up an authorization request after this long (default 10 s).
    pub fn auth_timeout(mut self, timeout: Duration) -> Self {
        self.auth_timeout = timeout;
        self
    }

    /// Starts the client's task on the current tokio runtime. It does not
    /// connect until [`Client::connect`].
    pub fn build(self) -> Result<Client, Error> {
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::Config("the client must be built inside a tokio runtime".into()))?;
        let mut config = self.config;
        let mut seed = [0u8; 8];
        tls::random_bytes(&mut seed)?;
        config.random_seed = u64::from_le_bytes(seed);
        let tls = tls::client_config(&self.roots)?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .timeout(self.auth_timeout)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(4096);
        let (connection_events, _) = broadcast::channel(256);
        let (state_tx, state) = watch::channel(State::Initialized);
        let driver = Driver {
            core: pusher_lite_core::client::Client::new(config),
            start: Instant::now(),
            sockets: HashMap::new(),
            events: events.clone(),
            connection_events: connection_events.clone(),
            state: state_tx,
            channel_authorizer: self.channel_authorizer,
            user_authenticator: self.user_authenticator,
            http,
            tls,
        };
        handle.spawn(driver.run(command_rx));
        Ok(Client {
            inner: Arc::new(ClientInner {
                commands,
                events,
                connection_events,
                state,
                next_binding: AtomicU64::new(1),
            }),
        })
    }
}

struct ClientInner {
    commands: mpsc::UnboundedSender<Command>,
    events: broadcast::Sender<Event>,
    connection_events: broadcast::Sender<ConnectionEvent>,
    state: watch::Receiver<State>,
    next_binding: AtomicU64,
}

/// A Pusher client. Cheap to clone; the connection closes when the last clone
/// is dropped or on [`disconnect`](Client::disconnect).
///
/// ```no_run
/// # async fn demo() -> Result<(), pusher_lite::Error> {
/// use futures_util::StreamExt;
/// use pusher_lite::Client;
/// let client = Client::builder("app-key").address("127.0.0.1:6001")?.build()?;
/// let mut events = client.events();
/// client.connect();
/// client.subscribe("general").await?;
/// while let Some(event) = events.next().await {
///     println!("{} {:?}", event.name, event.data);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state())
            .finish()
    }
}

/// A stream of items from the client's broadcast, skipping what a slow reader
/// missed (it is told through a `tracing` warning).
fn broadcast_stream<T: Clone + Send + 'static>(
    rx: broadcast::Receiver<T>,
) -> impl Stream<Item = T> + Send + Unpin {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(item) => return Some((item, rx)),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(
                        skipped = n,
                        "an event stream fell behind and skipped events"
                    )
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}

impl Client {
    /// A builder for the app `key`, with pusher-js's default timings.
    pub fn builder(key: &str) -> ClientBuilder {
        let mut config = ClientConfig::new(
            key,
            pusher_lite_core::client::Endpoint::host("127.0.0.1", 6001, false),
        );
        config.client_name = "pusher-lite-rust".to_owned();
        config.log_level = Some(LogLevel::Warn);
        ClientBuilder {
            config,
            roots: Vec::new(),
            channel_authorizer: None,
            user_authenticator: None,
            auth_timeout: Duration::from_secs(10),
        }
    }

    fn send(&self, command: Command) -> Result<(), Error> {
        self.inner.commands.send(command).map_err(|_| Error::Closed)
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, Error> {
        let (tx, rx) = oneshot::channel();
        self.send(make(tx))?;
        rx.await.map_err(|_| Error::Closed)
    }

    /// Connects (and keeps reconnecting until [`disconnect`](Self::disconnect)).
    pub fn connect(&self) {
        let _ = self.send(Command::Connect);
    }

    /// Disconnects; channels stay and are resubscribed by the next `connect`.
    pub async fn disconnect(&self) -> Result<(), Error> {
        self.ask(Command::Disconnect).await
    }

    /// The connection state now.
    pub fn state(&self) -> State {
        *self.inner.state.borrow()
    }

    /// Waits until the state is `state`, up to `timeout`; returns whether it was reached.
    pub async fn wait_for_state(&self, state: State, timeout: Duration) -> bool {
        let mut rx = self.inner.state.clone();
        tokio::time::timeout(timeout, rx.wait_for(|s| *s == state))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The current socket id, once connected.
    pub async fn socket_id(&self) -> Result<Option<String>, Error> {
        self.ask(Command::SocketId).await
    }

    /// Every event on every channel, the user and the watchlist.
    pub fn events(&self) -> impl Stream<Item = Event> + Send + Unpin + use<> {
        broadcast_stream(self.inner.events.subscribe())
    }

    /// State changes, errors and reconnect countdowns.
    pub fn connection_events(&self) -> impl Stream<Item = ConnectionEvent> + Send + Unpin + use<> {
        broadcast_stream(self.inner.connection_events.subscribe())
    }

    /// Subscribes to `channel` and returns its handle. The handle's first
    /// [`events`](Channel::events) stream sees everything from this call on.
    pub async fn subscribe(&self, channel: &str) -> Result<Channel, Error> {
        let first = self.inner.events.subscribe();
        self.ask(|reply| Command::Subscribe(channel.to_owned(), reply))
            .await??;
        Ok(Channel {
            name: channel.to_owned(),
            client: self.clone(),
            first_events: Arc::new(Mutex::new(Some(first))),
        })
    }

    /// Unsubscribes from `channel`.
    pub fn unsubscribe(&self, channel: &str) {
        let _ = self.send(Command::Unsubscribe(channel.to_owned()));
    }

    /// Signs the user in (now, and after every reconnect).
    pub fn signin(&self) {
        let _ = self.send(Command::Signin);
    }

    /// Calls `callback` for `event` on `target` (all channels: [`Target::Global`]).
    /// Callbacks run on the client's task: keep them short, never block.
    pub async fn bind(
        &self,
        target: Target,
        event: &str,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Result<BindingId, Error> {
        self.bind_inner(target, Some(event.to_owned()), Arc::new(callback))
            .await
    }

    /// Calls `callback` for every event on `target`.
    pub async fn bind_global(
        &self,
        target: Target,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Result<BindingId, Error> {
        self.bind_inner(target, None, Arc::new(callback)).await
    }

    async fn bind_inner(
        &self,
        target: Target,
        event: Option<String>,
        callback: Arc<Callback>,
    ) -> Result<BindingId, Error> {
        let id = BindingId(self.inner.next_binding.fetch_add(1, Ordering::Relaxed));
        let handler = Handler { id, callback };
        let bound = self
            .ask(|reply| Command::Bind {
                target: target.clone(),
                event,
                handler,
                reply,
            })
            .await?;
        if bound {
            Ok(id)
        } else {
            Err(Error::Config(format!(
                "cannot bind on {target:?}: not subscribed"
            )))
        }
    }

    /// Removes a binding.
    pub fn unbind(&self, target: Target, binding: BindingId) {
        let _ = self.send(Command::Unbind(target, binding));
    }

    /// A presence channel's members.
    pub async fn members(&self, channel: &str) -> Result<Option<MembersSnapshot>, Error> {
        self.ask(|reply| Command::Members(channel.to_owned(), reply))
            .await
    }

    /// A channel's subscription flags (`None` if not subscribed).
    pub async fn channel_status(&self, channel: &str) -> Result<Option<ChannelStatus>, Error> {
        self.ask(|reply| Command::Channel(channel.to_owned(), reply))
            .await
    }
}

/// A subscribed channel.
#[derive(Clone)]
pub struct Channel {
    name: String,
    client: Client,
    first_events: Arc<Mutex<Option<broadcast::Receiver<Event>>>>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").field("name", &self.name).finish()
    }
}

impl Channel {
    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This channel's events. The first stream taken from a new handle starts
    /// at the subscription; later ones start when taken.
    pub fn events(&self) -> impl Stream<Item = Event> + Send + Unpin + use<> {
        let rx = self
            .first_events
            .lock()
            .ok()
            .and_then(|mut first| first.take())
            .unwrap_or_else(|| self.client.inner.events.subscribe());
        let name = self.name.clone();
        broadcast_stream(rx)
            .filter(move |e| std::future::ready(e.channel.as_deref() == Some(name.as_str())))
    }

    /// Calls `callback` for `event` on this channel.
    pub async fn bind(
        &self,
        event: &str,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> Result<BindingId, Error> {
        self.client
            .bind(Target::Channel(self.name.clone()), event, callback)
            .await
    }

    /// Triggers a client event (`client-*`; any non-reserved name with a Lite
    /// session token). `data` is JSON text. Returns whether it was sent.
    pub async fn trigger(&self, event: &str, data: &str) -> Result<bool, Error> {
        self.client
            .ask(|reply| Command::Trigger {
                channel: self.name.clone(),
                event: event.to_owned(),
                data: Some(data.to_owned()),
                reply,
            })
            .await?
    }

    /// The members, if this is a presence channel.
    pub async fn members(&self) -> Result<Option<MembersSnapshot>, Error> {
        self.client.members(&self.name).await
    }

    /// The subscription flags.
    pub async fn status(&self) -> Result<Option<ChannelStatus>, Error> {
        self.client.channel_status(&self.name).await
    }
}

// ----- the driver task ------------------------------------------------------------------

type WsStream = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

enum SocketEvent {
    Opened(SplitSink<WsStream, Message>),
    Text(String),
    Closed(u16, String),
    Failed(String),
}

enum Internal {
    Socket(SocketHandle, SocketEvent),
    ChannelAuth(RequestId, Result<ChannelAuthorization, AuthFailure>),
    UserAuth(RequestId, Result<UserAuthentication, AuthFailure>),
}

struct SocketSlot {
    sink: Option<SplitSink<WsStream, Message>>,
    task: tokio::task::JoinHandle<()>,
}

struct Driver {
    core: pusher_lite_core::client::Client<Handler>,
    start: Instant,
    sockets: HashMap<SocketHandle, SocketSlot>,
    events: broadcast::Sender<Event>,
    connection_events: broadcast::Sender<ConnectionEvent>,
    state: watch::Sender<State>,
    channel_authorizer: Option<ChannelAuthorizer>,
    user_authenticator: Option<UserAuthenticator>,
    http: reqwest::Client,
    tls: Arc<rustls::ClientConfig>,
}

impl Driver {
    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let (internal_tx, mut internal) = mpsc::unbounded_channel::<Internal>();
        loop {
            self.drain(&internal_tx).await;
            let deadline = self
                .core
                .poll_timeout()
                .map(|ms| self.start + Duration::from_millis(ms));
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.command(command),
                    None => {
                        // Every handle is gone: close and stop.
                        let now = self.now();
                        self.core.disconnect(now);
                        self.drain(&internal_tx).await;
                        return;
                    }
                },
                Some(message) = internal.recv() => self.internal(message),
                () = sleep_until(deadline) => {
                    let now = self.now();
                    self.core.handle_timeout(now);
                }
            }
        }
    }

    fn command(&mut self, command: Command) {
        let now = self.now();
        match command {
            Command::Connect => self.core.connect(now),
            Command::Disconnect(reply) => {
                self.core.disconnect(now);
                let _ = reply.send(());
            }
            Command::Subscribe(channel, reply) => {
                let _ = reply.send(self.core.subscribe(now, &channel).map_err(Error::from));
            }
            Command::Unsubscribe(channel) => self.core.unsubscribe(now, &channel),
            Command::Trigger {
                channel,
                event,
                data,
                reply,
            } => {
                let data = match data.as_deref().map(json::parse) {
                    Some(Ok(_)) => data.map(Data::json),
                    Some(Err(_)) => data.map(Data::string),
                    None => None,
                };
                let _ = reply.send(
                    self.core
                        .trigger(now, &channel, &event, data)
                        .map_err(Error::from),
                );
            }
            Command::Signin => self.core.signin(now),
            Command::Bind {
                target,
                event,
                handler,
                reply,
            } => {
                let bound = match event {
                    Some(event) => self.core.bind(&target, &event, handler),
                    None => self.core.bind_global(&target, handler),
                };
                let _ = reply.send(bound);
            }
            Command::Unbind(target, id) => {
                if let Some(dispatcher) = self.core.dispatcher_mut(&target) {
                    dispatcher.unbind(None, Some(&mut |h: &Handler| h.id == id));
                    dispatcher.unbind_global(Some(&mut |h: &Handler| h.id == id));
                }
            }
            Command::Members(channel, reply) => {
                let snapshot = self.core.members(&channel).map(|m| MembersSnapshot {
                    count: m.count(),
                    me: m.me().cloned(),
                    members: m.each(),
                });
                let _ = reply.send(snapshot);
            }
            Command::Channel(channel, reply) => {
                let status = self.core.channel(&channel).map(|c| ChannelStatus {
                    subscribed: c.subscribed,
                    pending: c.subscription_pending,
                    subscription_count: c.subscription_count,
                });
                let _ = reply.send(status);
            }
            Command::SocketId(reply) => {
                let id = (self.core.state() == State::Connected)
                    .then(|| self.core.socket_id().map(str::to_owned))
                    .flatten();
                let _ = reply.send(id);
            }
        }
    }

    fn internal(&mut self, message: Internal) {
        let now = self.now();
        match message {
            Internal::Socket(socket, event) => match event {
                SocketEvent::Opened(sink) => {
                    if let Some(slot) = self.sockets.get_mut(&socket) {
                        slot.sink = Some(sink);
                        self.core.handle_open(now, socket);
                    }
                }
                SocketEvent::Text(text) => self.core.handle_message(now, socket, &text),
                SocketEvent::Closed(code, reason) => {
                    self.sockets.remove(&socket);
                    self.core.handle_close(now, socket, code, &reason);
                }
                SocketEvent::Failed(message) => {
                    self.sockets.remove(&socket);
                    self.core.handle_error(now, socket, &message);
                    self.core.handle_close(now, socket, 1006, &message);
                }
            },
            Internal::ChannelAuth(request, result) => {
                self.core.handle_channel_authorization(now, request, result)
            }
            Internal::UserAuth(request, result) => {
                self.core.handle_user_authentication(now, request, result)
            }
        }
    }

    async fn drain(&mut self, internal: &mpsc::UnboundedSender<Internal>) {
        while let Some(output) = self.core.poll() {
            match output {
                Output::Open { socket, url } => self.open(socket, url, internal.clone()),
                Output::Send { socket, text } => {
                    if let Some(sink) = self.sockets.get_mut(&socket).and_then(|s| s.sink.as_mut())
                        && let Err(e) = sink.send(Message::text(text)).await
                    {
                        tracing::debug!(error = %e, "send failed; the reader will report the close");
                    }
                }
                Output::Close {
                    socket,
                    code,
                    reason,
                } => {
                    if let Some(mut slot) = self.sockets.remove(&socket) {
                        slot.task.abort();
                        if let Some(mut sink) = slot.sink.take() {
                            tokio::spawn(async move {
                                let frame = CloseFrame {
                                    code: CloseCode::from(code),
                                    reason: reason.into(),
                                };
                                let _ = tokio::time::timeout(
                                    Duration::from_secs(2),
                                    sink.send(Message::Close(Some(frame))),
                                )
                                .await;
                            });
                        }
                    }
                }
                Output::AuthorizeChannel {
                    request,
                    channel,
                    socket_id,
                } => self.authorize(request, channel, socket_id, internal.clone()),
                Output::AuthenticateUser { request, socket_id } => {
                    self.authenticate(request, socket_id, internal.clone())
                }
                Output::Dispatch(dispatch) => self.deliver(dispatch),
                Output::Log { level, message } => match level {
                    LogLevel::Debug => tracing::debug!("{message}"),
                    LogLevel::Info => tracing::info!("{message}"),
                    LogLevel::Warn => tracing::warn!("{message}"),
                    LogLevel::Error => tracing::error!("{message}"),
                },
            }
        }
        let state = self.core.state();
        self.state
            .send_if_modified(|s| std::mem::replace(s, state) != state);
    }

    fn open(
        &mut self,
        socket: SocketHandle,
        url: String,
        internal: mpsc::UnboundedSender<Internal>,
    ) {
        let connector = Connector::Rustls(self.tls.clone());
        let task = tokio::spawn(async move {
            let report = |event| {
                let _ = internal.send(Internal::Socket(socket, event));
            };
            let (ws, _) = match tokio_tungstenite::connect_async_tls_with_config(
                url.as_str(),
                None,
                false,
                Some(connector),
            )
            .await
            {
                Ok(connected) => connected,
                Err(e) => {
                    // Visible at info: a TLS or DNS problem is a configuration to fix.
                    tracing::info!(%url, error = %e, "connection attempt failed");
                    return report(SocketEvent::Failed(e.to_string()));
                }
            };
            let (sink, mut stream) = ws.split();
            report(SocketEvent::Opened(sink));
            while let Some(message) = stream.next().await {
                match message {
                    Ok(Message::Text(text)) => report(SocketEvent::Text(text.to_string())),
                    Ok(Message::Close(frame)) => {
                        let (code, reason) = frame.map_or((1005, String::new()), |f| {
                            (u16::from(f.code), f.reason.to_string())
                        });
                        return report(SocketEvent::Closed(code, reason));
                    }
                    Ok(_) => {} // binary frames are not part of the protocol; pings are answered by tungstenite
                    Err(e) => return report(SocketEvent::Failed(e.to_string())),
                }
            }
            report(SocketEvent::Closed(1006, "connection lost".into()));
        });
        self.sockets.insert(socket, SocketSlot { sink: None, task });
    }

    fn authorize(
        &self,
        request: RequestId,
        channel: String,
        socket_id: String,
        internal: mpsc::UnboundedSender<Internal>,
    ) {
        let Some(authorizer) = self.channel_authorizer.clone() else {
            let failure = AuthFailure {
                status: None,
                message: format!(
                    "{channel} needs authorization, but no channel authorizer is configured"
                ),
            };
            let _ = internal.send(Internal::ChannelAuth(request, Err(failure)));
            return;
        };
        let http = self.http.clone();
        tokio::spawn(async move {
            let result = match authorizer {
                ChannelAuthorizer::Callback(f) => f(socket_id, channel).await,
                ChannelAuthorizer::Endpoint {
                    url,
                    headers,
                    params,
                } => {
                    let mut form = vec![
                        ("socket_id".to_owned(), socket_id),
                        ("channel_name".to_owned(), channel),
                    ];
                    form.extend(params);
                    post_form(&http, &url, &headers, &form, "channel-authorization")
                        .await
                        .and_then(|text| {
                            ChannelAuthorization::from_json(&text).map_err(|e| AuthFailure {
                                status: Some(200),
                                message: format!("JSON returned from channel-authorization endpoint was invalid ({e})"),
                            })
                        })
                }
            };
            let _ = internal.send(Internal::ChannelAuth(request, result));
        });
    }

    fn authenticate(
        &self,
        request: RequestId,
        socket_id: String,
        internal: mpsc::UnboundedSender<Internal>,
    ) {
        let Some(authenticator) = self.user_authenticator.clone() else {
            let failure = AuthFailure {
                status: None,
                message: "signin needs a user authenticator, but none is configured".into(),
            };
            let _ = internal.send(Internal::UserAuth(request, Err(failure)));
            return;
        };
        let http = self.http.clone();
        tokio::spawn(async move {
            let result = match authenticator {
                UserAuthenticator::Callback(f) => f(socket_id).await,
                UserAuthenticator::Endpoint { url, headers } => post_form(
                    &http,
                    &url,
                    &headers,
                    &[("socket_id".to_owned(), socket_id)],
                    "user-authentication",
                )
                .await
                .and_then(|text| {
                    UserAuthentication::from_json(&text).map_err(|e| AuthFailure {
                        status: Some(200),
                        message: format!(
                            "JSON returned from user-authentication endpoint was invalid ({e})"
                        ),
                    })
                }),
            };
            let _ = internal.send(Internal::UserAuth(request, result));
        });
    }

    fn deliver(&self, dispatch: pusher_lite_core::client::Dispatch<Handler>) {
        let channel = match &dispatch.source {
            Target::Channel(name) => Some(name.clone()),
            _ => None,
        };
        if dispatch.source == Target::Connection {
            let event = match &dispatch.payload {
                Payload::StateChange { previous, current } => Some(ConnectionEvent::StateChange {
                    previous: *previous,
                    current: *current,
                }),
                Payload::Error(e) => Some(ConnectionEvent::Error(e.clone())),
                Payload::ConnectingIn(s) => Some(ConnectionEvent::ConnectingIn(*s)),
                _ => None,
            };
            if let Some(event) = event {
                let _ = self.connection_events.send(event);
            }
        }
        let data = match &dispatch.payload {
            // Only with `ClientConfig::data_by_reference`, which this client leaves off.
            Payload::None | Payload::FrameData => None,
            Payload::Data(text) => Some(text.clone()),
            Payload::Members => channel.as_deref().and_then(|c| self.core.members(c)).map(|m| {
                let list: Vec<serde_json::Value> = m.each().iter().map(member_json).collect();
                serde_json::json!({"count": m.count(), "me": m.me().map(member_json), "members": list}).to_string()
            }),
            Payload::Member(m) => Some(member_json(m).to_string()),
            Payload::AuthError { error, status } => {
                Some(serde_json::json!({"type": "AuthError", "error": error, "status": status}).to_string())
            }
            Payload::Watchlist(w) => Some(serde_json::json!({"name": w.name, "user_ids": w.user_ids}).to_string()),
            Payload::Connected { socket_id } => Some(serde_json::json!({ "socket_id": socket_id }).to_string()),
            Payload::Message(frame) => Some(frame.encode()),
            Payload::StateChange { previous, current } => {
                Some(serde_json::json!({"previous": previous.as_str(), "current": current.as_str()}).to_string())
            }
            Payload::ConnectingIn(s) => Some(s.to_string()),
            Payload::Error(e) => Some(format!("{e:?}")),
        };
        let event = Event {
            channel,
            target: dispatch.source.clone(),
            name: dispatch.event.clone(),
            data,
            user_id: dispatch
                .metadata
                .as_ref()
                .and_then(|m: &Metadata| m.user_id.clone()),
        };
        for call in &dispatch.calls {
            let mut delivered = event.clone();
            if let CallKind::Event(metadata) = &call.kind {
                delivered.user_id = metadata.as_ref().and_then(|m| m.user_id.clone());
            }
            let callback = call.handler.callback.clone();
            if std::panic::catch_unwind(AssertUnwindSafe(|| callback(&delivered))).is_err() {
                tracing::error!(event = %delivered.name, "an event callback panicked; the client carries on");
            }
        }
        if dispatch.source != Target::Connection {
            let _ = self.events.send(event);
        }
    }
}

fn member_json(m: &Member) -> serde_json::Value {
    let info = m
        .info
        .as_deref()
        .and_then(|i| serde_json::from_str(i).ok())
        .unwrap_or(serde_json::Value::Null);
    serde_json::json!({"id": m.id, "info": info})
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

async fn post_form(
    http: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    form: &[(String, String)],
    kind: &str,
) -> Result<String, AuthFailure> {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    let mut request = http
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.join("&"));
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(|e| AuthFailure {
        status: None,
        message: format!("{kind} request to {url} failed: {e}"),
    })?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if status != 200 {
        return Err(AuthFailure {
            status: Some(status),
            message: format!(
                "Unable to retrieve auth string from {kind} endpoint - received status: {status} from {url}"
            ),
        });
    }
    Ok(text)
}
