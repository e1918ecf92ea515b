//! The WebSocket client: a builder, the client, listener interfaces the
//! foreign language implements, and a cancellable handle per registration.
//!
//! Delivery: for each registration a task on the SDK runtime reads the native
//! client's event stream and queues calls to the listener; one dispatcher
//! thread per client makes those calls, in order. Foreign code therefore never
//! runs on the runtime's threads (it may block, or call blocking SDK methods),
//! and [`Client::shutdown`] can join the one thread that calls it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;

use futures_util::StreamExt;
use pusher_lite::core::client::ErrorInfo;
use pusher_lite::core::protocol::events;
use pusher_lite::{AuthFailure, Target};

use crate::PusherError;
use crate::publisher::{MemberData, Publisher};
use crate::runtime::{block_on, runtime, spawn};

/// The connection's state (pusher-js's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConnectionState {
    /// Not yet asked to connect.
    Initialized,
    /// Trying to connect (also between reconnect attempts).
    Connecting,
    /// Connected, with a socket id.
    Connected,
    /// Still trying after the unavailable timeout.
    Unavailable,
    /// No transport is supported.
    Failed,
    /// Disconnected on request, or refused by the server.
    Disconnected,
}

impl From<pusher_lite::State> for ConnectionState {
    fn from(s: pusher_lite::State) -> Self {
        use pusher_lite::State as S;
        match s {
            S::Initialized => ConnectionState::Initialized,
            S::Connecting => ConnectionState::Connecting,
            S::Connected => ConnectionState::Connected,
            S::Unavailable => ConnectionState::Unavailable,
            S::Failed => ConnectionState::Failed,
            S::Disconnected => ConnectionState::Disconnected,
        }
    }
}

impl From<ConnectionState> for pusher_lite::State {
    fn from(s: ConnectionState) -> Self {
        use pusher_lite::State as S;
        match s {
            ConnectionState::Initialized => S::Initialized,
            ConnectionState::Connecting => S::Connecting,
            ConnectionState::Connected => S::Connected,
            ConnectionState::Unavailable => S::Unavailable,
            ConnectionState::Failed => S::Failed,
            ConnectionState::Disconnected => S::Disconnected,
        }
    }
}

/// An error the connection reports (the shapes pusher-js emits).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ConnectionError {
    /// A `pusher:error`, or a close code.
    Pusher {
        /// Protocol or close code.
        code: Option<u16>,
        /// Description.
        reason: String,
    },
    /// The close behind a reconnect decision.
    WebSocketClose {
        /// Protocol or close code.
        code: Option<u16>,
        /// Description.
        reason: String,
    },
    /// The transport failed.
    Transport {
        /// What the transport said.
        reason: String,
    },
    /// A frame that does not decode.
    MessageParse {
        /// Why.
        reason: String,
        /// The frame.
        data: String,
    },
    /// The first message was not a valid handshake.
    Handshake {
        /// Why.
        reason: String,
    },
}

impl From<ErrorInfo> for ConnectionError {
    fn from(e: ErrorInfo) -> Self {
        match e {
            ErrorInfo::Pusher { code, message } => ConnectionError::Pusher {
                code,
                reason: message,
            },
            ErrorInfo::WebSocketClose { code, message } => ConnectionError::WebSocketClose {
                code,
                reason: message,
            },
            ErrorInfo::WebSocketTransport { message } => {
                ConnectionError::Transport { reason: message }
            }
            ErrorInfo::MessageParse { message, data } => ConnectionError::MessageParse {
                reason: message,
                data,
            },
            ErrorInfo::Handshake { message } => ConnectionError::Handshake { reason: message },
        }
    }
}

/// An event delivered to a listener.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Event {
    /// The channel it arrived on (`None` for events to the signed-in user).
    pub channel: Option<String>,
    /// The event name.
    pub name: String,
    /// The payload as text — JSON in the usual case.
    pub data: Option<String>,
    /// The sender of a client event on a presence channel.
    pub user_id: Option<String>,
}

impl From<pusher_lite::Event> for Event {
    fn from(e: pusher_lite::Event) -> Self {
        Event {
            channel: e.channel,
            name: e.name,
            data: e.data,
            user_id: e.user_id,
        }
    }
}

/// A presence member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Member {
    /// The user's id.
    pub id: String,
    /// The user's info as JSON text.
    pub info: Option<String>,
}

impl From<pusher_lite::Member> for Member {
    fn from(m: pusher_lite::Member) -> Self {
        Member {
            id: m.id,
            info: m.info,
        }
    }
}

/// A presence channel's members at one moment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Members {
    /// How many.
    pub count: u64,
    /// This connection's own member.
    pub me: Option<Member>,
    /// Everyone, in pusher-js `each` order.
    pub members: Vec<Member>,
}

