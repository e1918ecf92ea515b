//! The Pusher HTTP API: request signing and verification, and the JSON bodies of
//! its endpoints (`/events`, `/batch_events`, `/channels`, `/channels/{name}`,
//! `/channels/{name}/users`, `/users/{id}/terminate_connections`).
//!
//! Signing: add `auth_key`, `auth_timestamp`, `auth_version=1.0` and, for a
//! non-empty body, `body_md5`; sign `"METHOD\npath\nk=v&…"` (keys lowercased and
//! sorted, values not URL-escaped); append `auth_signature`. A server accepts a
//! request whose timestamp is within [`AUTH_TIMESTAMP_WINDOW_SECS`] of its clock.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth;
use crate::encoding::hex_encode;
use crate::limits::{self, Limits, ValidationError};
use crate::protocol::ChannelKind;

/// How far `auth_timestamp` may be from the server's clock, in seconds.
pub const AUTH_TIMESTAMP_WINDOW_SECS: u64 = 600;
/// The only `auth_version`.
pub const AUTH_VERSION: &str = "1.0";

const RESERVED_PARAMS: [&str; 5] = [
    "auth_key",
    "auth_timestamp",
    "auth_version",
    "auth_signature",
    "body_md5",
];

/// Hex MD5 of a request body.
pub fn body_md5(body: &[u8]) -> String {
    hex_encode(&Md5::digest(body))
}

/// The string an HTTP API request signature covers. `params` excludes `auth_signature`.
pub fn string_to_sign(method: &str, path: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<(String, &str)> = params
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str()))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let query: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path,
        query.join("&")
    )
}

/// A request refused by signing or verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestAuthError {
    /// A required authentication parameter is absent.
    #[error("missing query parameter {0}")]
    Missing(&'static str),
    /// A caller tried to set a parameter the signature owns.
    #[error("query parameter {0} is reserved for request signing")]
    Reserved(String),
    /// `auth_key` names no app this server knows.
    #[error("unknown auth_key {0:?}")]
    UnknownKey(String),
    /// `auth_version` is not 1.0.
    #[error("unsupported auth_version {0:?}; use 1.0")]
    Version(String),
    /// `auth_timestamp` is not a number.
    #[error("auth_timestamp {0:?} is not a number of seconds")]
    TimestampFormat(String),
    /// `auth_timestamp` is too far from the server's clock.
    #[error(
        "auth_timestamp {timestamp} is {skew} s from the server time {now}; it must be within {window} s (check the client's clock)"
    )]
    TimestampExpired {
        /// The request's timestamp.
        timestamp: u64,
        /// The server's clock.
        now: u64,
        /// Distance between them.
        skew: u64,
        /// Allowed distance.
        window: u64,
    },
    /// `body_md5` is absent for a body, or does not match it.
    #[error("body_md5 does not match the request body")]
    BodyMd5,
    /// The signature does not verify.
    #[error("invalid signature: expected HMAC-SHA256 of {string_to_sign:?} with the app secret")]
    Signature {
        /// What should have been signed, to help a library author find the mismatch.
        string_to_sign: String,
    },
}

