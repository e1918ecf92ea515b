//! Pure helpers, each a direct call of one `pusher-lite-core` function: the
//! signatures, session tokens and encrypted payloads of the protocol, for
//! back ends that verify what they receive and for the shared test vectors
//! (`tests/vectors/`), which every language checks through these.

use pusher_lite::core::auth::{self, Credentials};
use pusher_lite::core::encoding;
use pusher_lite::core::encryption::{self, ChannelKey, MasterKey};
use pusher_lite::core::http_api;
use pusher_lite::core::jwt;
use pusher_lite::core::webhook;

use crate::PusherError;
use crate::publisher::{ChannelAuthorization, MemberData, UserAuthentication, WebhookBody};

/// An app's id, key and secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppCredentials {
    /// The app id.
    pub app_id: String,
    /// The app key.
    pub key: String,
    /// The app secret.
    pub secret: String,
}

impl From<&AppCredentials> for Credentials {
    fn from(c: &AppCredentials) -> Self {
        Credentials::new(&c.app_id, &c.key, &c.secret)
    }
}

/// The claims of a Lite session token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionClaims {
    /// Issuer (`pusher-lite`).
    pub iss: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    /// The organization.
    pub org: String,
    /// The user, if the session is for one.
    pub sub: Option<String>,
    /// The user's presence info, as JSON text.
    pub user_info: Option<String>,
    /// Channel patterns the holder may subscribe to.
    pub listen: Vec<String>,
    /// Channel patterns the holder may publish to.
    pub publish: Vec<String>,
}

impl From<jwt::SessionClaims> for SessionClaims {
    fn from(c: jwt::SessionClaims) -> Self {
        SessionClaims {
            iss: c.iss,
            iat: c.iat,
            exp: c.exp,
            org: c.org,
            sub: c.sub,
            user_info: c.user_info.map(|v| v.to_string()),
            listen: c.listen,
            publish: c.publish,
        }
    }
}

impl TryFrom<SessionClaims> for jwt::SessionClaims {
    type Error = PusherError;
    fn try_from(c: SessionClaims) -> Result<Self, PusherError> {
        let user_info = c
            .user_info
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| PusherError::Invalid {
                reason: format!("user_info must be JSON text: {e}"),
            })?;
        Ok(jwt::SessionClaims {
            iss: c.iss,
            iat: c.iat,
            exp: c.exp,
            org: c.org,
            sub: c.sub,
            user_info,
            listen: c.listen,
            publish: c.publish,
        })
    }
}

/// Why a session token was refused, for callers that act on the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TokenProblem {
    /// Not three base64url parts of JSON.
    Malformed,
    /// Not HS256.
    Algorithm,
    /// The signature does not match.
    Signature,
    /// The claims are missing or of the wrong type.
    Claims,
    /// Past `exp`.
    Expired,
    /// Before `iat` (beyond the allowed clock skew).
    NotYetValid,
}

/// Why an encrypted payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PayloadProblem {
    /// Not `{"nonce","ciphertext"}` JSON with base64 members.
    Format,
    /// The nonce is not 24 bytes.
    NonceLength,
    /// The ciphertext is shorter than the tag.
    CiphertextLength,
    /// Wrong key, or the payload was altered.
    Authentication,
    /// A key of the wrong length or encoding.
    Key,
}

fn key_error(e: encryption::EncryptionError) -> PusherError {
    PusherError::Encryption {
        reason: e.to_string(),
    }
}

/// Hex HMAC-SHA256 of `message` with `secret` — every Pusher signature.
#[uniffi::export]
pub fn sign(secret: String, message: String) -> String {
    auth::sign(&secret, &message)
}

/// The string signed for a channel subscription.
#[uniffi::export]
pub fn channel_string_to_sign(
    socket_id: String,
    channel: String,
    channel_data: Option<String>,
) -> String {
    auth::channel_string_to_sign(&socket_id, &channel, channel_data.as_deref())
}

/// The string signed for a user sign-in.
#[uniffi::export]
pub fn user_string_to_sign(socket_id: String, user_data: String) -> String {
    auth::user_string_to_sign(&socket_id, &user_data)
}

/// `key:signature` over `message` with the app's secret.
#[uniffi::export]
pub fn auth_string(app: AppCredentials, message: String) -> String {
    Credentials::from(&app).auth_string(&message)
}