impl From<pusher_lite::MembersSnapshot> for Members {
    fn from(m: pusher_lite::MembersSnapshot) -> Self {
        Members {
            count: m.count,
            me: m.me.map(Into::into),
            members: m.members.into_iter().map(Into::into).collect(),
        }
    }
}

/// A channel's subscription flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ChannelStatus {
    /// `subscription_succeeded` received.
    pub subscribed: bool,
    /// Subscription requested, not yet confirmed.
    pub pending: bool,
    /// Last `subscription_count` the server sent.
    pub subscription_count: Option<u64>,
}

impl From<pusher_lite::ChannelStatus> for ChannelStatus {
    fn from(s: pusher_lite::ChannelStatus) -> Self {
        ChannelStatus {
            subscribed: s.subscribed,
            pending: s.pending,
            subscription_count: s.subscription_count,
        }
    }
}

// ----- what the foreign language implements -----------------------------------------------

/// Told about the connection. Called on the client's dispatcher thread.
/// Raising an exception is reported back as [`PusherError::Listener`] and
/// recorded in [`Client::listener_errors`]; delivery goes on.
#[uniffi::export(with_foreign)]
pub trait ConnectionListener: Send + Sync {
    /// The state changed.
    fn on_state_change(
        &self,
        previous: ConnectionState,
        current: ConnectionState,
    ) -> Result<(), PusherError>;
    /// The connection reported an error.
    fn on_error(&self, error: ConnectionError) -> Result<(), PusherError>;
}

/// Told about one channel. Called on the client's dispatcher thread, in the
/// order things happened.
#[uniffi::export(with_foreign)]
pub trait ChannelListener: Send + Sync {
    /// The subscription succeeded; presence channels bring their members.
    fn on_subscribed(&self, channel: String, members: Option<Members>) -> Result<(), PusherError>;
    /// The subscription was refused (authorization failed).
    fn on_subscription_error(
        &self,
        channel: String,
        status: Option<u16>,
        reason: String,
    ) -> Result<(), PusherError>;
    /// An event arrived on the channel.
    fn on_event(&self, event: Event) -> Result<(), PusherError>;
    /// Someone joined the presence channel.
    fn on_member_added(&self, channel: String, member: Member) -> Result<(), PusherError>;
    /// Someone left the presence channel.
    fn on_member_removed(&self, channel: String, member: Member) -> Result<(), PusherError>;
}

/// Told about events (the signed-in user's, or every event the client gets).
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    /// An event arrived.
    fn on_event(&self, event: Event) -> Result<(), PusherError>;
}

/// Authorizes private, presence and encrypted channels in the foreign
/// language: return the auth endpoint's JSON body (`{"auth": …}`), or raise
/// (`PusherError.Http` keeps its status). Called on a thread of its own.
#[uniffi::export(with_foreign)]
pub trait ChannelAuthorizer: Send + Sync {
    /// The authorization for `socket_id` on `channel`, as JSON text.
    fn authorize(&self, socket_id: String, channel: String) -> Result<String, PusherError>;
}

/// Authenticates the user for sign-in in the foreign language: return the
/// user-auth endpoint's JSON body (`{"auth", "user_data"}`).
#[uniffi::export(with_foreign)]
pub trait UserAuthenticator: Send + Sync {
    /// The authentication for `socket_id`, as JSON text.
    fn authenticate(&self, socket_id: String) -> Result<String, PusherError>;
}

// ----- the dispatcher ------------------------------------------------------------------------

type Job = Box<dyn FnOnce() -> Result<(), PusherError> + Send>;

/// How many listener errors a client remembers.
const KEPT_ERRORS: usize = 100;

/// State shared by a client and its handles.
struct Shared {
    native: pusher_lite::Client,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
    dispatcher_id: ThreadId,
    errors: Arc<Mutex<Vec<String>>>,
    handles: Mutex<Vec<Arc<Registration>>>,
    helper_threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    shut_down: AtomicBool,
}

impl Shared {
    fn check_open(&self) -> Result<(), PusherError> {
        if self.shut_down.load(Ordering::SeqCst) {
            Err(PusherError::Closed {
                reason: "the client was shut down".into(),
            })
        } else {
            Ok(())
        }
    }

    /// Queues a call for the dispatcher thread; false once shut down.
    fn queue(&self, job: Job) -> bool {
        match self.jobs.lock() {
            Ok(jobs) => jobs.as_ref().is_some_and(|tx| tx.send(job).is_ok()),
            Err(_) => false,
        }
    }

