//! Lite session tokens: HS256 JWTs an organization's secret token signs.
//!
//! A back end trades its organization secret for a token (`POST /api/sessions`,
//! or minted locally with [`encode_session`]) and hands it to the browser. The
//! token is channel auth in `pusher:subscribe` and the Bearer credential of the
//! REST event endpoint. Claims: `iss`, `iat`, `exp`, `org`, optional `sub` (user
//! id) and `user_info`, and the channel patterns `listen` and `publish`, where a
//! trailing `*` matches any suffix (`private-*`), and `*` alone matches anything.

use serde::{Deserialize, Serialize};

use crate::auth::hmac_bytes;
use crate::encoding::{base64url_decode, base64url_encode};
use crate::json;

/// The issuer this project writes.
pub const ISSUER: &str = "pusher-lite";
/// Seconds a token's `iat` may lie in the future (clock skew between hosts).
pub const CLOCK_SKEW_SECS: u64 = 60;
/// Default token lifetime.
pub const DEFAULT_TTL_SECS: u64 = 60 * 60;
/// Longest lifetime a session may ask for.
pub const MAX_TTL_SECS: u64 = 30 * 24 * 60 * 60;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// The claims of a Lite session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// Issuer.
    pub iss: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    /// Organization the token belongs to.
    pub org: String,
    /// User id, if the session is for a user (presence membership).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Presence `user_info` for that user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<serde_json::Value>,
    /// Channel patterns the holder may subscribe to.
    #[serde(default)]
    pub listen: Vec<String>,
    /// Channel patterns the holder may publish to.
    #[serde(default)]
    pub publish: Vec<String>,
}

impl SessionClaims {
    /// Claims for `org`, issued `now`, valid for `ttl_secs`, listening and
    /// publishing on everything until narrowed.
    pub fn new(org: impl Into<String>, now: u64, ttl_secs: u64) -> Self {
        SessionClaims {
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now.saturating_add(ttl_secs),
            org: org.into(),
            sub: None,
            user_info: None,
            listen: vec!["*".to_owned()],
            publish: vec!["*".to_owned()],
        }
    }

    /// Whether the holder may subscribe to `channel`.
    pub fn can_listen(&self, channel: &str) -> bool {
        self.listen.iter().any(|p| pattern_matches(p, channel))
    }

    /// Whether the holder may publish to `channel`.
    pub fn can_publish(&self, channel: &str) -> bool {
        self.publish.iter().any(|p| pattern_matches(p, channel))
    }
}

/// Whether `pattern` (exact, or with a trailing `*` wildcard) matches `channel`.
pub fn pattern_matches(pattern: &str, channel: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => channel.starts_with(prefix),
        None => pattern == channel,
    }
}

/// A token that was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    #[error("session token is malformed: {0}")]
    Malformed(&'static str),
    /// The header names another algorithm.
    #[error("session token must be signed with HS256")]
    Algorithm,
    /// The signature does not verify with the organization's secret.
    #[error("session token signature is invalid")]
    Signature,
    /// The claims are not Lite session claims.
    #[error("session token claims are invalid: {0}")]
    Claims(String),
    /// Past `exp`.
    #[error("session token expired at {exp} (now {now}); ask for a new session")]
    Expired {
        /// Expiry.
        exp: u64,
        /// Verifier's clock.
        now: u64,
    },
    /// `iat` lies in the future beyond the allowed skew.
    #[error("session token is issued at {iat}, after now ({now}); check the clocks")]
    NotYetValid {
        /// Issue time.
        iat: u64,
        /// Verifier's clock.
        now: u64,
    },
}

/// Signs `claims` with the organization secret.
///
/// ```
/// use pusher_lite_core::jwt::{decode_session, encode_session, SessionClaims};
/// let claims = SessionClaims::new("acme-inc", 1_700_000_000, 3600);
/// let token = encode_session(&claims, "org-secret");
/// assert_eq!(decode_session(&token, "org-secret", 1_700_000_100).unwrap(), claims);
/// ```
pub fn encode_session(claims: &SessionClaims, secret: &str) -> String {
    // Claims are strings, numbers and JSON values: serializing cannot fail.
    let payload = serde_json::to_vec(claims).unwrap_or_else(|_| unreachable!());
    let signing_input = format!(
        "{}.{}",
        base64url_encode(HEADER.as_bytes()),
        base64url_encode(&payload)
    );
    let signature = hmac_bytes(secret.as_bytes(), signing_input.as_bytes());
    format!("{signing_input}.{}", base64url_encode(&signature))
}

