//! What a client asks its front end to do, and the events it delivers.

use super::config::LogLevel;
use super::members::Member;
use crate::frame::{Frame, WatchlistEvent};

/// Connection states, named as pusher-js names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Not yet asked to connect.
    Initialized,
    /// Trying to connect (also between reconnect attempts).
    Connecting,
    /// Connected, with a socket id.
    Connected,
    /// Still trying after the unavailable timeout.
    Unavailable,
    /// No transport is supported here.
    Failed,
    /// Disconnected on request, or refused by the server.
    Disconnected,
}

impl State {
    /// The state's name (`"connected"`, …), also the event emitted on entering it.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Initialized => "initialized",
            State::Connecting => "connecting",
            State::Connected => "connected",
            State::Unavailable => "unavailable",
            State::Failed => "failed",
            State::Disconnected => "disconnected",
        }
    }
}

/// Which routing table: where handlers are bound and where events come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// `pusher.bind(…)`: every non-internal event on any channel.
    Global,
    /// `pusher.connection.bind(…)`: states, `error`, `message`, `connecting_in`.
    Connection,
    /// `channel.bind(…)`.
    Channel(String),
    /// `pusher.user.bind(…)`: server-to-user events and `pusher:signin_error`.
    User,
    /// `pusher.user.watchlist.bind(…)`: `online` / `offline`.
    Watchlist,
}

/// Identifies a socket the client asked to open. Inputs about an older socket
/// are ignored, so a late close of a replaced socket cannot disturb the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketHandle(pub u64);

/// Identifies an authorization request; its answer is matched by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Extra information channel handlers receive (`(data, metadata)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Sender of a client event on a presence channel.
    pub user_id: Option<String>,
}

/// A connection error, in the shapes pusher-js emits on `connection.bind('error')`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorInfo {
    /// `{type:"PusherError", data:{code, message}}`: a `pusher:error`, or a close code.
    Pusher {
        /// Protocol or close code.
        code: Option<u16>,
        /// Description.
        message: String,
    },
    /// `{type:"WebSocketError", error:{type:"PusherError", data:{code, message}}}`:
    /// the error behind a reconnect decision.
    WebSocketClose {
        /// Protocol or close code.
        code: Option<u16>,
        /// Description.
        message: String,
    },
    /// `{type:"WebSocketError", error}`: the transport failed.
    WebSocketTransport {
        /// What the transport said.
        message: String,
    },
    /// `{type:"MessageParseError", error, data}`: a frame that does not decode.
    MessageParse {
        /// Why.
        message: String,
        /// The frame.
        data: String,
    },
    /// `{type:"HandshakeError", error}`: the first message was not a valid handshake.
    Handshake {
        /// Why.
        message: String,
    },
}

/// The value handed to handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// No value (`undefined`).
    None,
    /// Event data: parse it as JSON if you can, else use the text (pusher-js's rule).
    Data(String),
    /// Event data left in the frame given to `handle_message` (only with
    /// [`ClientConfig::data_by_reference`](super::ClientConfig::data_by_reference)):
    /// its `data` member is a JSON string; parse that string's content as for `Data`.
    FrameData,
    /// A presence channel's members (`pusher:subscription_succeeded`); read them
    /// with [`Client::members`](super::Client::members).
    Members,
    /// `{id, info}` of `pusher:member_added` / `pusher:member_removed`.
    Member(Member),
    /// `{previous, current}` of `state_change`.
    StateChange {
        /// State left.
        previous: State,
        /// State entered.
        current: State,
    },
    /// `{socket_id}` of `connected`.
    Connected {
        /// The new socket id.
        socket_id: String,
    },
    /// Seconds until the next attempt (`connecting_in`).
    ConnectingIn(u64),
    /// A connection `error`.
    Error(ErrorInfo),
    /// `{type:"AuthError", error, status?}` of `pusher:subscription_error` and
    /// `pusher:signin_error`.
    AuthError {
        /// Why authorization failed.
        error: String,
        /// HTTP status of the auth endpoint, when there was one.
        status: Option<u16>,
    },
    /// `{name, user_ids}` of a watchlist event.
    Watchlist(WatchlistEvent),
    /// `{event, channel, data, user_id}` of the connection's `message` event.
    Message(Frame),
}