    /// Starts forwarding `stream` to the dispatcher until `registration` is
    /// cancelled; `deliver` turns an item into a listener call.
    fn forward<T, S, F>(self: &Arc<Self>, registration: &Arc<Registration>, stream: S, deliver: F)
    where
        T: Send + 'static,
        S: futures_util::Stream<Item = T> + Send + Unpin + 'static,
        F: Fn(T) -> Option<Job> + Send + 'static,
    {
        let shared = Arc::downgrade(self);
        let owner = registration.clone();
        let mut stream = stream;
        let task = match runtime() {
            Ok(rt) => rt.spawn(async move {
                while let Some(item) = stream.next().await {
                    if owner.is_cancelled() {
                        break;
                    }
                    let Some(job) = deliver(item) else { continue };
                    let registration = owner.clone();
                    let guarded: Job = Box::new(move || {
                        // Held for the call, so `cancel` can wait for it to end.
                        let _calling = registration.calling.lock();
                        if registration.is_cancelled() {
                            Ok(())
                        } else {
                            job()
                        }
                    });
                    match shared.upgrade() {
                        Some(shared) if shared.queue(guarded) => {}
                        _ => break,
                    }
                }
            }),
            Err(_) => return,
        };
        if let Ok(mut slot) = registration.task.lock() {
            *slot = Some(task);
        }
        if let Ok(mut handles) = self.handles.lock() {
            handles.retain(|h| !h.is_cancelled());
            handles.push(registration.clone());
        }
    }

    fn shutdown(&self) {
        if self.shut_down.swap(true, Ordering::SeqCst) {
            return;
        }
        let registrations = self
            .handles
            .lock()
            .map(|mut h| std::mem::take(&mut *h))
            .unwrap_or_default();
        for registration in registrations {
            registration.cancel();
        }
        // Close the connection; from the dispatcher thread or a runtime thread
        // (a listener calling shutdown), just ask.
        let native = self.native.clone();
        if tokio::runtime::Handle::try_current().is_ok() {
            tokio::spawn(async move {
                let _ = native.disconnect().await;
            });
        } else {
            let _ = block_on(async {
                tokio::time::timeout(Duration::from_secs(5), native.disconnect())
                    .await
                    .unwrap_or(Ok(()))
            });
        }
        // No more calls: the dispatcher drains what is queued (cancelled jobs
        // are skipped) and ends; join it unless we are it.
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let dispatcher = self.dispatcher.lock().ok().and_then(|mut d| d.take());
        if let Some(thread) = dispatcher
            && std::thread::current().id() != self.dispatcher_id
        {
            let _ = thread.join();
        }
        let helpers = self
            .helper_threads
            .lock()
            .map(|mut h| std::mem::take(&mut *h))
            .unwrap_or_default();
        for thread in helpers {
            if std::thread::current().id() != thread.thread().id() {
                let _ = thread.join();
            }
        }
    }
}

/// One listener registration: its forwarding task, its cancelled flag, and
/// a lock held while its listener is being called.
struct Registration {
    cancelled: AtomicBool,
    calling: Mutex<()>,
    dispatcher: ThreadId,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    on_cancel: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl Registration {
    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Stops the forwarding, runs `on_cancel`, and waits for a call in
    /// progress to end (unless it is the caller: a listener cancelling itself).
    fn cancel(&self) {
        if self.cancelled.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Some(task) = self.task.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
        if let Some(f) = self.on_cancel.lock().ok().and_then(|mut f| f.take()) {
            f();
        }
        if std::thread::current().id() != self.dispatcher {
            drop(self.calling.lock());
        }
    }
}

fn record_error(errors: &Mutex<Vec<String>>, error: &PusherError) {
    tracing::warn!(%error, "a PusherLite listener failed");
    if let Ok(mut errors) = errors.lock() {
        if errors.len() == KEPT_ERRORS {
            errors.remove(0);
        }
        errors.push(error.to_string());
    }
}

fn start_dispatcher(
    errors: Arc<Mutex<Vec<String>>>,
) -> Result<(mpsc::Sender<Job>, JoinHandle<()>), PusherError> {
    let (tx, rx) = mpsc::channel::<Job>();
    let thread = std::thread::Builder::new()
        .name("pusher-lite-listeners".into())
        .spawn(move || {
            for job in rx {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => record_error(&errors, &error),
                    Err(_) => record_error(
                        &errors,
                        &PusherError::Listener {
                            reason: "a listener call panicked".into(),
                        },
                    ),
                }
            }
        })
        .map_err(|e| PusherError::Config {
            reason: format!("could not start the listener thread: {e}"),
        })?;
    Ok((tx, thread))
}

