//! The publisher: the Pusher HTTP API for back ends (trigger, batch, channel
//! queries, users, terminate, send to user), encrypted triggers, the auth
//! helpers a back end's auth endpoints need, webhook verification, and Lite
//! sessions. Requests are signed by the core and sent over one keep-alive
//! connection pool.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pusher_lite_core::auth::{ChannelAuthorization, Credentials, UserAuthentication};
use pusher_lite_core::encryption::{self, MasterKey};
use pusher_lite_core::frame::MemberData;
use pusher_lite_core::http_api::{
    self, BatchEvent, BatchRequest, BatchResponse, ChannelInfo, ChannelsResponse, ErrorBody,
    TriggerRequest, TriggerResponse, UsersResponse,
};
use pusher_lite_core::jwt::{self, SessionClaims};
use pusher_lite_core::limits::{self, Limits};
use pusher_lite_core::protocol::{ChannelKind, server_to_user_channel};
use pusher_lite_core::webhook::{self, WebhookBody};
use serde::Serialize;

use crate::config::{EnvConfig, ServerAddress};
use crate::{Error, tls};

/// Options of one trigger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriggerOptions {
    /// Leave this connection out (the sender's own socket id).
    pub socket_id: Option<String>,
    /// Attributes to return per channel: `user_count`, `subscription_count`.
    pub info: Option<String>,
}

/// What a Lite session grants. Unset fields take the server's defaults:
/// listen and publish everywhere, for an hour.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SessionRequest {
    /// The user the session is for (presence membership).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// That user's presence info.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_info: Option<serde_json::Value>,
    /// Channel patterns to subscribe to (`*` suffix wildcard).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<Vec<String>>,
    /// Channel patterns to publish to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish: Option<Vec<String>>,
    /// Lifetime in seconds.
    #[serde(rename = "ttl", skip_serializing_if = "Option::is_none")]
    pub ttl_secs: Option<u64>,
}

#[derive(Debug, Clone)]
struct Organization {
    name: String,
    secret_token: String,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    address: ServerAddress,
    credentials: Option<Credentials>,
    app_key: Option<String>,
    organization: Option<Organization>,
    master_key: Option<MasterKey>,
    limits: Limits,
}

/// A Pusher HTTP API client. Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), pusher_lite::Error> {
/// use pusher_lite::Publisher;
/// let publisher = Publisher::builder()
///     .address("http://127.0.0.1:6001")?
///     .app("1", "app-key", "app-secret")
///     .build()?;
/// publisher.trigger(&["general"], "new_message", r#"{"name":"rust","message":"hi"}"#).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Publisher {
    inner: Arc<Inner>,
}

/// Configures a [`Publisher`].
#[derive(Debug, Clone)]
pub struct PublisherBuilder {
    address: Option<Result<ServerAddress, String>>,
    credentials: Option<Credentials>,
    app_key: Option<String>,
    organization: Option<Organization>,
    master_key: Option<Result<MasterKey, String>>,
    roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    timeout: Duration,
    connect_timeout: Duration,
}

impl PublisherBuilder {
    /// The server: `host`, `host:port` or a URL (see [`ServerAddress::parse`]).
    pub fn address(mut self, address: &str) -> Result<Self, Error> {
        self.address = Some(Ok(ServerAddress::parse(address)?));
        Ok(self)
    }

    /// The server, already parsed.
    pub fn server(mut self, address: ServerAddress) -> Self {
        self.address = Some(Ok(address));
        self
    }

    /// Pusher's hosted API for `cluster` (`api-{cluster}.pusher.com`, TLS).
    pub fn cluster(mut self, cluster: &str) -> Self {
        self.address = Some(Ok(ServerAddress::pusher_api(cluster)));
        self
    }

    /// App credentials, needed for the signed HTTP API and the auth helpers.
    pub fn app(
        mut self,
        app_id: impl Into<String>,
        key: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        let credentials = Credentials::new(app_id, key, secret);
        self.app_key = Some(credentials.key.clone());
        self.credentials = Some(credentials);
        self
    }