/// Signs a request. Returns every query parameter to send, `auth_signature` last.
///
/// ```
/// // Pusher's worked example.
/// use pusher_lite_core::auth::Credentials;
/// use pusher_lite_core::http_api::sign_request;
/// let app = Credentials::new("3", "278d425bdf160c739803", "7ad3773142a6692b25b8");
/// let body = br#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
/// let params = sign_request(&app, "POST", "/apps/3/events", &[], body, 1353088179).unwrap();
/// assert_eq!(params.last().unwrap().1, "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
/// ```
pub fn sign_request(
    credentials: &auth::Credentials,
    method: &str,
    path: &str,
    query: &[(String, String)],
    body: &[u8],
    timestamp: u64,
) -> Result<Vec<(String, String)>, RequestAuthError> {
    if let Some((k, _)) = query
        .iter()
        .find(|(k, _)| RESERVED_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
    {
        return Err(RequestAuthError::Reserved(k.clone()));
    }
    let mut params = vec![
        ("auth_key".to_owned(), credentials.key.clone()),
        ("auth_timestamp".to_owned(), timestamp.to_string()),
        ("auth_version".to_owned(), AUTH_VERSION.to_owned()),
    ];
    if !body.is_empty() {
        params.push(("body_md5".to_owned(), body_md5(body)));
    }
    params.extend(query.iter().cloned());
    let signature = auth::sign(&credentials.secret, &string_to_sign(method, path, &params));
    params.push(("auth_signature".to_owned(), signature));
    Ok(params)
}

/// The `auth_key` of a request, so a server can look up which app it is for.
pub fn request_key(query: &[(String, String)]) -> Option<&str> {
    query
        .iter()
        .find(|(k, _)| k == "auth_key")
        .map(|(_, v)| v.as_str())
}

/// Verifies a signed request against the app's credentials and the server clock
/// `now` (seconds). `query` holds the decoded query parameters.
pub fn verify_request(
    credentials: &auth::Credentials,
    method: &str,
    path: &str,
    query: &[(String, String)],
    body: &[u8],
    now: u64,
) -> Result<(), RequestAuthError> {
    let get = |name: &'static str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or(RequestAuthError::Missing(name))
    };
    let key = get("auth_key")?;
    if key != credentials.key {
        return Err(RequestAuthError::UnknownKey(key.to_owned()));
    }
    let version = get("auth_version")?;
    if version != AUTH_VERSION {
        return Err(RequestAuthError::Version(version.to_owned()));
    }
    let ts_text = get("auth_timestamp")?;
    let timestamp: u64 = ts_text
        .parse()
        .map_err(|_| RequestAuthError::TimestampFormat(ts_text.to_owned()))?;
    let skew = now.abs_diff(timestamp);
    if skew > AUTH_TIMESTAMP_WINDOW_SECS {
        return Err(RequestAuthError::TimestampExpired {
            timestamp,
            now,
            skew,
            window: AUTH_TIMESTAMP_WINDOW_SECS,
        });
    }
    if !body.is_empty() && get("body_md5").ok() != Some(body_md5(body).as_str()) {
        return Err(RequestAuthError::BodyMd5);
    }
    let signature = get("auth_signature")?;
    let signed: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "auth_signature")
        .cloned()
        .collect();
    let string_to_sign = string_to_sign(method, path, &signed);
    if auth::verify(&credentials.secret, &string_to_sign, signature) {
        Ok(())
    } else {
        Err(RequestAuthError::Signature { string_to_sign })
    }
}

/// Accepts `data` as the string the API documents, or any other JSON value
/// (which some clients send), stored as its JSON text.
fn data_as_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

/// Body of `POST /apps/{id}/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerRequest {
    /// Event name.
    pub name: String,
    /// Payload (a string; usually JSON text).
    #[serde(deserialize_with = "data_as_string")]
    pub data: String,
    /// Target channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
    /// Single target channel (instead of `channels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Connection to leave out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_id: Option<String>,
    /// Comma-separated attributes to return per channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
}

/// Channel attributes a caller may ask for in `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InfoRequest {
    /// `user_count` (presence channels).
    pub user_count: bool,
    /// `subscription_count` (non-presence channels).
    pub subscription_count: bool,
    /// `cache` (cache channels).
    pub cache: bool,
}