/// Runs a foreign authorizer on a thread of its own (never a runtime thread)
/// and hands its answer back to the native client.
fn on_helper_thread<T: Send + 'static>(
    threads: &Arc<Mutex<Vec<JoinHandle<()>>>>,
    call: impl FnOnce() -> Result<T, PusherError> + Send + 'static,
) -> tokio::sync::oneshot::Receiver<Result<T, PusherError>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("pusher-lite-auth".into())
        .spawn(move || {
            let _ = tx.send(call());
        });
    if let (Ok(thread), Ok(mut threads)) = (spawned, threads.lock()) {
        threads.retain(|t| !t.is_finished());
        threads.push(thread);
    }
    rx
}

fn auth_failure(error: PusherError) -> AuthFailure {
    AuthFailure {
        status: error.status(),
        message: error.to_string(),
    }
}

// ----- the builder ---------------------------------------------------------------------------

#[derive(Clone)]
enum ChannelAuth {
    Endpoint(String, HashMap<String, String>),
    Publisher(Arc<Publisher>, Option<MemberData>),
    Foreign(Arc<dyn ChannelAuthorizer>),
}

#[derive(Clone)]
enum UserAuth {
    Endpoint(String, HashMap<String, String>),
    Publisher(Arc<Publisher>, String),
    Foreign(Arc<dyn UserAuthenticator>),
}

#[derive(Clone)]
struct ClientSettings {
    app_key: String,
    address: Option<String>,
    cluster: Option<String>,
    path: Option<String>,
    session_token: Option<String>,
    channel_auth: Option<ChannelAuth>,
    user_auth: Option<UserAuth>,
    activity_timeout_ms: Option<u64>,
    pong_timeout_ms: Option<u64>,
    auth_timeout_ms: Option<u64>,
    reconnect: Option<(u64, u64)>,
}

/// Configures a [`Client`]. Each setter returns a new builder, so calls
/// chain; mistakes are reported by [`build`](ClientBuilder::build).
#[derive(uniffi::Object)]
pub struct ClientBuilder {
    settings: ClientSettings,
}

impl ClientBuilder {
    fn with(&self, change: impl FnOnce(&mut ClientSettings)) -> Arc<Self> {
        let mut settings = self.settings.clone();
        change(&mut settings);
        Arc::new(ClientBuilder { settings })
    }
}

#[uniffi::export]
impl ClientBuilder {
    /// A builder for the app `key` (default server: 127.0.0.1:6001).
    #[uniffi::constructor]
    pub fn new(app_key: String) -> Arc<Self> {
        Arc::new(ClientBuilder {
            settings: ClientSettings {
                app_key,
                address: None,
                cluster: None,
                path: None,
                session_token: None,
                channel_auth: None,
                user_auth: None,
                activity_timeout_ms: None,
                pong_timeout_ms: None,
                auth_timeout_ms: None,
                reconnect: None,
            },
        })
    }

    /// The server: `host`, `host:port` or a URL (`ws://127.0.0.1:6001`).
    pub fn address(&self, address: String) -> Arc<Self> {
        self.with(|s| {
            s.address = Some(address);
            s.cluster = None;
        })
    }

    /// Pusher's hosted cluster (`ws-{cluster}.pusher.com`, TLS).
    pub fn cluster(&self, cluster: String) -> Arc<Self> {
        self.with(|s| {
            s.cluster = Some(cluster);
            s.address = None;
        })
    }

    /// A path prefix before `/app/{key}`.
    pub fn path(&self, path: String) -> Arc<Self> {
        self.with(|s| s.path = Some(path))
    }

    /// A Lite session token: authorizes every channel it lists and allows Lite
    /// client events.
    pub fn session_token(&self, token: String) -> Arc<Self> {
        self.with(|s| s.session_token = Some(token))
    }

    /// Authorize channels by POSTing to an auth endpoint (as pusher-js does),
    /// with extra headers (a session cookie, a bearer token).
    pub fn auth_endpoint(&self, url: String, headers: HashMap<String, String>) -> Arc<Self> {
        self.with(|s| s.channel_auth = Some(ChannelAuth::Endpoint(url, headers)))
    }

    /// Authorize channels by signing locally with a publisher's app secret
    /// (trusted back-end subscribers); presence channels join as `member`.
    pub fn authorize_with_publisher(
        &self,
        publisher: Arc<Publisher>,
        member: Option<MemberData>,
    ) -> Arc<Self> {
        self.with(|s| s.channel_auth = Some(ChannelAuth::Publisher(publisher, member)))
    }

    /// Authorize channels with your own code.
    pub fn authorizer(&self, authorizer: Arc<dyn ChannelAuthorizer>) -> Arc<Self> {
        self.with(|s| s.channel_auth = Some(ChannelAuth::Foreign(authorizer)))
    }