/// Authorizes a socket on a channel with the app's credentials (and master
/// key, base64, for encrypted channels) — what [`crate::Publisher::authorize_channel`] does.
#[uniffi::export]
pub fn authorize_channel(
    app: AppCredentials,
    socket_id: String,
    channel: String,
    member: Option<MemberData>,
    master_key_base64: Option<String>,
) -> Result<ChannelAuthorization, PusherError> {
    let master = master_key_base64
        .map(|k| MasterKey::from_base64(&k))
        .transpose()
        .map_err(key_error)?;
    let member = member.map(pusher_lite::core::frame::MemberData::from);
    Credentials::from(&app)
        .authorize_channel(&socket_id, &channel, member.as_ref(), master.as_ref())
        .map(Into::into)
        .map_err(|e| pusher_lite::Error::from(e).into())
}

/// Authenticates a user for sign-in with the app's credentials.
#[uniffi::export]
pub fn authenticate_user(
    app: AppCredentials,
    socket_id: String,
    user_data: String,
) -> Result<UserAuthentication, PusherError> {
    Credentials::from(&app)
        .authenticate_user(&socket_id, &user_data)
        .map(Into::into)
        .map_err(|e| pusher_lite::Error::from(e).into())
}

/// Checks the `auth` of a subscription, as a server does.
#[uniffi::export]
pub fn verify_channel_auth(
    app: AppCredentials,
    socket_id: String,
    channel: String,
    channel_data: Option<String>,
    auth: String,
) -> bool {
    Credentials::from(&app)
        .verify_channel_auth(&socket_id, &channel, channel_data.as_deref(), &auth)
        .is_ok()
}

/// Checks the `auth` of a sign-in, as a server does.
#[uniffi::export]
pub fn verify_user_auth(
    app: AppCredentials,
    socket_id: String,
    user_data: String,
    auth: String,
) -> bool {
    Credentials::from(&app)
        .verify_user_auth(&socket_id, &user_data, &auth)
        .is_ok()
}

/// Hex MD5 of an HTTP API request body.
#[uniffi::export]
pub fn body_md5(body: String) -> String {
    http_api::body_md5(body.as_bytes())
}

