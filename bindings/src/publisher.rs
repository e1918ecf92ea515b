//! The publisher: every method of the native [`pusher_lite::Publisher`],
//! blocking (`trigger`) and async (`trigger_async`), plus its builder and the
//! records it takes and returns.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use pusher_lite::core::frame;
use pusher_lite::core::http_api;
use pusher_lite::core::webhook;

use crate::PusherError;
use crate::runtime::{block_on, runtime, spawn};

/// Options of one trigger.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct TriggerOptions {
    /// Leave this connection out (the sender's own socket id).
    #[uniffi(default = None)]
    pub socket_id: Option<String>,
    /// Attributes to return per channel: `user_count`, `subscription_count`.
    #[uniffi(default = None)]
    pub info: Option<String>,
}

impl From<TriggerOptions> for pusher_lite::TriggerOptions {
    fn from(o: TriggerOptions) -> Self {
        pusher_lite::TriggerOptions {
            socket_id: o.socket_id,
            info: o.info,
        }
    }
}

/// One event of a batch.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BatchEvent {
    /// The channel.
    pub channel: String,
    /// The event name.
    pub name: String,
    /// The payload, usually JSON text.
    pub data: String,
    /// Leave this connection out.
    #[uniffi(default = None)]
    pub socket_id: Option<String>,
    /// Attributes to return for the channel.
    #[uniffi(default = None)]
    pub info: Option<String>,
}

impl From<BatchEvent> for http_api::BatchEvent {
    fn from(e: BatchEvent) -> Self {
        http_api::BatchEvent {
            name: e.name,
            data: e.data,
            channel: e.channel,
            socket_id: e.socket_id,
            info: e.info,
        }
    }
}

/// A channel's attributes, as the HTTP API reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ChannelInfo {
    /// Whether anyone is subscribed (single-channel queries).
    pub occupied: Option<bool>,
    /// Distinct users (presence channels, when asked for).
    pub user_count: Option<u64>,
    /// Connections subscribed (when asked for).
    pub subscription_count: Option<u64>,
}

impl From<http_api::ChannelInfo> for ChannelInfo {
    fn from(i: http_api::ChannelInfo) -> Self {
        ChannelInfo {
            occupied: i.occupied,
            user_count: i.user_count,
            subscription_count: i.subscription_count,
        }
    }
}

fn channel_map(
    map: Option<std::collections::BTreeMap<String, http_api::ChannelInfo>>,
) -> HashMap<String, ChannelInfo> {
    map.unwrap_or_default()
        .into_iter()
        .map(|(name, info)| (name, info.into()))
        .collect()
}

/// A presence member as an auth endpoint declares it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MemberData {
    /// The user's id.
    pub user_id: String,
    /// The user's info as JSON text.
    #[uniffi(default = None)]
    pub user_info: Option<String>,
}

impl From<MemberData> for frame::MemberData {
    fn from(m: MemberData) -> Self {
        frame::MemberData {
            user_id: m.user_id,
            user_info: m.user_info,
        }
    }
}

/// A channel authorization: what an auth endpoint returns (`json`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChannelAuthorization {
    /// `key:signature`.
    pub auth: String,
    /// The presence member, as signed.
    pub channel_data: Option<String>,
    /// The channel's key (base64), for encrypted channels.
    pub shared_secret: Option<String>,
    /// The response body for pusher-js and every other client.
    pub json: String,
}

impl From<pusher_lite::core::auth::ChannelAuthorization> for ChannelAuthorization {
    fn from(a: pusher_lite::core::auth::ChannelAuthorization) -> Self {
        ChannelAuthorization {
            json: a.to_json(),
            auth: a.auth,
            channel_data: a.channel_data,
            shared_secret: a.shared_secret,
        }
    }
}

/// A user authentication for sign-in: what a user-auth endpoint returns (`json`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserAuthentication {
    /// `key:signature`.
    pub auth: String,
    /// The user data, as signed.
    pub user_data: String,
    /// The response body.
    pub json: String,
}

impl From<pusher_lite::core::auth::UserAuthentication> for UserAuthentication {
    fn from(a: pusher_lite::core::auth::UserAuthentication) -> Self {
        UserAuthentication {
            json: a.to_json(),
            auth: a.auth,
            user_data: a.user_data,
        }
    }
}