    /// Authenticate sign-in by POSTing to a user-auth endpoint.
    pub fn user_auth_endpoint(&self, url: String, headers: HashMap<String, String>) -> Arc<Self> {
        self.with(|s| s.user_auth = Some(UserAuth::Endpoint(url, headers)))
    }

    /// Authenticate sign-in by signing locally; `user_data` is JSON with an `id`.
    pub fn authenticate_with_publisher(
        &self,
        publisher: Arc<Publisher>,
        user_data: String,
    ) -> Arc<Self> {
        self.with(|s| s.user_auth = Some(UserAuth::Publisher(publisher, user_data)))
    }

    /// Authenticate sign-in with your own code.
    pub fn authenticator(&self, authenticator: Arc<dyn UserAuthenticator>) -> Arc<Self> {
        self.with(|s| s.user_auth = Some(UserAuth::Foreign(authenticator)))
    }

    /// Ping after this much silence (default 120 s; the server may ask for less).
    pub fn activity_timeout_ms(&self, ms: u64) -> Arc<Self> {
        self.with(|s| s.activity_timeout_ms = Some(ms))
    }

    /// Wait this long for a pong (default 30 s).
    pub fn pong_timeout_ms(&self, ms: u64) -> Arc<Self> {
        self.with(|s| s.pong_timeout_ms = Some(ms))
    }

    /// Give up an authorization request after this long (default 10 s).
    pub fn auth_timeout_ms(&self, ms: u64) -> Arc<Self> {
        self.with(|s| s.auth_timeout_ms = Some(ms))
    }

    /// Reconnect spacing: first delay and longest delay, in ms.
    pub fn reconnect_delays_ms(&self, initial_ms: u64, max_ms: u64) -> Arc<Self> {
        self.with(|s| s.reconnect = Some((initial_ms, max_ms)))
    }

