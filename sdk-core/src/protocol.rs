//! Constants of Pusher Channels protocol 7: event names, error and close codes,
//! channel kinds, and what a client does when a connection ends with a code.

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 7;

/// Event names on the wire.
pub mod events {
    /// S→C: first message of every connection.
    pub const CONNECTION_ESTABLISHED: &str = "pusher:connection_established";
    /// S→C: an error, with an optional code.
    pub const ERROR: &str = "pusher:error";
    /// Both ways: liveness check.
    pub const PING: &str = "pusher:ping";
    /// Both ways: answer to a ping.
    pub const PONG: &str = "pusher:pong";
    /// C→S: subscribe to a channel.
    pub const SUBSCRIBE: &str = "pusher:subscribe";
    /// C→S: leave a channel.
    pub const UNSUBSCRIBE: &str = "pusher:unsubscribe";
    /// C→S: associate the connection with a user.
    pub const SIGNIN: &str = "pusher:signin";
    /// S→C: sign-in accepted.
    pub const SIGNIN_SUCCESS: &str = "pusher:signin_success";
    /// S→C: a cache channel had no cached event at subscription time.
    pub const CACHE_MISS: &str = "pusher:cache_miss";
    /// S→C (internal): subscription accepted.
    pub const INTERNAL_SUBSCRIPTION_SUCCEEDED: &str = "pusher_internal:subscription_succeeded";
    /// S→C (internal): subscriber count of a channel changed.
    pub const INTERNAL_SUBSCRIPTION_COUNT: &str = "pusher_internal:subscription_count";
    /// S→C (internal): a user joined a presence channel.
    pub const INTERNAL_MEMBER_ADDED: &str = "pusher_internal:member_added";
    /// S→C (internal): a user left a presence channel.
    pub const INTERNAL_MEMBER_REMOVED: &str = "pusher_internal:member_removed";
    /// S→C (internal): watchlist users came online or went offline.
    pub const INTERNAL_WATCHLIST_EVENTS: &str = "pusher_internal:watchlist_events";
    /// Client-side: re-emitted `subscription_succeeded`.
    pub const SUBSCRIPTION_SUCCEEDED: &str = "pusher:subscription_succeeded";
    /// Client-side: channel authorization failed.
    pub const SUBSCRIPTION_ERROR: &str = "pusher:subscription_error";
    /// Client-side: re-emitted `subscription_count`.
    pub const SUBSCRIPTION_COUNT: &str = "pusher:subscription_count";
    /// Client-side: re-emitted `member_added`.
    pub const MEMBER_ADDED: &str = "pusher:member_added";
    /// Client-side: re-emitted `member_removed`.
    pub const MEMBER_REMOVED: &str = "pusher:member_removed";
    /// Client-side, on the user: sign-in failed.
    pub const SIGNIN_ERROR: &str = "pusher:signin_error";
    /// Prefix of events only the server sends and clients never surface as-is.
    pub const INTERNAL_PREFIX: &str = "pusher_internal:";
    /// Prefix of protocol events.
    pub const PUSHER_PREFIX: &str = "pusher:";
    /// Prefix a Pusher client event must carry.
    pub const CLIENT_PREFIX: &str = "client-";
}

/// Error and close codes the protocol defines.
pub mod codes {
    /// Application only accepts TLS connections.
    pub const SSL_ONLY: u16 = 4000;
    /// Application does not exist.
    pub const APP_NOT_FOUND: u16 = 4001;
    /// Application disabled.
    pub const APP_DISABLED: u16 = 4003;
    /// Application is over its connection quota.
    pub const OVER_CONNECTION_QUOTA: u16 = 4004;
    /// Path not found.
    pub const PATH_NOT_FOUND: u16 = 4005;
    /// Invalid version string format.
    pub const INVALID_VERSION: u16 = 4006;
    /// Unsupported protocol version.
    pub const UNSUPPORTED_PROTOCOL: u16 = 4007;
    /// No protocol version supplied.
    pub const NO_PROTOCOL: u16 = 4008;
    /// Connection (or subscription) is unauthorized.
    pub const UNAUTHORIZED: u16 = 4009;
    /// Over capacity: reconnect after backing off.
    pub const OVER_CAPACITY: u16 = 4100;
    /// Generic "reconnect immediately".
    pub const RECONNECT_IMMEDIATELY: u16 = 4200;
    /// Pong reply not received.
    pub const PONG_NOT_RECEIVED: u16 = 4201;
    /// Closed after inactivity.
    pub const CLOSED_AFTER_INACTIVITY: u16 = 4202;
    /// Client event rejected due to rate limit.
    pub const CLIENT_EVENT_RATE_LIMITED: u16 = 4301;
    /// Watchlist over its size limit.
    pub const WATCHLIST_LIMIT: u16 = 4302;
}

