//! The one error type of the native SDK. Each variant names what was wrong and,
//! for HTTP failures, carries the status and the server's own message.

use pusher_lite_core::auth::AuthError;
use pusher_lite_core::encryption::EncryptionError;
use pusher_lite_core::jwt::JwtError;
use pusher_lite_core::limits::ValidationError;
use pusher_lite_core::webhook::WebhookError;

/// Anything the publisher or client can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is incomplete or invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An argument breaks a protocol rule (caught before anything was sent).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// An authorization could not be made.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Encryption material or an encrypted payload was refused.
    #[error(transparent)]
    Encryption(#[from] EncryptionError),
    /// A session token was refused.
    #[error(transparent)]
    Jwt(#[from] JwtError),
    /// A webhook failed verification.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// The server answered with an error status.
    #[error("{method} {path} failed with HTTP {status}: {message}")]
    Http {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// Status code.
        status: u16,
        /// The server's message (its `error` member, or the body).
        message: String,
    },
    /// The request did not complete (connection refused, timeout, TLS, …).
    #[error("{method} {url} did not complete: {message}")]
    Transport {
        /// HTTP method.
        method: String,
        /// Where it was sent (without query, which carries signatures).
        url: String,
        /// What went wrong.
        message: String,
        /// Whether it timed out.
        timed_out: bool,
    },
    /// The server answered 2xx with a body we could not read.
    #[error("unexpected response to {path}: {message}")]
    Response {
        /// Request path.
        path: String,
        /// What was wrong with the body.
        message: String,
    },
    /// A blocking call was made from inside an async runtime.
    #[error("the blocking API cannot run inside an async runtime; use the async Publisher there")]
    BlockingInAsync,
    /// The client's background task has stopped.
    #[error("the client has shut down")]
    Closed,
    /// A client call the protocol refuses (bad channel or event name, unsupported feature).
    #[error(transparent)]
    Client(#[from] pusher_lite_core::client::ClientError),
}

impl Error {
    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                timed_out: true,
                ..
            }
        )
    }
}