/// One webhook event.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
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
        user_id: Option<String>,
    },
    /// A cache channel had nothing cached.
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

impl From<webhook::WebhookEvent> for WebhookEvent {
    fn from(e: webhook::WebhookEvent) -> Self {
        use webhook::WebhookEvent as W;
        match e {
            W::ChannelOccupied { channel } => WebhookEvent::ChannelOccupied { channel },
            W::ChannelVacated { channel } => WebhookEvent::ChannelVacated { channel },
            W::MemberAdded { channel, user_id } => WebhookEvent::MemberAdded { channel, user_id },
            W::MemberRemoved { channel, user_id } => {
                WebhookEvent::MemberRemoved { channel, user_id }
            }
            W::ClientEvent {
                channel,
                event,
                data,
                socket_id,
                user_id,
            } => WebhookEvent::ClientEvent {
                channel,
                event,
                data,
                socket_id,
                user_id,
            },
            W::CacheMiss { channel } => WebhookEvent::CacheMiss { channel },
            W::SubscriptionCount {
                channel,
                subscription_count,
            } => WebhookEvent::SubscriptionCount {
                channel,
                subscription_count,
            },
        }
    }
}

/// A verified webhook body.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WebhookBody {
    /// When the events happened, in ms since the epoch.
    pub time_ms: u64,
    /// The events.
    pub events: Vec<WebhookEvent>,
}

impl From<webhook::WebhookBody> for WebhookBody {
    fn from(b: webhook::WebhookBody) -> Self {
        WebhookBody {
            time_ms: b.time_ms,
            events: b.events.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a Lite session grants. Unset fields take the defaults: listen and
/// publish everywhere, for an hour.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SessionRequest {
    /// The user the session is for (presence membership).
    #[uniffi(default = None)]
    pub user_id: Option<String>,
    /// That user's presence info, as JSON text.
    #[uniffi(default = None)]
    pub user_info: Option<String>,
    /// Channel patterns to subscribe to (`*` suffix wildcard).
    #[uniffi(default = None)]
    pub listen: Option<Vec<String>>,
    /// Channel patterns to publish to.
    #[uniffi(default = None)]
    pub publish: Option<Vec<String>>,
    /// Lifetime in seconds.
    #[uniffi(default = None)]
    pub ttl_secs: Option<u64>,
}

impl TryFrom<SessionRequest> for pusher_lite::SessionRequest {
    type Error = PusherError;
    fn try_from(r: SessionRequest) -> Result<Self, PusherError> {
        let user_info = r
            .user_info
            .map(|text| {
                serde_json::from_str(&text).map_err(|e| PusherError::Invalid {
                    reason: format!("user_info must be JSON text: {e}"),
                })
            })
            .transpose()?;
        Ok(pusher_lite::SessionRequest {
            user_id: r.user_id,
            user_info,
            listen: r.listen,
            publish: r.publish,
            ttl_secs: r.ttl_secs,
        })
    }
}

/// Where a server is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServerAddress {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// HTTPS / WSS.
    pub use_tls: bool,
}

#[derive(Debug, Clone, Default)]
struct Settings {
    address: Option<String>,
    cluster: Option<String>,
    app: Option<(String, String, String)>,
    app_key: Option<String>,
    organization: Option<(String, String)>,
    master_key: Option<String>,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
}

/// Configures a [`Publisher`]. Each setter returns a new builder, so calls
/// chain; mistakes are reported by [`build`](PublisherBuilder::build).
#[derive(Debug, Default, uniffi::Object)]
pub struct PublisherBuilder {
    settings: Settings,
}

impl PublisherBuilder {
    fn with(&self, change: impl FnOnce(&mut Settings)) -> Arc<Self> {
        let mut settings = self.settings.clone();
        change(&mut settings);
        Arc::new(PublisherBuilder { settings })
    }
}

#[uniffi::export]
impl PublisherBuilder {
    /// A builder with the defaults (30 s request timeout, 10 s connect timeout).
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(PublisherBuilder::default())
    }

    /// The server: `host`, `host:port` or a URL (`http://127.0.0.1:6001`).
    pub fn address(&self, address: String) -> Arc<Self> {
        self.with(|s| {
            s.address = Some(address);
            s.cluster = None;
        })
    }