    /// Builds the client (not yet connected: call [`Client::connect`]).
    pub fn build(&self) -> Result<Arc<Client>, PusherError> {
        let s = &self.settings;
        let helper_threads: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let mut builder = pusher_lite::Client::builder(&s.app_key);
        if let Some(address) = &s.address {
            builder = builder.address(address)?;
        }
        if let Some(cluster) = &s.cluster {
            builder = builder.cluster(cluster);
        }
        if let Some(path) = &s.path {
            builder = builder.path(path);
        }
        if let Some(token) = &s.session_token {
            builder = builder.session_token(token);
        }
        if let Some(ms) = s.activity_timeout_ms {
            builder = builder.activity_timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = s.pong_timeout_ms {
            builder = builder.pong_timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = s.auth_timeout_ms {
            builder = builder.auth_timeout(Duration::from_millis(ms));
        }
        if let Some((initial, max)) = s.reconnect {
            builder = builder.reconnect(pusher_lite::ReconnectPolicy {
                initial_delay_ms: initial,
                max_delay_ms: max,
                ..Default::default()
            });
        }
        builder = match s.channel_auth.clone() {
            None => builder,
            Some(ChannelAuth::Endpoint(url, headers)) => {
                builder.channel_authorizer(pusher_lite::ChannelAuthorizer::Endpoint {
                    url,
                    headers: headers.into_iter().collect(),
                    params: Vec::new(),
                })
            }
            Some(ChannelAuth::Publisher(publisher, member)) => {
                builder.channel_authorizer(pusher_lite::ChannelAuthorizer::publisher(
                    publisher.inner.clone(),
                    member.map(Into::into),
                ))
            }
            Some(ChannelAuth::Foreign(authorizer)) => {
                let threads = helper_threads.clone();
                builder.channel_authorizer(pusher_lite::ChannelAuthorizer::callback(
                    move |socket_id, channel| {
                        let authorizer = authorizer.clone();
                        let answer = on_helper_thread(&threads, move || {
                            authorizer.authorize(socket_id, channel)
                        });
                        async move {
                            let json = answer
                                .await
                                .map_err(|_| PusherError::Listener {
                                    reason: "the authorizer thread ended without an answer".into(),
                                })
                                .and_then(|r| r)
                                .map_err(auth_failure)?;
                            pusher_lite::core::auth::ChannelAuthorization::from_json(&json).map_err(
                                |e| AuthFailure {
                                    status: Some(200),
                                    message: format!("the authorizer returned invalid JSON ({e})"),
                                },
                            )
                        }
                    },
                ))
            }
        };
        builder = match s.user_auth.clone() {
            None => builder,
            Some(UserAuth::Endpoint(url, headers)) => {
                builder.user_authenticator(pusher_lite::UserAuthenticator::Endpoint {
                    url,
                    headers: headers.into_iter().collect(),
                })
            }
            Some(UserAuth::Publisher(publisher, user_data)) => builder.user_authenticator(
                pusher_lite::UserAuthenticator::publisher(publisher.inner.clone(), user_data),
            ),
            Some(UserAuth::Foreign(authenticator)) => {
                let threads = helper_threads.clone();
                builder.user_authenticator(pusher_lite::UserAuthenticator::callback(
                    move |socket_id| {
                        let authenticator = authenticator.clone();
                        let answer = on_helper_thread(&threads, move || {
                            authenticator.authenticate(socket_id)
                        });
                        async move {
                            let json = answer
                                .await
                                .map_err(|_| PusherError::Listener {
                                    reason: "the authenticator thread ended without an answer"
                                        .into(),
                                })
                                .and_then(|r| r)
                                .map_err(auth_failure)?;
                            pusher_lite::core::auth::UserAuthentication::from_json(&json).map_err(
                                |e| AuthFailure {
                                    status: Some(200),
                                    message: format!(
                                        "the authenticator returned invalid JSON ({e})"
                                    ),
                                },
                            )
                        }
                    },
                ))
            }
        };
        let native = {
            let _context = runtime()?.enter();
            builder.build()?
        };
        let errors: Arc<Mutex<Vec<String>>> = Arc::default();
        let (jobs, dispatcher) = start_dispatcher(errors.clone())?;
        Ok(Arc::new(Client {
            shared: Arc::new(Shared {
                native,
                jobs: Mutex::new(Some(jobs)),
                dispatcher_id: dispatcher.thread().id(),
                dispatcher: Mutex::new(Some(dispatcher)),
                errors,
                handles: Mutex::new(Vec::new()),
                helper_threads,
                shut_down: AtomicBool::new(false),
            }),
        }))
    }
}

// ----- the client ----------------------------------------------------------------------------

/// A Pusher WebSocket client with pusher-js's semantics: states, automatic
/// reconnect, resubscription, presence, encrypted channels, client events,
/// sign-in. Register listeners, then [`connect`](Client::connect); call
/// [`shutdown`](Client::shutdown) when done (it also runs when the client is
/// freed).
#[derive(uniffi::Object)]
pub struct Client {
    shared: Arc<Shared>,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.shared.shutdown();
    }
}

fn subscription_job(listener: &Arc<dyn ChannelListener>, event: pusher_lite::Event) -> Job {
    let listener = listener.clone();
    let channel = event.channel.clone().unwrap_or_default();
    let json = |data: &Option<String>| -> Option<serde_json::Value> {
        data.as_deref().and_then(|d| serde_json::from_str(d).ok())
    };
    match event.name.as_str() {
        events::SUBSCRIPTION_SUCCEEDED => {
            let members = json(&event.data)
                .filter(|v| v.get("members").is_some())
                .map(|v| Members {
                    count: v["count"].as_u64().unwrap_or(0),
                    me: member_of(&v["me"]),
                    members: v["members"]
                        .as_array()
                        .map(|list| list.iter().filter_map(member_of).collect())
                        .unwrap_or_default(),
                });
            Box::new(move || listener.on_subscribed(channel, members))
        }
        events::SUBSCRIPTION_ERROR => {
            let v = json(&event.data).unwrap_or_default();
            let status = v["status"].as_u64().and_then(|s| u16::try_from(s).ok());
            let reason = v["error"]
                .as_str()
                .map(str::to_owned)
                .or(event.data)
                .unwrap_or_default();
            Box::new(move || listener.on_subscription_error(channel, status, reason))
        }
        events::MEMBER_ADDED | events::MEMBER_REMOVED => {
            match json(&event.data).as_ref().and_then(member_of) {
                Some(member) if event.name == events::MEMBER_ADDED => {
                    Box::new(move || listener.on_member_added(channel, member))
                }
                Some(member) => Box::new(move || listener.on_member_removed(channel, member)),
                None => Box::new(move || listener.on_event(event.into())),
            }
        }
        _ => Box::new(move || listener.on_event(event.into())),
    }
}

/// A member as the native client writes it into event data: `{"id","info"}`.
fn member_of(v: &serde_json::Value) -> Option<Member> {
    let id = v.get("id")?.as_str()?.to_owned();
    let info = v
        .get("info")
        .filter(|i| !i.is_null())
        .map(|i| i.to_string());
    Some(Member { id, info })
}

impl Client {
    fn registration(&self, on_cancel: Option<Box<dyn FnOnce() + Send>>) -> Arc<Registration> {
        Arc::new(Registration {
            cancelled: AtomicBool::new(false),
            calling: Mutex::new(()),
            dispatcher: self.shared.dispatcher_id,
            task: Mutex::new(None),
            on_cancel: Mutex::new(on_cancel),
        })
    }

