//! Webhooks: the body a server POSTs to an app (`{time_ms, events}`), its
//! signature (`X-Pusher-Signature`, hex HMAC-SHA256 of the raw body with the app
//! secret, next to `X-Pusher-Key`), and verification for the receiving app.

use serde::{Deserialize, Serialize};

use crate::auth::{self, Credentials};

/// Header carrying the app key.
pub const KEY_HEADER: &str = "X-Pusher-Key";
/// Header carrying the body signature.
pub const SIGNATURE_HEADER: &str = "X-Pusher-Signature";
/// Oldest `time_ms` a receiver accepts by default (the Python library's 5 minutes).
pub const MAX_AGE_MS: u64 = 5 * 60 * 1000;

/// One webhook event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum WebhookEvent {
    /// A channel got its first subscriber.
    ChannelOccupied {
        /// The channel.
        channel: String,
    },
    /// A channel lost its last subscriber.
    ChannelVacated {
        /// The channel.
        channel: String,
    },
    /// A user joined a presence channel.
    MemberAdded {
        /// The channel.
        channel: String,
        /// The user.
        user_id: String,
    },
    /// A user left a presence channel.
    MemberRemoved {
        /// The channel.
        channel: String,
        /// The user.
        user_id: String,
    },
    /// A client sent a client event.
    ClientEvent {
        /// The channel.
        channel: String,
        /// The event name.
        event: String,
        /// The payload as text.
        data: String,
        /// The sender's connection.
        socket_id: String,
        /// The sender's user id (presence channels).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
    },
    /// A cache channel had nothing cached when someone subscribed.
    CacheMiss {
        /// The channel.
        channel: String,
    },
    /// A channel's subscription count changed.
    SubscriptionCount {
        /// The channel.
        channel: String,
        /// Connections subscribed now.
        subscription_count: u64,
    },
}

/// A webhook request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookBody {
    /// When the events happened, in ms since the epoch.
    pub time_ms: u64,
    /// The events.
    pub events: Vec<WebhookEvent>,
}

impl WebhookBody {
    /// The JSON text to send (and sign).
    pub fn to_json(&self) -> String {
        // Serializing plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!())
    }
}

/// The `X-Pusher-Signature` of a body.
pub fn sign(secret: &str, body: &str) -> String {
    auth::sign(secret, body)
}

/// A webhook a receiver must not trust.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// `X-Pusher-Key` is not this app's key.
    #[error("webhook is for app key {0:?}, not this app")]
    WrongKey(String),
    /// The signature does not match the body.
    #[error("webhook signature does not match the body")]
    BadSignature,
    /// The body is not a webhook body.
    #[error("webhook body is not valid: {0}")]
    Body(String),
    /// `time_ms` is older than allowed.
    #[error("webhook time_ms {time_ms} is {age_ms} ms old; the limit is {max_age_ms} ms")]
    Stale {
        /// The body's time.
        time_ms: u64,
        /// Its age.
        age_ms: u64,
        /// Allowed age.
        max_age_ms: u64,
    },
}

/// Verifies a received webhook and parses its body. `now_ms` is the receiver's
/// clock; pass `max_age_ms: None` to skip the age check.
pub fn verify(
    credentials: &Credentials,
    key_header: &str,
    signature_header: &str,
    body: &str,
    now_ms: u64,
    max_age_ms: Option<u64>,
) -> Result<WebhookBody, WebhookError> {
    if key_header != credentials.key {
        return Err(WebhookError::WrongKey(key_header.to_owned()));
    }
    if !auth::verify(&credentials.secret, body, signature_header) {
        return Err(WebhookError::BadSignature);
    }
    let parsed: WebhookBody =
        serde_json::from_str(body).map_err(|e| WebhookError::Body(e.to_string()))?;
    if let Some(max_age_ms) = max_age_ms {
        let age_ms = now_ms.saturating_sub(parsed.time_ms);
        if age_ms > max_age_ms {
            return Err(WebhookError::Stale {
                time_ms: parsed.time_ms,
                age_ms,
                max_age_ms,
            });
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let app = Credentials::new("1", "key", "secret");
        let body = WebhookBody {
            time_ms: 1_000_000,
            events: vec![
                WebhookEvent::ChannelOccupied {
                    channel: "general".into(),
                },
                WebhookEvent::ClientEvent {
                    channel: "private-a".into(),
                    event: "client-x".into(),
                    data: "{}".into(),
                    socket_id: "1.2".into(),
                    user_id: None,
                },
            ],
        }
        .to_json();
        assert!(body.contains(r#"{"name":"channel_occupied","channel":"general"}"#));
        let sig = sign("secret", &body);
        assert!(verify(&app, "key", &sig, &body, 1_000_100, Some(MAX_AGE_MS)).is_ok());
        assert_eq!(
            verify(&app, "other", &sig, &body, 1_000_100, None),
            Err(WebhookError::WrongKey("other".into()))
        );
        assert_eq!(
            verify(&app, "key", &sig, &body.replace("general", "x"), 0, None),
            Err(WebhookError::BadSignature)
        );
        assert!(matches!(
            verify(
                &app,
                "key",
                &sig,
                &body,
                1_000_000 + MAX_AGE_MS + 1,
                Some(MAX_AGE_MS)
            ),
            Err(WebhookError::Stale { .. })
        ));
    }
}