    /// Pusher's hosted API for `cluster` (`api-{cluster}.pusher.com`, TLS).
    pub fn cluster(&self, cluster: String) -> Arc<Self> {
        self.with(|s| {
            s.cluster = Some(cluster);
            s.address = None;
        })
    }

    /// App credentials, needed for the HTTP API and the auth helpers.
    pub fn app(&self, app_id: String, key: String, secret: String) -> Arc<Self> {
        self.with(|s| s.app = Some((app_id, key, secret)))
    }

    /// The app key alone, for Lite REST events when only an organization token is known.
    pub fn app_key(&self, key: String) -> Arc<Self> {
        self.with(|s| s.app_key = Some(key))
    }

    /// The Lite organization and its secret token, needed for sessions.
    pub fn organization(&self, name: String, secret_token: String) -> Arc<Self> {
        self.with(|s| s.organization = Some((name, secret_token)))
    }

    /// The encryption master key (base64 of 32 bytes), for `private-encrypted-` channels.
    pub fn encryption_master_key_base64(&self, key: String) -> Arc<Self> {
        self.with(|s| s.master_key = Some(key))
    }

    /// Whole-request timeout in milliseconds.
    pub fn timeout_ms(&self, timeout_ms: u64) -> Arc<Self> {
        self.with(|s| s.timeout_ms = Some(timeout_ms))
    }

    /// Connect timeout in milliseconds.
    pub fn connect_timeout_ms(&self, timeout_ms: u64) -> Arc<Self> {
        self.with(|s| s.connect_timeout_ms = Some(timeout_ms))
    }

    /// Builds the publisher, or says what is missing or wrong.
    pub fn build(&self) -> Result<Arc<Publisher>, PusherError> {
        let s = &self.settings;
        let mut builder = pusher_lite::Publisher::builder();
        if let Some(address) = &s.address {
            builder = builder.address(address)?;
        }
        if let Some(cluster) = &s.cluster {
            builder = builder.cluster(cluster);
        }
        if let Some((id, key, secret)) = &s.app {
            builder = builder.app(id, key, secret);
        }
        if let Some(key) = &s.app_key {
            builder = builder.app_key(key);
        }
        if let Some((name, token)) = &s.organization {
            builder = builder.organization(name, token);
        }
        if let Some(key) = &s.master_key {
            builder = builder.encryption_master_key_base64(key);
        }
        if let Some(ms) = s.timeout_ms {
            builder = builder.timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = s.connect_timeout_ms {
            builder = builder.connect_timeout(Duration::from_millis(ms));
        }
        let _context = runtime()?.enter();
        Ok(Arc::new(Publisher {
            inner: builder.build()?,
        }))
    }
}

/// The Pusher HTTP API for back ends, Lite sessions and the auth helpers.
/// Each network method comes twice: blocking (`trigger`) and async
/// (`trigger_async`, a coroutine / suspend function / async function).
/// Safe to share between threads.
#[derive(Debug, uniffi::Object)]
pub struct Publisher {
    pub(crate) inner: pusher_lite::Publisher,
}

impl Publisher {
    fn native(&self) -> pusher_lite::Publisher {
        self.inner.clone()
    }
}

#[uniffi::export]
impl Publisher {
    /// Configured from the `PUSHER_LITE_*` environment variables
    /// (`PUSHER_LITE_HOST`, `PUSHER_LITE_APP_ID`, `PUSHER_LITE_APP_KEY`,
    /// `PUSHER_LITE_APP_SECRET`, `PUSHER_LITE_ORGANIZATION`,
    /// `PUSHER_LITE_SECRET_TOKEN`, `PUSHER_LITE_ENCRYPTION_MASTER_KEY`).
    #[uniffi::constructor]
    pub fn from_env() -> Result<Arc<Self>, PusherError> {
        let _context = runtime()?.enter();
        Ok(Arc::new(Publisher {
            inner: pusher_lite::Publisher::from_env()?,
        }))
    }

    /// The server this publisher talks to.
    pub fn address(&self) -> ServerAddress {
        let a = self.inner.address();
        ServerAddress {
            host: a.host.clone(),
            port: a.port,
            use_tls: a.use_tls,
        }
    }

    // ----- blocking ------------------------------------------------------------------