/// How a front end calls one handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallKind {
    /// A global handler: `handler(event_name, payload)`.
    Global,
    /// An event handler: `handler(payload)`, or `handler(payload, metadata)`
    /// when metadata is present (pusher-js passes `{}` on channels).
    Event(Option<Metadata>),
}

/// One handler to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call<H> {
    /// The handler.
    pub handler: H,
    /// How to call it.
    pub kind: CallKind,
}

/// An event to deliver: one payload, and the handlers to call with it, in order.
/// Produced even when `calls` is empty, so front ends that stream events
/// (rather than bind handlers) see everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch<H> {
    /// Where the event happened.
    pub source: Target,
    /// The event name.
    pub event: String,
    /// The value.
    pub payload: Payload,
    /// Metadata of the event where it happened (a presence client event's
    /// sender), also when no handler is bound.
    pub metadata: Option<Metadata>,
    /// Handlers resolved when this was polled, in the order to call them.
    pub calls: Vec<Call<H>>,
    /// `Some(position)`: the payload is the `data` member of the frame at
    /// `position` in the message given to the `handle_message` call that
    /// produced this event (`Payload::Data` taken verbatim from it, or
    /// `Payload::FrameData`). A front end that kept the message text may read
    /// the value from it with its own JSON parser (the browser does, to keep the
    /// data out of WebAssembly memory round trips).
    pub from_frame: Option<FramePosition>,
}

/// Where a frame is in the message text it came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramePosition {
    /// The message is the frame (it may hold raw line feeds, as JSON
    /// whitespace: only a batched message is split at them).
    Whole,
    /// Frame `i` of a batched message: its `i`-th `\n`-separated piece (see
    /// [`crate::batching`]).
    InBatch(u32),
}

/// What the front end must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<H> {
    /// Open a WebSocket to `url`; report on it with this handle.
    Open {
        /// Handle for later inputs.
        socket: SocketHandle,
        /// `ws[s]://…`.
        url: String,
    },
    /// Send a text frame.
    Send {
        /// On this socket.
        socket: SocketHandle,
        /// The frame.
        text: String,
    },
    /// Close the socket (the client already considers it gone).
    Close {
        /// This socket.
        socket: SocketHandle,
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// Authorize `socket_id` on `channel` (auth endpoint or custom handler),
    /// then call [`Client::handle_channel_authorization`](super::Client::handle_channel_authorization).
    AuthorizeChannel {
        /// Answer with this.
        request: RequestId,
        /// The channel.
        channel: String,
        /// The connection's socket id.
        socket_id: String,
    },
    /// Authenticate the user for sign-in, then call
    /// [`Client::handle_user_authentication`](super::Client::handle_user_authentication).
    AuthenticateUser {
        /// Answer with this.
        request: RequestId,
        /// The connection's socket id.
        socket_id: String,
    },
    /// Deliver an event.
    Dispatch(Dispatch<H>),
    /// A log line.
    Log {
        /// Severity.
        level: LogLevel,
        /// Text.
        message: String,
    },
}

/// The failure of an authorization the front end attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// HTTP status, when an endpoint answered with one.
    pub status: Option<u16>,
    /// What went wrong.
    pub message: String,
}

/// A call the client refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// pusher-js `BadChannelName`.
    #[error("{0}")]
    BadChannelName(String),
    /// pusher-js `BadEventName`.
    #[error("{0}")]
    BadEventName(String),
    /// pusher-js `UnsupportedFeature`.
    #[error("{0}")]
    UnsupportedFeature(String),
}
