//! Signatures: channel authorization (private, presence, encrypted), user
//! sign-in, and the app credentials they are made with.
//!
//! Every signature is a lowercase hex HMAC-SHA256 keyed with the app secret.
//! The strings signed are exactly those of Pusher's "auth signatures" page:
//! `socket_id:channel` (private), `socket_id:channel:channel_data` (presence),
//! `socket_id::user::user_data` (sign-in). Verification compares in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::encoding::{base64_encode, hex_decode, hex_encode};
use crate::encryption::{self, MasterKey};
use crate::frame::MemberData;
use crate::json;
use crate::limits::{self, ValidationError};
use crate::protocol::ChannelKind;

type HmacSha256 = Hmac<Sha256>;

/// Hex HMAC-SHA256 of `message` keyed with `secret`.
///
/// ```
/// // Pusher's worked example for private channels.
/// let sig = pusher_lite_core::auth::sign("7ad3773142a6692b25b8", "1234.1234:private-foobar");
/// assert_eq!(sig, "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
/// ```
pub fn sign(secret: &str, message: &str) -> String {
    hex_encode(&hmac_bytes(secret.as_bytes(), message.as_bytes()))
}

/// Raw HMAC-SHA256 bytes.
pub(crate) fn hmac_bytes(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Whether `signature` (hex) is the HMAC of `message` under `secret`, compared
/// in constant time.
pub fn verify(secret: &str, message: &str, signature: &str) -> bool {
    let Ok(given) = hex_decode(signature) else {
        return false;
    };
    let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(message.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Why an authorization could not be made or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// An input broke a protocol rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A presence channel needs member data.
    #[error("presence channel {0} needs member data (user_id and optional user_info)")]
    MissingMemberData(String),
    /// Member data was given for a channel that is not a presence channel.
    #[error("channel {0} is not a presence channel, so it takes no member data")]
    UnexpectedMemberData(String),
    /// An encrypted channel needs the encryption master key.
    #[error("channel {0} is encrypted: set an encryption master key to authorize it")]
    MissingMasterKey(String),
    /// The auth string is not `key:signature`.
    #[error("auth must be \"key:signature\", got {0:?}")]
    Malformed(String),
    /// The auth string names another app key.
    #[error("auth is for app key {given:?}, not {expected:?}")]
    WrongKey {
        /// Key in the auth string.
        given: String,
        /// Key of this app.
        expected: String,
    },
    /// The signature does not match.
    #[error("invalid signature for {0}")]
    BadSignature(String),
}

/// An app's identity and secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Numeric or textual app id (HTTP API paths).
    pub app_id: String,
    /// Public key (WebSocket URL, `auth_key`).
    pub key: String,
    /// Secret (never sent).
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("app_id", &self.app_id)
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What a channel auth endpoint answers: `{"auth", "channel_data"?, "shared_secret"?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelAuthorization {
    /// `key:signature`.
    pub auth: String,
    /// Presence member data, JSON text exactly as signed.
    pub channel_data: Option<String>,
    /// Base64 per-channel key for `private-encrypted-` channels.
    pub shared_secret: Option<String>,
}

impl ChannelAuthorization {
    /// The JSON body an auth endpoint returns.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"auth\":");
        json::write_str(&mut out, &self.auth);
        if let Some(cd) = &self.channel_data {
            out.push_str(",\"channel_data\":");
            json::write_str(&mut out, cd);
        }
        if let Some(ss) = &self.shared_secret {
            out.push_str(",\"shared_secret\":");
            json::write_str(&mut out, ss);
        }
        out.push('}');
        out
    }

    /// Reads an auth endpoint's JSON answer.
    pub fn from_json(text: &str) -> Result<ChannelAuthorization, AuthError> {
        let members =
            json::parse_object(text).map_err(|_| AuthError::Malformed(text.to_owned()))?;
        let string = |key| {
            json::member(&members, key)
                .and_then(json::Value::as_str)
                .map(str::to_owned)
        };
        Ok(ChannelAuthorization {
            auth: string("auth").ok_or_else(|| AuthError::Malformed(text.to_owned()))?,
            channel_data: string("channel_data"),
            shared_secret: string("shared_secret"),
        })
    }
}

/// What a user authentication endpoint answers: `{"auth", "user_data"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAuthentication {
    /// `key:signature`.
    pub auth: String,
    /// JSON-encoded user data, exactly as signed.
    pub user_data: String,
}

impl UserAuthentication {
    /// The JSON body an authentication endpoint returns.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"auth\":");
        json::write_str(&mut out, &self.auth);
        out.push_str(",\"user_data\":");
        json::write_str(&mut out, &self.user_data);
        out.push('}');
        out
    }

    /// Reads an authentication endpoint's JSON answer.
    pub fn from_json(text: &str) -> Result<UserAuthentication, AuthError> {
        let members =
            json::parse_object(text).map_err(|_| AuthError::Malformed(text.to_owned()))?;
        let string = |key| {
            json::member(&members, key)
                .and_then(json::Value::as_str)
                .map(str::to_owned)
        };
        Ok(UserAuthentication {
            auth: string("auth").ok_or_else(|| AuthError::Malformed(text.to_owned()))?,
            user_data: string("user_data").ok_or_else(|| AuthError::Malformed(text.to_owned()))?,
        })
    }
}

/// The string signed for a channel subscription.
pub fn channel_string_to_sign(
    socket_id: &str,
    channel: &str,
    channel_data: Option<&str>,
) -> String {
    match channel_data {
        Some(cd) => format!("{socket_id}:{channel}:{cd}"),
        None => format!("{socket_id}:{channel}"),
    }
}

/// The string signed for a user sign-in.
pub fn user_string_to_sign(socket_id: &str, user_data: &str) -> String {
    format!("{socket_id}::user::{user_data}")
}

impl Credentials {
    /// Bundles credentials.
    pub fn new(
        app_id: impl Into<String>,
        key: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        Credentials {
            app_id: app_id.into(),
            key: key.into(),
            secret: secret.into(),
        }
    }

    /// `key:signature` over `message`.
    pub fn auth_string(&self, message: &str) -> String {
        format!("{}:{}", self.key, sign(&self.secret, message))
    }

    /// Authorizes `socket_id` on `channel`, as an app's auth endpoint does.
    /// Presence channels need `member`; encrypted channels need `master_key`
    /// and get their `shared_secret`.
    ///
    /// ```
    /// use pusher_lite_core::auth::Credentials;
    /// use pusher_lite_core::frame::MemberData;
    /// let app = Credentials::new("3", "278d425bdf160c739803", "7ad3773142a6692b25b8");
    /// let member = MemberData { user_id: "10".into(), user_info: Some(r#"{"name":"Mr. Channels"}"#.into()) };
    /// let auth = app.authorize_channel("1234.1234", "presence-foobar", Some(&member), None).unwrap();
    /// assert_eq!(auth.channel_data.as_deref(), Some(r#"{"user_id":"10","user_info":{"name":"Mr. Channels"}}"#));
    /// ```
    pub fn authorize_channel(
        &self,
        socket_id: &str,
        channel: &str,
        member: Option<&MemberData>,
        master_key: Option<&MasterKey>,
    ) -> Result<ChannelAuthorization, AuthError> {
        limits::validate_socket_id(socket_id)?;
        limits::validate_channel_name(channel)?;
        let kind = ChannelKind::of(channel);
        let channel_data = match (kind, member) {
            (ChannelKind::Presence, Some(m)) => {
                limits::validate_user_id(&m.user_id)?;
                Some(m.encode())
            }
            (ChannelKind::Presence, None) => {
                return Err(AuthError::MissingMemberData(channel.to_owned()));
            }
            (_, Some(_)) => return Err(AuthError::UnexpectedMemberData(channel.to_owned())),
            (_, None) => None,
        };
        let shared_secret = if kind == ChannelKind::PrivateEncrypted {
            let key = master_key.ok_or_else(|| AuthError::MissingMasterKey(channel.to_owned()))?;
            Some(base64_encode(
                encryption::shared_secret(channel, key).as_bytes(),
            ))
        } else {
            None
        };
        Ok(ChannelAuthorization {
            auth: self.auth_string(&channel_string_to_sign(
                socket_id,
                channel,
                channel_data.as_deref(),
            )),
            channel_data,
            shared_secret,
        })
    }

    /// Authenticates a user for sign-in. `user_data` is JSON text with at least
    /// a non-empty string `id`; it is signed and returned byte for byte.
    pub fn authenticate_user(
        &self,
        socket_id: &str,
        user_data: &str,
    ) -> Result<UserAuthentication, AuthError> {
        limits::validate_socket_id(socket_id)?;
        let id = user_data_id(user_data).ok_or_else(|| ValidationError::UserId {
            id: String::new(),
            reason: "user_data must be a JSON object with a non-empty string \"id\"",
        })?;
        limits::validate_user_id(&id)?;
        Ok(UserAuthentication {
            auth: self.auth_string(&user_string_to_sign(socket_id, user_data)),
            user_data: user_data.to_owned(),
        })
    }

    /// Checks the `auth` of a `pusher:subscribe` (server side).
    pub fn verify_channel_auth(
        &self,
        socket_id: &str,
        channel: &str,
        channel_data: Option<&str>,
        auth: &str,
    ) -> Result<(), AuthError> {
        self.verify_auth_string(
            auth,
            &channel_string_to_sign(socket_id, channel, channel_data),
            channel,
        )
    }

    /// Checks the `auth` of a `pusher:signin` (server side).
    pub fn verify_user_auth(
        &self,
        socket_id: &str,
        user_data: &str,
        auth: &str,
    ) -> Result<(), AuthError> {
        self.verify_auth_string(auth, &user_string_to_sign(socket_id, user_data), "sign-in")
    }

    fn verify_auth_string(&self, auth: &str, message: &str, what: &str) -> Result<(), AuthError> {
        let (key, signature) = auth
            .split_once(':')
            .ok_or_else(|| AuthError::Malformed(auth.to_owned()))?;
        if key != self.key {
            return Err(AuthError::WrongKey {
                given: key.to_owned(),
                expected: self.key.clone(),
            });
        }
        if verify(&self.secret, message, signature) {
            Ok(())
        } else {
            Err(AuthError::BadSignature(what.to_owned()))
        }
    }
}

/// The `id` of sign-in user data, if it is a JSON object with a non-empty string id.
pub fn user_data_id(user_data: &str) -> Option<String> {
    let members = json::parse_object(user_data).ok()?;
    match json::member(&members, "id") {
        Some(json::Value::String(id)) if !id.is_empty() => Some(id.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs_app() -> Credentials {
        Credentials::new("3", "278d425bdf160c739803", "7ad3773142a6692b25b8")
    }

    #[test]
    fn docs_worked_examples() {
        let app = docs_app();
        let private = app
            .authorize_channel("1234.1234", "private-foobar", None, None)
            .unwrap();
        assert_eq!(
            private.auth,
            "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
        );
        let user = app
            .authenticate_user("1234.1234", r#"{"id":"12345"}"#)
            .unwrap();
        assert_eq!(
            user.auth,
            "278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba"
        );
        // The docs page now says "Mr. Channels" but its signature was made when
        // it said "Mr. Pusher"; the published signature verifies over the latter.
        let presence = app.auth_string(&channel_string_to_sign(
            "1234.1234",
            "presence-foobar",
            Some(r#"{"user_id":10,"user_info":{"name":"Mr. Pusher"}}"#),
        ));
        assert_eq!(
            presence,
            "278d425bdf160c739803:afaed3695da2ffd16931f457e338e6c9f2921fa133ce7dac49f529792be6304c"
        );
    }

    #[test]
    fn verification_accepts_good_and_refuses_bad() {
        let app = docs_app();
        let auth = app
            .authorize_channel("1.2", "private-a", None, None)
            .unwrap()
            .auth;
        assert!(
            app.verify_channel_auth("1.2", "private-a", None, &auth)
                .is_ok()
        );
        assert!(matches!(
            app.verify_channel_auth("1.3", "private-a", None, &auth),
            Err(AuthError::BadSignature(_))
        ));
        assert!(matches!(
            app.verify_channel_auth("1.2", "private-a", None, "nokey"),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            app.verify_channel_auth("1.2", "private-a", None, "other:abc"),
            Err(AuthError::WrongKey { .. })
        ));
        assert!(matches!(
            app.verify_channel_auth("1.2", "private-a", None, "278d425bdf160c739803:zz"),
            Err(AuthError::BadSignature(_))
        ));
    }

    #[test]
    fn authorization_rules() {
        let app = docs_app();
        assert!(matches!(
            app.authorize_channel("1.2", "presence-a", None, None),
            Err(AuthError::MissingMemberData(_))
        ));
        assert!(matches!(
            app.authorize_channel("1.2", "private-encrypted-a", None, None),
            Err(AuthError::MissingMasterKey(_))
        ));
        assert!(matches!(
            app.authorize_channel("bad", "private-a", None, None),
            Err(AuthError::Invalid(ValidationError::SocketId(_)))
        ));
        assert!(app.authenticate_user("1.2", r#"{"name":"no id"}"#).is_err());
        let parsed =
            ChannelAuthorization::from_json(r#"{"auth":"a:b","channel_data":"{}"}"#).unwrap();
        assert_eq!(
            ChannelAuthorization::from_json(&parsed.to_json()).unwrap(),
            parsed
        );
    }
}