    fn register_subscription(
        &self,
        channel: pusher_lite::Channel,
        listener: Arc<dyn ChannelListener>,
    ) -> Arc<Subscription> {
        let name = channel.name().to_owned();
        let native = self.shared.native.clone();
        let unsubscribe_name = name.clone();
        let registration = self.registration(Some(Box::new(move || {
            native.unsubscribe(&unsubscribe_name);
        })));
        let stream = channel.events();
        self.shared.forward(&registration, stream, move |event| {
            Some(subscription_job(&listener, event))
        });
        Arc::new(Subscription {
            name,
            channel,
            registration,
        })
    }

    fn register_events(
        &self,
        listener: Arc<dyn EventListener>,
        filter: impl Fn(&pusher_lite::Event) -> bool + Send + 'static,
    ) -> Arc<ListenerHandle> {
        let registration = self.registration(None);
        self.shared
            .forward(&registration, self.shared.native.events(), move |event| {
                if !filter(&event) {
                    return None;
                }
                let listener = listener.clone();
                Some(Box::new(move || listener.on_event(event.into())) as Job)
            });
        Arc::new(ListenerHandle { registration })
    }
}

#[uniffi::export]
impl Client {
    /// Connects, and keeps reconnecting until [`disconnect`](Client::disconnect).
    pub fn connect(&self) -> Result<(), PusherError> {
        self.shared.check_open()?;
        self.shared.native.connect();
        Ok(())
    }

    /// Disconnects; subscriptions stay and are resubscribed by the next `connect`.
    pub fn disconnect(&self) -> Result<(), PusherError> {
        self.shared.check_open()?;
        block_on(self.shared.native.disconnect())
    }

    /// The connection state now.
    pub fn state(&self) -> ConnectionState {
        self.shared.native.state().into()
    }

    /// Waits until the state is `state`, up to `timeout_ms`; returns whether it was reached.
    pub fn wait_for_state(
        &self,
        state: ConnectionState,
        timeout_ms: u64,
    ) -> Result<bool, PusherError> {
        let native = self.shared.native.clone();
        block_on(async move {
            Ok::<_, PusherError>(
                native
                    .wait_for_state(state.into(), Duration::from_millis(timeout_ms))
                    .await,
            )
        })
    }

    /// The socket id, while connected.
    pub fn socket_id(&self) -> Result<Option<String>, PusherError> {
        self.shared.check_open()?;
        block_on(self.shared.native.socket_id())
    }

    /// Subscribes to `channel`; `listener` hears its events until the returned
    /// handle is cancelled or the client shut down.
    pub fn subscribe(
        &self,
        channel: String,
        listener: Arc<dyn ChannelListener>,
    ) -> Result<Arc<Subscription>, PusherError> {
        self.shared.check_open()?;
        let native = self.shared.native.clone();
        let channel = block_on(async move { native.subscribe(&channel).await })?;
        Ok(self.register_subscription(channel, listener))
    }

    /// Tells `listener` about state changes and connection errors until the
    /// returned handle is cancelled. Register before `connect` to hear every state.
    pub fn add_connection_listener(
        &self,
        listener: Arc<dyn ConnectionListener>,
    ) -> Result<Arc<ListenerHandle>, PusherError> {
        self.shared.check_open()?;
        let registration = self.registration(None);
        self.shared.forward(
            &registration,
            self.shared.native.connection_events(),
            move |event| {
                let listener = listener.clone();
                match event {
                    pusher_lite::ConnectionEvent::StateChange { previous, current } => {
                        Some(Box::new(move || {
                            listener.on_state_change(previous.into(), current.into())
                        }) as Job)
                    }
                    pusher_lite::ConnectionEvent::Error(info) => {
                        Some(Box::new(move || listener.on_error(info.into())) as Job)
                    }
                    _ => None,
                }
            },
        );
        Ok(Arc::new(ListenerHandle { registration }))
    }

    /// Tells `listener` about events sent to the signed-in user (the
    /// publisher's `send_to_user`, `pusher:signin_error`).
    pub fn add_user_listener(
        &self,
        listener: Arc<dyn EventListener>,
    ) -> Result<Arc<ListenerHandle>, PusherError> {
        self.shared.check_open()?;
        Ok(self.register_events(listener, |e| e.target == Target::User))
    }

    /// Tells `listener` about every event the client receives, on every channel
    /// and for the user (pusher-js `bind_global`).
    pub fn add_global_listener(
        &self,
        listener: Arc<dyn EventListener>,
    ) -> Result<Arc<ListenerHandle>, PusherError> {
        self.shared.check_open()?;
        Ok(self.register_events(listener, |_| true))
    }

    /// Signs the user in (now, and after every reconnect); needs a user authenticator.
    pub fn signin(&self) -> Result<(), PusherError> {
        self.shared.check_open()?;
        self.shared.native.signin();
        Ok(())
    }