/// The query parameters that sign an HTTP API request at `timestamp`
/// (`auth_key`, `auth_timestamp`, `auth_version`, `body_md5`, the request's own
/// parameters, then `auth_signature`), as `[name, value]` pairs.
#[uniffi::export]
pub fn sign_http_request(
    app: AppCredentials,
    method: String,
    path: String,
    query: Vec<Vec<String>>,
    body: String,
    timestamp: u64,
) -> Result<Vec<Vec<String>>, PusherError> {
    let query = query
        .into_iter()
        .map(|pair| match <[String; 2]>::try_from(pair) {
            Ok([k, v]) => Ok((k, v)),
            Err(p) => Err(PusherError::Invalid {
                reason: format!("a query parameter is a [name, value] pair, got {p:?}"),
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    http_api::sign_request(
        &Credentials::from(&app),
        &method,
        &path,
        &query,
        body.as_bytes(),
        timestamp,
    )
    .map(|params| params.into_iter().map(|(k, v)| vec![k, v]).collect())
    .map_err(|e| PusherError::Invalid {
        reason: e.to_string(),
    })
}

/// The `X-Pusher-Signature` of a webhook body.
#[uniffi::export]
pub fn webhook_signature(secret: String, body: String) -> String {
    webhook::sign(&secret, &body)
}

/// Verifies a webhook as received at `now_ms` (ms since the epoch);
/// `max_age_ms` `None` skips the age check.
#[uniffi::export]
pub fn verify_webhook_at(
    app: AppCredentials,
    key: String,
    signature: String,
    body: String,
    now_ms: u64,
    max_age_ms: Option<u64>,
) -> Result<WebhookBody, PusherError> {
    webhook::verify(
        &Credentials::from(&app),
        &key,
        &signature,
        &body,
        now_ms,
        max_age_ms,
    )
    .map(Into::into)
    .map_err(|e| pusher_lite::Error::from(e).into())
}

/// Encodes and signs session claims with the organization's secret token.
#[uniffi::export]
pub fn encode_session(claims: SessionClaims, secret: String) -> Result<String, PusherError> {
    Ok(jwt::encode_session(&claims.try_into()?, &secret))
}

/// Verifies a session token at `now` (seconds since the epoch) and returns its claims.
#[uniffi::export]
pub fn decode_session(
    token: String,
    secret: String,
    now: u64,
) -> Result<SessionClaims, PusherError> {
    jwt::decode_session(&token, &secret, now)
        .map(Into::into)
        .map_err(|e| pusher_lite::Error::from(e).into())
}

/// Why [`decode_session`] refuses a token, or `None` if it accepts it.
#[uniffi::export]
pub fn session_problem(token: String, secret: String, now: u64) -> Option<TokenProblem> {
    match jwt::decode_session(&token, &secret, now) {
        Ok(_) => None,
        Err(jwt::JwtError::Malformed(_)) => Some(TokenProblem::Malformed),
        Err(jwt::JwtError::Algorithm) => Some(TokenProblem::Algorithm),
        Err(jwt::JwtError::Signature) => Some(TokenProblem::Signature),
        Err(jwt::JwtError::Claims(_)) => Some(TokenProblem::Claims),
        Err(jwt::JwtError::Expired { .. }) => Some(TokenProblem::Expired),
        Err(jwt::JwtError::NotYetValid { .. }) => Some(TokenProblem::NotYetValid),
    }
}

/// Whether a session's channel `pattern` (`*` suffix wildcard) covers `channel`.
#[uniffi::export]
pub fn session_pattern_matches(pattern: String, channel: String) -> bool {
    jwt::pattern_matches(&pattern, &channel)
}

/// An encrypted channel's key (base64): SHA-256 of the channel name and the master key.
#[uniffi::export]
pub fn channel_shared_secret(
    channel: String,
    master_key_base64: String,
) -> Result<String, PusherError> {
    let master = MasterKey::from_base64(&master_key_base64).map_err(key_error)?;
    Ok(encryption::shared_secret(&channel, &master).to_base64())
}

/// Seals `plaintext` with a channel key (base64) and a 24-byte nonce (base64):
/// the `{"nonce","ciphertext"}` data of an encrypted event. Publishers pick a
/// random nonce themselves; this one is for checking against known payloads.
#[uniffi::export]
pub fn encrypt_payload(
    shared_secret: String,
    nonce_base64: String,
    plaintext: String,
) -> Result<String, PusherError> {
    let key = ChannelKey::from_base64(&shared_secret).map_err(key_error)?;
    let nonce: [u8; encryption::NONCE_LEN] = encoding::base64_decode(&nonce_base64)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| PusherError::Encryption {
            reason: format!(
                "the nonce must be {} bytes of base64",
                encryption::NONCE_LEN
            ),
        })?;
    Ok(encryption::encrypt(&key, &nonce, plaintext.as_bytes()))
}

/// Opens the data of an encrypted event with the channel key (base64).
#[uniffi::export]
pub fn decrypt_payload(shared_secret: String, data: String) -> Result<String, PusherError> {
    let key = ChannelKey::from_base64(&shared_secret).map_err(key_error)?;
    let plain = encryption::decrypt(&key, &data).map_err(key_error)?;
    String::from_utf8(plain).map_err(|_| PusherError::Encryption {
        reason: "the decrypted payload is not UTF-8 text".into(),
    })
}

/// Why [`decrypt_payload`] refuses `data`, or `None` if it opens.
#[uniffi::export]
pub fn payload_problem(shared_secret: String, data: String) -> Option<PayloadProblem> {
    let Ok(key) = ChannelKey::from_base64(&shared_secret) else {
        return Some(PayloadProblem::Key);
    };
    match encryption::decrypt(&key, &data) {
        Ok(_) => None,
        Err(encryption::EncryptionError::PayloadFormat) => Some(PayloadProblem::Format),
        Err(encryption::EncryptionError::NonceLength(_)) => Some(PayloadProblem::NonceLength),
        Err(encryption::EncryptionError::CiphertextLength(_)) => {
            Some(PayloadProblem::CiphertextLength)
        }
        Err(encryption::EncryptionError::Authentication) => Some(PayloadProblem::Authentication),
        Err(_) => Some(PayloadProblem::Key),
    }
}