/// Verifies `token` with `secret` at time `now` (seconds) and returns its claims.
pub fn decode_session(token: &str, secret: &str, now: u64) -> Result<SessionClaims, JwtError> {
    let (signing_input, signature) = token
        .rsplit_once('.')
        .ok_or(JwtError::Malformed("expected three dot-separated parts"))?;
    let (header, payload) = signing_input
        .split_once('.')
        .ok_or(JwtError::Malformed("expected three dot-separated parts"))?;
    let header =
        base64url_decode(header).map_err(|_| JwtError::Malformed("header is not base64url"))?;
    let header =
        std::str::from_utf8(&header).map_err(|_| JwtError::Malformed("header is not UTF-8"))?;
    let header =
        json::parse_object(header).map_err(|_| JwtError::Malformed("header is not JSON"))?;
    if json::member(&header, "alg").and_then(json::Value::as_str) != Some("HS256") {
        return Err(JwtError::Algorithm);
    }
    let payload =
        base64url_decode(payload).map_err(|_| JwtError::Malformed("payload is not base64url"))?;
    let signature = base64url_decode(signature)
        .map_err(|_| JwtError::Malformed("signature is not base64url"))?;
    let expected = hmac_bytes(secret.as_bytes(), signing_input.as_bytes());
    if !constant_time_eq(&signature, &expected) {
        return Err(JwtError::Signature);
    }
    let claims: SessionClaims =
        serde_json::from_slice(&payload).map_err(|e| JwtError::Claims(e.to_string()))?;
    if now >= claims.exp {
        return Err(JwtError::Expired {
            exp: claims.exp,
            now,
        });
    }
    if claims.iat > now.saturating_add(CLOCK_SKEW_SECS) {
        return Err(JwtError::NotYetValid {
            iat: claims.iat,
            now,
        });
    }
    Ok(claims)
}

/// The `sub` of a token, read without verifying it. Clients use it to know
/// their own presence id; only a server's verification makes it trustworthy.
pub fn peek_subject(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let payload = base64url_decode(payload).ok()?;
    let payload = std::str::from_utf8(&payload).ok()?;
    let members = json::parse_object(payload).ok()?;
    json::member(&members, "sub").map(|v| v.clone().into_text().into_owned())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(pattern_matches("*", "anything"));
        assert!(pattern_matches("private-*", "private-x"));
        assert!(!pattern_matches("private-*", "presence-x"));
        assert!(pattern_matches("general", "general"));
        assert!(!pattern_matches("general", "general2"));
    }

    #[test]
    fn refusals() {
        let mut claims = SessionClaims::new("acme-inc", 1000, 60);
        claims.sub = Some("u1".into());
        let token = encode_session(&claims, "s");
        assert_eq!(
            decode_session(&token, "other", 1001),
            Err(JwtError::Signature)
        );
        assert_eq!(
            decode_session(&token, "s", 1060),
            Err(JwtError::Expired {
                exp: 1060,
                now: 1060
            })
        );
        assert_eq!(
            decode_session(&token, "s", 900),
            Err(JwtError::NotYetValid {
                iat: 1000,
                now: 900
            })
        );
        assert!(matches!(
            decode_session("a.b", "s", 1001),
            Err(JwtError::Malformed(_))
        ));
        let none_alg = format!(
            "{}.{}.",
            base64url_encode(br#"{"alg":"none"}"#),
            token.split('.').nth(1).unwrap()
        );
        assert_eq!(
            decode_session(&none_alg, "s", 1001),
            Err(JwtError::Algorithm)
        );
        assert_eq!(peek_subject(&token).as_deref(), Some("u1"));
    }
}