impl InfoRequest {
    /// Parses a comma-separated `info` value; unknown attributes are refused.
    pub fn parse(info: Option<&str>) -> Result<InfoRequest, ValidationError> {
        let mut request = InfoRequest::default();
        for attribute in info
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            match attribute {
                "user_count" => request.user_count = true,
                "subscription_count" => request.subscription_count = true,
                "cache" => request.cache = true,
                other => {
                    return Err(ValidationError::InfoAttribute {
                        attribute: other.to_owned(),
                        reason: "known attributes are user_count, subscription_count and cache",
                    });
                }
            }
        }
        Ok(request)
    }

    /// Whether any attribute was asked for.
    pub fn any(&self) -> bool {
        self.user_count || self.subscription_count || self.cache
    }

    /// Refuses attributes the channel does not have, as the API does for
    /// single-channel queries: `user_count` exists only for presence channels,
    /// `subscription_count` only for the others.
    pub fn check_applies_to(&self, channel: &str) -> Result<(), ValidationError> {
        let presence = ChannelKind::of(channel) == ChannelKind::Presence;
        if self.user_count && !presence {
            return Err(ValidationError::InfoAttribute {
                attribute: "user_count".to_owned(),
                reason: "user_count is only available for presence channels",
            });
        }
        if self.subscription_count && presence {
            return Err(ValidationError::InfoAttribute {
                attribute: "subscription_count".to_owned(),
                reason: "subscription_count is not available for presence channels; ask for user_count",
            });
        }
        Ok(())
    }
}

impl TriggerRequest {
    /// The target channels, whichever member named them.
    pub fn target_channels(&self) -> Vec<String> {
        match (&self.channels, &self.channel) {
            (Some(list), _) => list.clone(),
            (None, Some(one)) => vec![one.clone()],
            (None, None) => Vec::new(),
        }
    }

    /// Checks the request against the protocol's rules and `limits`. The size
    /// error maps to HTTP 413, the others to 400.
    pub fn validate(&self, limits: &Limits) -> Result<InfoRequest, ValidationError> {
        limits::validate_event_name(&self.name)?;
        limits::validate_trigger_channels(&self.target_channels(), limits)?;
        limits::validate_data_size(&self.data, limits.max_event_data_bytes)?;
        if let Some(socket_id) = &self.socket_id {
            limits::validate_socket_id(socket_id)?;
        }
        InfoRequest::parse(self.info.as_deref())
    }
}

/// One event of `POST /apps/{id}/batch_events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchEvent {
    /// Event name.
    pub name: String,
    /// Payload.
    #[serde(deserialize_with = "data_as_string")]
    pub data: String,
    /// Target channel.
    pub channel: String,
    /// Connection to leave out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_id: Option<String>,
    /// Comma-separated attributes to return for the channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
}

/// Body of `POST /apps/{id}/batch_events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRequest {
    /// The events, delivered in order.
    pub batch: Vec<BatchEvent>,
}

impl BatchRequest {
    /// Checks the batch size and every event.
    pub fn validate(&self, limits: &Limits) -> Result<Vec<InfoRequest>, ValidationError> {
        if self.batch.is_empty() || self.batch.len() > limits.max_events_per_batch {
            return Err(ValidationError::BatchSize {
                count: self.batch.len(),
                limit: limits.max_events_per_batch,
            });
        }
        self.batch
            .iter()
            .map(|event| {
                limits::validate_event_name(&event.name)?;
                limits::validate_server_channel_name(&event.channel)?;
                limits::validate_data_size(&event.data, limits.max_event_data_bytes)?;
                if let Some(socket_id) = &event.socket_id {
                    limits::validate_socket_id(socket_id)?;
                }
                InfoRequest::parse(event.info.as_deref())
            })
            .collect()
    }
}

/// Attributes of one channel, as the channel queries and `info` return them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelInfo {
    /// Whether anyone is subscribed (single-channel query only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupied: Option<bool>,
    /// Distinct users (presence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_count: Option<u64>,
    /// Connections subscribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_count: Option<u64>,
}

/// Answer of `POST /events`: `{}`, or per-channel attributes when `info` was asked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TriggerResponse {
    /// Attributes by channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<BTreeMap<String, ChannelInfo>>,
}

/// Answer of `POST /batch_events`: `{}`, or attributes per event when `info` was asked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BatchResponse {
    /// Attributes, one entry per event in request order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Vec<ChannelInfo>>,
}

/// Answer of `GET /channels`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelsResponse {
    /// Occupied channels and their requested attributes.
    pub channels: BTreeMap<String, ChannelInfo>,
}