    /// Triggers `event` with `data` (JSON text) on 1–100 channels. Returns the
    /// channel attributes asked for (none here).
    pub fn trigger(
        &self,
        channels: Vec<String>,
        event: String,
        data: String,
    ) -> Result<HashMap<String, ChannelInfo>, PusherError> {
        block_on(async { self.inner.trigger(&channels, &event, &data).await })
            .map(|r| channel_map(r.channels))
    }

    /// Triggers with options: leave out a socket, ask for channel attributes.
    /// A single `private-encrypted-` channel is encrypted end to end.
    pub fn trigger_with(
        &self,
        channels: Vec<String>,
        event: String,
        data: String,
        options: TriggerOptions,
    ) -> Result<HashMap<String, ChannelInfo>, PusherError> {
        let options = options.into();
        block_on(async {
            self.inner
                .trigger_with(&channels, &event, &data, &options)
                .await
        })
        .map(|r| channel_map(r.channels))
    }

    /// Triggers up to 10 events in one request; returns per-event attributes
    /// when asked for.
    pub fn trigger_batch(&self, events: Vec<BatchEvent>) -> Result<Vec<ChannelInfo>, PusherError> {
        let events = events.into_iter().map(Into::into).collect();
        block_on(async { self.inner.trigger_batch(events).await }).map(|r| {
            r.batch
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect()
        })
    }

    /// Occupied channels, optionally by prefix, with attributes.
    pub fn channels(
        &self,
        filter_by_prefix: Option<String>,
        info: Option<String>,
    ) -> Result<HashMap<String, ChannelInfo>, PusherError> {
        block_on(async {
            self.inner
                .channels(filter_by_prefix.as_deref(), info.as_deref())
                .await
        })
        .map(|r| channel_map(Some(r.channels)))
    }

    /// One channel's attributes.
    pub fn channel(
        &self,
        channel: String,
        info: Option<String>,
    ) -> Result<ChannelInfo, PusherError> {
        block_on(async { self.inner.channel(&channel, info.as_deref()).await }).map(Into::into)
    }

    /// Ids of the users on a presence channel.
    pub fn users(&self, channel: String) -> Result<Vec<String>, PusherError> {
        block_on(async { self.inner.users(&channel).await })
    }

    /// Closes every connection of a signed-in user.
    pub fn terminate_user_connections(&self, user_id: String) -> Result<(), PusherError> {
        block_on(async { self.inner.terminate_user_connections(&user_id).await })
    }

    /// Sends an event to every connection of a signed-in user.
    pub fn send_to_user(
        &self,
        user_id: String,
        event: String,
        data: String,
    ) -> Result<(), PusherError> {
        block_on(async { self.inner.send_to_user(&user_id, &event, &data).await })
    }

    /// Asks the server for a Lite session (`POST /api/sessions`), as the Ex
    /// Pusher Lite Rails controller does. Returns the JWT.
    pub fn request_session(&self, request: SessionRequest) -> Result<String, PusherError> {
        let request = request.try_into()?;
        block_on(async { self.inner.request_session(&request).await })
    }

    /// Publishes through the Lite REST event endpoint with a session token;
    /// `payload` is a JSON object.
    pub fn lite_trigger(
        &self,
        token: String,
        channel: String,
        event: String,
        payload: String,
    ) -> Result<(), PusherError> {
        block_on(async {
            self.inner
                .lite_trigger(&token, &channel, &event, &payload)
                .await
        })
    }

    // ----- local, no network ---------------------------------------------------------------

    /// Authorizes a socket on a private, presence (with `member`) or encrypted
    /// channel: return `.json` from your auth endpoint.
    pub fn authorize_channel(
        &self,
        socket_id: String,
        channel: String,
        member: Option<MemberData>,
    ) -> Result<ChannelAuthorization, PusherError> {
        let member = member.map(frame::MemberData::from);
        Ok(self
            .inner
            .authorize_channel(&socket_id, &channel, member.as_ref())?
            .into())
    }

    /// Authenticates a user for sign-in; `user_data` is JSON with a string `id`.
    pub fn authenticate_user(
        &self,
        socket_id: String,
        user_data: String,
    ) -> Result<UserAuthentication, PusherError> {
        Ok(self.inner.authenticate_user(&socket_id, &user_data)?.into())
    }