    /// The app key alone, for Lite REST events when only an organization token is known.
    pub fn app_key(mut self, key: impl Into<String>) -> Self {
        self.app_key = Some(key.into());
        self
    }

    /// The Lite organization and its secret token, needed for sessions.
    pub fn organization(
        mut self,
        name: impl Into<String>,
        secret_token: impl Into<String>,
    ) -> Self {
        self.organization = Some(Organization {
            name: name.into(),
            secret_token: secret_token.into(),
        });
        self
    }

    /// The encryption master key (base64 of 32 bytes), for `private-encrypted-` channels.
    pub fn encryption_master_key_base64(mut self, key: &str) -> Self {
        self.master_key = Some(MasterKey::from_base64(key).map_err(|e| e.to_string()));
        self
    }

    /// Also trusts this root certificate (PEM, or one DER certificate): for a
    /// self-hosted server whose TLS certificate comes from a private CA.
    pub fn add_root_certificate(mut self, certificate: &[u8]) -> Result<Self, Error> {
        self.roots.extend(tls::parse_certificates(certificate)?);
        Ok(self)
    }

    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// TCP/TLS connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Builds the publisher.
    pub fn build(self) -> Result<Publisher, Error> {
        let address = match self.address {
            Some(Ok(address)) => address,
            Some(Err(e)) => return Err(Error::Config(e)),
            None => {
                return Err(Error::Config(
                    "set the server address (or a Pusher cluster)".into(),
                ));
            }
        };
        let master_key = self
            .master_key
            .transpose()
            .map_err(|e| Error::Config(format!("encryption master key: {e}")))?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls((*tls::client_config(&self.roots)?).clone())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("pusher-lite-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Publisher {
            inner: Arc::new(Inner {
                http,
                address,
                credentials: self.credentials,
                app_key: self.app_key,
                organization: self.organization,
                master_key,
                limits: Limits::default(),
            }),
        })
    }
}

fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Percent-encodes a query value or path segment (RFC 3986 unreserved kept).
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Publisher {
    /// A builder with defaults (30 s timeout).
    pub fn builder() -> PublisherBuilder {
        PublisherBuilder {
            address: None,
            credentials: None,
            app_key: None,
            organization: None,
            master_key: None,
            roots: Vec::new(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// A publisher configured from `PUSHER_LITE_*` variables (see [`EnvConfig`]).
    pub fn from_env() -> Result<Publisher, Error> {
        Publisher::from_config(&EnvConfig::from_env())
    }

    /// A publisher from an [`EnvConfig`].
    pub fn from_config(env: &EnvConfig) -> Result<Publisher, Error> {
        let host = env
            .host
            .as_deref()
            .ok_or_else(|| Error::Config("PUSHER_LITE_HOST is not set".into()))?;
        let mut builder = Publisher::builder().address(host)?;
        match (&env.app_id, &env.app_key, &env.app_secret) {
            (Some(id), Some(key), Some(secret)) => builder = builder.app(id, key, secret),
            (_, Some(key), _) => builder = builder.app_key(key),
            _ => {}
        }
        if let (Some(org), Some(token)) = (&env.organization, &env.secret_token) {
            builder = builder.organization(org, token);
        }
        if let Some(key) = &env.encryption_master_key {
            builder = builder.encryption_master_key_base64(key);
        }
        builder.build()
    }

    /// The server this publisher talks to.
    pub fn address(&self) -> &ServerAddress {
        &self.inner.address
    }

    fn credentials(&self) -> Result<&Credentials, Error> {
        self.inner.credentials.as_ref().ok_or_else(|| {
            Error::Config(
                "this needs the app id, key and secret (PUSHER_LITE_APP_ID, PUSHER_LITE_APP_KEY, PUSHER_LITE_APP_SECRET)"
                    .into(),
            )
        })
    }

    fn organization(&self) -> Result<&Organization, Error> {
        self.inner.organization.as_ref().ok_or_else(|| {
            Error::Config(
                "this needs the organization and its secret token (PUSHER_LITE_ORGANIZATION, PUSHER_LITE_SECRET_TOKEN)"
                    .into(),
            )
        })
    }

    // ----- the signed HTTP API -------------------------------------------------------

    async fn api<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<T, Error> {
        let credentials = self.credentials()?;
        let path = format!("/apps/{}{path}", encode_component(&credentials.app_id));
        let body = body.unwrap_or_default();
        let params = http_api::sign_request(
            credentials,
            method.as_str(),
            &path,
            query,
            &body,
            unix_now().as_secs(),
        )
        .map_err(|e| Error::Config(e.to_string()))?;
        let encoded: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
            .collect();
        let url = format!(
            "{}{path}?{}",
            self.inner.address.http_base(),
            encoded.join("&")
        );
        let mut request = self.inner.http.request(method.clone(), &url);
        if !body.is_empty() {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let text = self.send(method.as_str(), &path, request).await?;
        serde_json::from_str(&text).map_err(|e| Error::Response {
            path,
            message: format!("{e} in {text:?}"),
        })
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<String, Error> {
        let base = self.inner.address.http_base();
        let response = request.send().await.map_err(|e| Error::Transport {
            method: method.to_owned(),
            url: format!("{base}{path}"),
            message: e.to_string(),
            timed_out: e.is_timeout(),
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| Error::Transport {
            method: method.to_owned(),
            url: format!("{base}{path}"),
            message: e.to_string(),
            timed_out: e.is_timeout(),
        })?;
        if status.is_success() {
            return Ok(text);
        }
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|b| b.error)
            .unwrap_or_else(|_| text.trim().to_owned());
        Err(Error::Http {
            method: method.to_owned(),
            path: path.to_owned(),
            status: status.as_u16(),
            message,
        })
    }

    /// Triggers `event` with `data` (usually JSON text) on 1–100 channels.
    pub async fn trigger<C: AsRef<str>>(
        &self,
        channels: &[C],
        event: &str,
        data: &str,
    ) -> Result<TriggerResponse, Error> {
        self.trigger_with(channels, event, data, &TriggerOptions::default())
            .await
    }

    /// [`trigger`](Self::trigger) with a value serialized as JSON.
    pub async fn trigger_json<C: AsRef<str>, T: Serialize + ?Sized>(
        &self,
        channels: &[C],
        event: &str,
        data: &T,
    ) -> Result<TriggerResponse, Error> {
        let data =
            serde_json::to_string(data).map_err(|e| Error::Config(format!("event data: {e}")))?;
        self.trigger(channels, event, &data).await
    }

    /// Triggers with options: leave out a socket, ask for channel attributes.
    /// A single `private-encrypted-` channel is encrypted end to end; several
    /// channels that include one are refused, as by the official libraries.
    pub async fn trigger_with<C: AsRef<str>>(
        &self,
        channels: &[C],
        event: &str,
        data: &str,
        options: &TriggerOptions,
    ) -> Result<TriggerResponse, Error> {
        let channels: Vec<String> = channels.iter().map(|c| c.as_ref().to_owned()).collect();
        let data = match channels.as_slice() {
            [only] if ChannelKind::of(only) == ChannelKind::PrivateEncrypted => {
                self.encrypt(only, data)?
            }
            _ => data.to_owned(),
        };
        let request = TriggerRequest {
            name: event.to_owned(),
            data,
            channels: Some(channels),
            channel: None,
            socket_id: options.socket_id.clone(),
            info: options.info.clone(),
        };
        request.validate(&self.inner.limits)?;
        let body = serde_json::to_vec(&request).map_err(|e| Error::Config(e.to_string()))?;
        self.api(reqwest::Method::POST, "/events", &[], Some(body))
            .await
    }

    fn encrypt(&self, channel: &str, data: &str) -> Result<String, Error> {
        let master = self.inner.master_key.as_ref().ok_or_else(|| {
            Error::Config(format!(
                "{channel} is encrypted: set an encryption master key to trigger on it"
            ))
        })?;
        let mut nonce = [0u8; encryption::NONCE_LEN];
        tls::random_bytes(&mut nonce)?;
        Ok(encryption::encrypt(
            &encryption::shared_secret(channel, master),
            &nonce,
            data.as_bytes(),
        ))
    }

    /// Triggers up to 10 events in one request; events on encrypted channels
    /// are encrypted.
    pub async fn trigger_batch(&self, events: Vec<BatchEvent>) -> Result<BatchResponse, Error> {
        let mut batch = events;
        for event in &mut batch {
            if ChannelKind::of(&event.channel) == ChannelKind::PrivateEncrypted {
                event.data = self.encrypt(&event.channel, &event.data)?;
            }
        }
        let request = BatchRequest { batch };
        request.validate(&self.inner.limits)?;
        let body = serde_json::to_vec(&request).map_err(|e| Error::Config(e.to_string()))?;
        self.api(reqwest::Method::POST, "/batch_events", &[], Some(body))
            .await
    }

    /// Occupied channels, optionally by prefix, with attributes (`info=user_count`
    /// needs a `presence-` prefix).
    pub async fn channels(
        &self,
        filter_by_prefix: Option<&str>,
        info: Option<&str>,
    ) -> Result<ChannelsResponse, Error> {
        let mut query = Vec::new();
        if let Some(prefix) = filter_by_prefix {
            query.push(("filter_by_prefix".to_owned(), prefix.to_owned()));
        }
        if let Some(info) = info {
            query.push(("info".to_owned(), info.to_owned()));
        }
        self.api(reqwest::Method::GET, "/channels", &query, None)
            .await
    }

    /// One channel: `occupied`, plus requested attributes
    /// (`user_count`, `subscription_count`).
    pub async fn channel(&self, channel: &str, info: Option<&str>) -> Result<ChannelInfo, Error> {
        limits::validate_channel_name(channel)?;
        let query: Vec<(String, String)> = info
            .map(|i| ("info".to_owned(), i.to_owned()))
            .into_iter()
            .collect();
        self.api(
            reqwest::Method::GET,
            &format!("/channels/{channel}"),
            &query,
            None,
        )
        .await
    }

    /// Ids of the users subscribed to a presence channel.
    pub async fn users(&self, channel: &str) -> Result<Vec<String>, Error> {
        limits::validate_channel_name(channel)?;
        let response: UsersResponse = self
            .api(
                reqwest::Method::GET,
                &format!("/channels/{channel}/users"),
                &[],
                None,
            )
            .await?;
        Ok(response.users.into_iter().map(|u| u.id).collect())
    }

    /// Closes every connection of a signed-in user.
    pub async fn terminate_user_connections(&self, user_id: &str) -> Result<(), Error> {
        limits::validate_user_id(user_id)?;
        let path = format!("/users/{}/terminate_connections", encode_component(user_id));
        let _: serde_json::Value = self
            .api(reqwest::Method::POST, &path, &[], Some(b"{}".to_vec()))
            .await?;
        Ok(())
    }

    /// Sends an event to every connection of a signed-in user.
    pub async fn send_to_user(&self, user_id: &str, event: &str, data: &str) -> Result<(), Error> {
        limits::validate_user_id(user_id)?;
        self.trigger(&[server_to_user_channel(user_id)], event, data)
            .await?;
        Ok(())
    }

    // ----- auth helpers for a back end's endpoints ------------------------------------------

    /// Authorizes a socket on a private, presence or encrypted channel: the body
    /// your `/pusher/auth` endpoint returns (`.to_json()`).
    pub fn authorize_channel(
        &self,
        socket_id: &str,
        channel: &str,
        member: Option<&MemberData>,
    ) -> Result<ChannelAuthorization, Error> {
        Ok(self.credentials()?.authorize_channel(
            socket_id,
            channel,
            member,
            self.inner.master_key.as_ref(),
        )?)
    }

    /// Authenticates a user for sign-in: the body your `/pusher/user-auth`
    /// endpoint returns. `user_data` is JSON with at least a string `id`.
    pub fn authenticate_user(
        &self,
        socket_id: &str,
        user_data: &str,
    ) -> Result<UserAuthentication, Error> {
        Ok(self
            .credentials()?
            .authenticate_user(socket_id, user_data)?)
    }

    /// Verifies a webhook request (the `X-Pusher-Key` and `X-Pusher-Signature`
    /// headers and the raw body) and parses it; refuses bodies older than 5 minutes.
    pub fn verify_webhook(
        &self,
        key: &str,
        signature: &str,
        body: &str,
    ) -> Result<WebhookBody, Error> {
        Ok(webhook::verify(
            self.credentials()?,
            key,
            signature,
            body,
            unix_now().as_millis() as u64,
            Some(webhook::MAX_AGE_MS),
        )?)
    }

    // ----- Lite sessions and events ------------------------------------------------------

    /// Mints a Lite session token locally, signed with the organization's secret
    /// token — the same token `POST /api/sessions` would return, without the round trip.
    pub fn mint_session(&self, request: &SessionRequest) -> Result<String, Error> {
        let org = self.organization()?;
        let ttl = request.ttl_secs.unwrap_or(jwt::DEFAULT_TTL_SECS);
        if ttl == 0 || ttl > jwt::MAX_TTL_SECS {
            return Err(Error::Config(format!(
                "session ttl must be between 1 and {} seconds, got {ttl}",
                jwt::MAX_TTL_SECS
            )));
        }
        let mut claims = SessionClaims::new(&org.name, unix_now().as_secs(), ttl);
        claims.sub = request.user_id.clone();
        claims.user_info = request.user_info.clone();
        if let Some(listen) = &request.listen {
            claims.listen = listen.clone();
        }
        if let Some(publish) = &request.publish {
            claims.publish = publish.clone();
        }
        Ok(jwt::encode_session(&claims, &org.secret_token))
    }

    /// Asks the server for a session (`POST /api/sessions`), as the Ex Pusher
    /// Lite Rails controller does.
    pub async fn request_session(&self, request: &SessionRequest) -> Result<String, Error> {
        let org = self.organization()?;
        let mut body = serde_json::to_value(request).map_err(|e| Error::Config(e.to_string()))?;
        body["token"] = serde_json::Value::String(org.secret_token.clone());
        let path = "/api/sessions";
        let http_request = self
            .inner
            .http
            .post(format!("{}{path}", self.inner.address.http_base()))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        let text = self.send("POST", path, http_request).await?;
        let answer: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| Error::Response {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        answer["jwt"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::Response {
                path: path.to_owned(),
                message: format!("no \"jwt\" in {text:?}"),
            })
    }

    /// Publishes through the Lite REST event endpoint with a session token
    /// (`POST /api/organizations/{org}/applications/{key}/event/{event}?channel=`),
    /// as the Ex Pusher Lite page does. `payload` is a JSON object.
    pub async fn lite_trigger(
        &self,
        token: &str,
        channel: &str,
        event: &str,
        payload: &str,
    ) -> Result<(), Error> {
        let org = self.organization()?;
        let key =
            self.inner.app_key.as_deref().ok_or_else(|| {
                Error::Config("this needs the app key (PUSHER_LITE_APP_KEY)".into())
            })?;
        limits::validate_channel_name(channel)?;
        limits::validate_event_name(event)?;
        let path = format!(
            "/api/organizations/{}/applications/{}/event/{}",
            encode_component(&org.name),
            encode_component(key),
            encode_component(event)
        );
        let request = self
            .inner
            .http
            .post(format!(
                "{}{path}?channel={}",
                self.inner.address.http_base(),
                encode_component(channel)
            ))
            .bearer_auth(token)
            .header("Content-Type", "application/json")
            .body(payload.to_owned());
        self.send("POST", &path, request).await?;
        Ok(())
    }
}