/// What a client should do after a connection ends with a close code (or after a
/// `pusher:error` with that code during the handshake). Mirrors pusher-js 8's
/// `Protocol.getCloseAction`, so both clients react to a server identically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseAction {
    /// 4000: reconnect at once, over TLS.
    TlsOnly,
    /// 4001–4099 and 4300+: do not reconnect; the state becomes `disconnected`.
    Refused,
    /// 1002–1004 and 4100–4199: reconnect after at least one second.
    Backoff,
    /// 4200–4299: reconnect immediately.
    Retry,
}

impl CloseAction {
    /// The action for a close code; `None` for codes that carry no instruction
    /// (1000, 1001, 1005, 1006, …), after which a client simply reconnects.
    pub fn for_code(code: u16) -> Option<CloseAction> {
        match code {
            1002..=1004 => Some(CloseAction::Backoff),
            0..=3999 => None,
            4000 => Some(CloseAction::TlsOnly),
            4001..=4099 => Some(CloseAction::Refused),
            4100..=4199 => Some(CloseAction::Backoff),
            4200..=4299 => Some(CloseAction::Retry),
            _ => Some(CloseAction::Refused),
        }
    }
}

/// Whether a close code is an error worth reporting (everything but a normal
/// closure or "going away"), as pusher-js's `getCloseError` decides.
pub fn close_code_is_error(code: u16) -> bool {
    code != 1000 && code != 1001
}

/// The kinds of channel, told apart by name prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// Anyone may subscribe.
    Public,
    /// `private-`: needs authorization.
    Private,
    /// `private-encrypted-`: authorized, and payloads are end-to-end encrypted.
    PrivateEncrypted,
    /// `presence-`: authorized, with a member list.
    Presence,
    /// `#server-to-user-{id}` and other `#` names: reserved for the server.
    Reserved,
}

impl ChannelKind {
    /// The kind of the channel called `name`.
    pub fn of(name: &str) -> ChannelKind {
        if name.starts_with("private-encrypted-") {
            ChannelKind::PrivateEncrypted
        } else if name.starts_with("private-") {
            ChannelKind::Private
        } else if name.starts_with("presence-") {
            ChannelKind::Presence
        } else if name.starts_with('#') {
            ChannelKind::Reserved
        } else {
            ChannelKind::Public
        }
    }

    /// Whether subscribing needs an authorization signature.
    pub fn needs_auth(self) -> bool {
        matches!(
            self,
            ChannelKind::Private | ChannelKind::PrivateEncrypted | ChannelKind::Presence
        )
    }
}

/// Whether `name` is a cache channel (`cache-`, `private-cache-`,
/// `private-encrypted-cache-`, `presence-cache-`).
pub fn is_cache_channel(name: &str) -> bool {
    [
        "cache-",
        "private-cache-",
        "private-encrypted-cache-",
        "presence-cache-",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
}

/// The channel a signed-in user receives server-to-user events on.
pub fn server_to_user_channel(user_id: &str) -> String {
    format!("#server-to-user-{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_actions_follow_pusher_js() {
        assert_eq!(CloseAction::for_code(1000), None);
        assert_eq!(CloseAction::for_code(1006), None);
        assert_eq!(CloseAction::for_code(1002), Some(CloseAction::Backoff));
        assert_eq!(CloseAction::for_code(4000), Some(CloseAction::TlsOnly));
        assert_eq!(CloseAction::for_code(4001), Some(CloseAction::Refused));
        assert_eq!(CloseAction::for_code(4099), Some(CloseAction::Refused));
        assert_eq!(CloseAction::for_code(4100), Some(CloseAction::Backoff));
        assert_eq!(CloseAction::for_code(4200), Some(CloseAction::Retry));
        assert_eq!(CloseAction::for_code(4301), Some(CloseAction::Refused));
        assert!(!close_code_is_error(1000));
        assert!(close_code_is_error(1006));
    }

    #[test]
    fn channel_kinds_by_prefix() {
        assert_eq!(
            ChannelKind::of("private-encrypted-x"),
            ChannelKind::PrivateEncrypted
        );
        assert_eq!(ChannelKind::of("private-x"), ChannelKind::Private);
        assert_eq!(ChannelKind::of("presence-x"), ChannelKind::Presence);
        assert_eq!(ChannelKind::of("#server-to-user-1"), ChannelKind::Reserved);
        assert_eq!(ChannelKind::of("general"), ChannelKind::Public);
        assert!(is_cache_channel("presence-cache-x"));
        assert!(!is_cache_channel("presence-x"));
    }
}