/// One user of `GET /channels/{name}/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserId {
    /// The user's id.
    pub id: String,
}

/// Answer of `GET /channels/{name}/users`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UsersResponse {
    /// Users subscribed to the presence channel.
    pub users: Vec<UserId>,
}

/// The JSON error body this project's server answers with: `{"error": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for people.
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;

    fn docs_app() -> Credentials {
        Credentials::new("3", "278d425bdf160c739803", "7ad3773142a6692b25b8")
    }

    const DOCS_BODY: &[u8] =
        br#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;

    #[test]
    fn docs_worked_example_signs_and_verifies() {
        assert_eq!(body_md5(DOCS_BODY), "ec365a775a4cd0599faeb73354201b6f");
        let params = sign_request(
            &docs_app(),
            "POST",
            "/apps/3/events",
            &[],
            DOCS_BODY,
            1353088179,
        )
        .unwrap();
        assert_eq!(
            string_to_sign("POST", "/apps/3/events", &params[..params.len() - 1]),
            "POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f"
        );
        assert_eq!(
            params.last().unwrap(),
            &(
                "auth_signature".to_owned(),
                "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c".to_owned()
            )
        );
        assert!(
            verify_request(
                &docs_app(),
                "POST",
                "/apps/3/events",
                &params,
                DOCS_BODY,
                1353088179 + 600
            )
            .is_ok()
        );
    }

    #[test]
    fn verification_refusals() {
        let app = docs_app();
        let params = sign_request(
            &app,
            "GET",
            "/apps/3/channels",
            &[("info".into(), "user_count".into())],
            b"",
            1000,
        )
        .unwrap();
        assert!(verify_request(&app, "GET", "/apps/3/channels", &params, b"", 1000).is_ok());
        assert!(matches!(
            verify_request(&app, "GET", "/apps/3/channels", &params, b"", 1601),
            Err(RequestAuthError::TimestampExpired { skew: 601, .. })
        ));
        assert!(matches!(
            verify_request(&app, "GET", "/apps/3/other", &params, b"", 1000),
            Err(RequestAuthError::Signature { .. })
        ));
        let wrong = Credentials::new("3", "278d425bdf160c739803", "wrong");
        assert!(matches!(
            verify_request(&wrong, "GET", "/apps/3/channels", &params, b"", 1000),
            Err(RequestAuthError::Signature { .. })
        ));
        let signed = sign_request(&app, "POST", "/apps/3/events", &[], DOCS_BODY, 1000).unwrap();
        assert_eq!(
            verify_request(&app, "POST", "/apps/3/events", &signed, b"{}", 1000),
            Err(RequestAuthError::BodyMd5)
        );
        assert!(matches!(
            sign_request(
                &app,
                "GET",
                "/x",
                &[("auth_key".into(), "x".into())],
                b"",
                1
            ),
            Err(RequestAuthError::Reserved(_))
        ));
    }

    #[test]
    fn trigger_validation() {
        let limits = Limits::default();
        let ok: TriggerRequest = serde_json::from_slice(DOCS_BODY).unwrap();
        assert_eq!(ok.validate(&limits).unwrap(), InfoRequest::default());
        let object_data: TriggerRequest =
            serde_json::from_str(r#"{"name":"e","channel":"c","data":{"a":1}}"#).unwrap();
        assert_eq!(object_data.data, r#"{"a":1}"#);
        let big = TriggerRequest {
            name: "e".into(),
            data: "x".repeat(10 * 1024 + 1),
            channels: None,
            channel: Some("c".into()),
            socket_id: None,
            info: None,
        };
        assert_eq!(big.validate(&limits).unwrap_err().http_status(), 413);
        let bad_info = TriggerRequest {
            info: Some("user_count,bogus".into()),
            data: "{}".into(),
            ..big
        };
        assert!(matches!(
            bad_info.validate(&limits),
            Err(ValidationError::InfoAttribute { .. })
        ));
    }
}