    /// Verifies a webhook (the `X-Pusher-Key` and `X-Pusher-Signature` headers
    /// and the raw body) and parses it; refuses bodies older than 5 minutes.
    pub fn verify_webhook(
        &self,
        key: String,
        signature: String,
        body: String,
    ) -> Result<WebhookBody, PusherError> {
        Ok(self.inner.verify_webhook(&key, &signature, &body)?.into())
    }

    /// Mints a Lite session token locally — the token `request_session` would
    /// get, without the round trip.
    pub fn mint_session(&self, request: SessionRequest) -> Result<String, PusherError> {
        Ok(self.inner.mint_session(&request.try_into()?)?)
    }

    // ----- async ----------------------------------------------------------------------------

    /// [`trigger`](Self::trigger), awaited.
    pub async fn trigger_async(
        &self,
        channels: Vec<String>,
        event: String,
        data: String,
    ) -> Result<HashMap<String, ChannelInfo>, PusherError> {
        let p = self.native();
        spawn(async move { p.trigger(&channels, &event, &data).await })
            .await
            .map(|r| channel_map(r.channels))
    }

    /// [`trigger_with`](Self::trigger_with), awaited.
    pub async fn trigger_with_async(
        &self,
        channels: Vec<String>,
        event: String,
        data: String,
        options: TriggerOptions,
    ) -> Result<HashMap<String, ChannelInfo>, PusherError> {
        let p = self.native();
        let options = options.into();
        spawn(async move { p.trigger_with(&channels, &event, &data, &options).await })
            .await
            .map(|r| channel_map(r.channels))
    }

    /// [`trigger_batch`](Self::trigger_batch), awaited.
    pub async fn trigger_batch_async(
        &self,
        events: Vec<BatchEvent>,
    ) -> Result<Vec<ChannelInfo>, PusherError> {
        let p = self.native();
        let events = events.into_iter().map(Into::into).collect();
        spawn(async move { p.trigger_batch(events).await })
            .await
            .map(|r| {
                r.batch
                    .unwrap_or_default()
                    .into_iter()
                    .map(Into::into)
                    .collect()
            })
    }

    /// [`channels`](Self::channels), awaited.
    pub async fn channels_async(
        &self,
        filter_by_prefix: Option<String>,
        info: Option<String>,
    ) -> Result<HashMap<String, ChannelInfo>, PusherError> {
        let p = self.native();
        spawn(async move {
            p.channels(filter_by_prefix.as_deref(), info.as_deref())
                .await
        })
        .await
        .map(|r| channel_map(Some(r.channels)))
    }

    /// [`channel`](Self::channel), awaited.
    pub async fn channel_async(
        &self,
        channel: String,
        info: Option<String>,
    ) -> Result<ChannelInfo, PusherError> {
        let p = self.native();
        spawn(async move { p.channel(&channel, info.as_deref()).await })
            .await
            .map(Into::into)
    }

    /// [`users`](Self::users), awaited.
    pub async fn users_async(&self, channel: String) -> Result<Vec<String>, PusherError> {
        let p = self.native();
        spawn(async move { p.users(&channel).await }).await
    }

    /// [`terminate_user_connections`](Self::terminate_user_connections), awaited.
    pub async fn terminate_user_connections_async(
        &self,
        user_id: String,
    ) -> Result<(), PusherError> {
        let p = self.native();
        spawn(async move { p.terminate_user_connections(&user_id).await }).await
    }

    /// [`send_to_user`](Self::send_to_user), awaited.
    pub async fn send_to_user_async(
        &self,
        user_id: String,
        event: String,
        data: String,
    ) -> Result<(), PusherError> {
        let p = self.native();
        spawn(async move { p.send_to_user(&user_id, &event, &data).await }).await
    }

    /// [`request_session`](Self::request_session), awaited.
    pub async fn request_session_async(
        &self,
        request: SessionRequest,
    ) -> Result<String, PusherError> {
        let p = self.native();
        let request = request.try_into()?;
        spawn(async move { p.request_session(&request).await }).await
    }

    /// [`lite_trigger`](Self::lite_trigger), awaited.
    pub async fn lite_trigger_async(
        &self,
        token: String,
        channel: String,
        event: String,
        payload: String,
    ) -> Result<(), PusherError> {
        let p = self.native();
        spawn(async move { p.lite_trigger(&token, &channel, &event, &payload).await }).await
    }
}
