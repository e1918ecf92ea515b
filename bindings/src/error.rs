//! The one error type every binding raises, flattened from the native SDK's
//! [`pusher_lite::Error`] in one place ([`From`] below). Each variant is a
//! different thing for the caller to do; `reason` is the human-readable detail.

use pusher_lite::Error as Native;
use pusher_lite::core::auth::AuthError;

/// Anything a PusherLite call can fail with. Python and Ruby raise it as
/// `PusherError` (rescue the variants), Kotlin as `PusherException`, Swift
/// throws it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PusherError {
    /// The configuration is incomplete or wrong: fix the settings (address,
    /// credentials, organization, master key) before retrying.
    #[error("configuration: {reason}")]
    Config {
        /// What is missing or wrong.
        reason: String,
    },
    /// An argument breaks a protocol rule (channel or event name, payload or
    /// batch size, …); nothing was sent. Fix the call.
    #[error("invalid: {reason}")]
    Invalid {
        /// The rule that was broken.
        reason: String,
    },
    /// An authorization could not be made or was refused (presence channel
    /// without member data, encrypted channel without master key, a failing
    /// authorizer).
    #[error("authorization: {reason}")]
    Auth {
        /// Why.
        reason: String,
    },
    /// Encryption material or an encrypted payload was refused.
    #[error("encryption: {reason}")]
    Encryption {
        /// Why.
        reason: String,
    },
    /// A Lite session token was refused (expired, bad signature, …): get a new one.
    #[error("session token: {reason}")]
    Token {
        /// Why.
        reason: String,
    },
    /// A webhook failed verification: answer the request with 401 and drop it.
    #[error("webhook: {reason}")]
    Webhook {
        /// Why.
        reason: String,
    },
    /// The server answered with an error status (400 bad request, 401/403
    /// credentials or token, 404 unknown app, 413 too large, …).
    #[error("{method} {path} failed with HTTP {status}: {reason}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// The server's own message.
        reason: String,
    },
    /// The request did not complete (connection refused, timeout, TLS): retry later.
    #[error("transport: {reason}")]
    Transport {
        /// What went wrong.
        reason: String,
        /// Whether it timed out.
        timed_out: bool,
    },
    /// The server answered 2xx with a body that could not be read.
    #[error("unexpected response: {reason}")]
    Response {
        /// What was wrong with it.
        reason: String,
    },
    /// The client was shut down (or its task stopped): make a new one.
    #[error("closed: {reason}")]
    Closed {
        /// Why.
        reason: String,
    },
    /// A listener or authorizer implemented in the foreign language raised.
    #[error("listener: {reason}")]
    Listener {
        /// The foreign exception, as text.
        reason: String,
    },
    /// Anything else the native SDK reports.
    #[error("{reason}")]
    Other {
        /// The native error, as text.
        reason: String,
    },
}

impl From<Native> for PusherError {
    fn from(error: Native) -> Self {
        let reason = error.to_string();
        match error {
            Native::Config(reason) => PusherError::Config { reason },
            Native::BlockingInAsync => PusherError::Config { reason },
            Native::Invalid(_) | Native::Client(_) | Native::Auth(AuthError::Invalid(_)) => {
                PusherError::Invalid { reason }
            }
            Native::Auth(_) => PusherError::Auth { reason },
            Native::Encryption(_) => PusherError::Encryption { reason },
            Native::Jwt(_) => PusherError::Token { reason },
            Native::Webhook(_) => PusherError::Webhook { reason },
            Native::Http {
                method,
                path,
                status,
                message,
            } => PusherError::Http {
                status,
                method,
                path,
                reason: message,
            },
            Native::Transport { timed_out, .. } => PusherError::Transport { reason, timed_out },
            Native::Response { .. } => PusherError::Response { reason },
            Native::Closed => PusherError::Closed { reason },
            _ => PusherError::Other { reason },
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for PusherError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PusherError::Listener {
            reason: error.reason,
        }
    }
}

impl PusherError {
    /// The HTTP status, for [`PusherError::Http`].
    pub fn status(&self) -> Option<u16> {
        match self {
            PusherError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_errors_map_to_actionable_variants() {
        let http = PusherError::from(Native::Http {
            method: "POST".into(),
            path: "/apps/1/events".into(),
            status: 413,
            message: "too large".into(),
        });
        assert_eq!(http.status(), Some(413));
        assert_eq!(
            http.to_string(),
            "POST /apps/1/events failed with HTTP 413: too large"
        );
        let timeout = PusherError::from(Native::Transport {
            method: "GET".into(),
            url: "http://x".into(),
            message: "slow".into(),
            timed_out: true,
        });
        assert!(matches!(
            timeout,
            PusherError::Transport {
                timed_out: true,
                ..
            }
        ));
        assert!(matches!(
            PusherError::from(Native::Closed),
            PusherError::Closed { .. }
        ));
        assert!(matches!(
            PusherError::from(Native::Config("no address".into())),
            PusherError::Config { reason } if reason == "no address"
        ));
    }
}