    /// A presence channel's members (`None` if not subscribed or not presence).
    pub fn members(&self, channel: String) -> Result<Option<Members>, PusherError> {
        self.shared.check_open()?;
        block_on(self.shared.native.members(&channel)).map(|m| m.map(Into::into))
    }

    /// What listeners and authorizers raised, oldest first (the last 100).
    pub fn listener_errors(&self) -> Vec<String> {
        self.shared
            .errors
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    /// Cancels every handle, disconnects, and waits for the listener thread to
    /// finish the call it is making: no listener is called after this returns.
    /// Later calls raise [`PusherError::Closed`]. (Not named `close`, which
    /// Kotlin's `AutoCloseable` reserves.)
    pub fn shutdown(&self) {
        self.shared.shutdown();
    }

    // ----- async ----------------------------------------------------------------------------

    /// [`wait_for_state`](Client::wait_for_state), awaited.
    pub async fn wait_for_state_async(
        &self,
        state: ConnectionState,
        timeout_ms: u64,
    ) -> Result<bool, PusherError> {
        let native = self.shared.native.clone();
        spawn(async move {
            Ok::<_, PusherError>(
                native
                    .wait_for_state(state.into(), Duration::from_millis(timeout_ms))
                    .await,
            )
        })
        .await
    }

    /// [`subscribe`](Client::subscribe), awaited.
    pub async fn subscribe_async(
        &self,
        channel: String,
        listener: Arc<dyn ChannelListener>,
    ) -> Result<Arc<Subscription>, PusherError> {
        self.shared.check_open()?;
        let native = self.shared.native.clone();
        let channel = spawn(async move { native.subscribe(&channel).await }).await?;
        Ok(self.register_subscription(channel, listener))
    }

    /// [`disconnect`](Client::disconnect), awaited.
    pub async fn disconnect_async(&self) -> Result<(), PusherError> {
        self.shared.check_open()?;
        let native = self.shared.native.clone();
        spawn(async move { native.disconnect().await }).await
    }
}

// ----- handles -------------------------------------------------------------------------------

/// A subscribed channel. [`cancel`](Subscription::cancel) unsubscribes and
/// stops its listener; freeing the handle does not (a garbage collector's
/// timing must not end a subscription): the client keeps it until
/// [`Client::shutdown`].
#[derive(uniffi::Object)]
pub struct Subscription {
    name: String,
    channel: pusher_lite::Channel,
    registration: Arc<Registration>,
}

#[uniffi::export]
impl Subscription {
    /// The channel's name.
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// Sends a client event (`client-*` on private and presence channels; any
    /// non-reserved name with a Lite session token). Returns whether it was sent.
    pub fn trigger(&self, event: String, data: String) -> Result<bool, PusherError> {
        self.check()?;
        block_on(self.channel.trigger(&event, &data))
    }

    /// The members, if this is a presence channel.
    pub fn members(&self) -> Result<Option<Members>, PusherError> {
        block_on(self.channel.members()).map(|m| m.map(Into::into))
    }

    /// The subscription flags (`None` once unsubscribed).
    pub fn status(&self) -> Result<Option<ChannelStatus>, PusherError> {
        block_on(self.channel.status()).map(|s| s.map(Into::into))
    }

    /// Unsubscribes and stops the listener. No call to the listener starts
    /// after this returns. Idempotent.
    pub fn cancel(&self) {
        self.registration.cancel();
    }

    /// Whether [`cancel`](Subscription::cancel) was called (or the client shut down).
    pub fn is_cancelled(&self) -> bool {
        self.registration.is_cancelled()
    }

    /// [`trigger`](Subscription::trigger), awaited.
    pub async fn trigger_async(&self, event: String, data: String) -> Result<bool, PusherError> {
        self.check()?;
        let channel = self.channel.clone();
        spawn(async move { channel.trigger(&event, &data).await }).await
    }
}

impl Subscription {
    fn check(&self) -> Result<(), PusherError> {
        if self.is_cancelled() {
            Err(PusherError::Closed {
                reason: format!("the subscription to {} was cancelled", self.name),
            })
        } else {
            Ok(())
        }
    }
}

/// A registered listener. [`cancel`](ListenerHandle::cancel) stops the calls;
/// freeing the handle does not (the client keeps it until [`Client::shutdown`]).
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    registration: Arc<Registration>,
}

#[uniffi::export]
impl ListenerHandle {
    /// Stops the calls; no call starts after this returns. Idempotent.
    pub fn cancel(&self) {
        self.registration.cancel();
    }

    /// Whether it was cancelled (or the client shut down).
    pub fn is_cancelled(&self) -> bool {
        self.registration.is_cancelled()
    }
}
