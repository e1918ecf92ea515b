//! A blocking [`Publisher`](crate::Publisher) for synchronous callers (scripts,
//! sync web frameworks, the bindings). Each blocking publisher owns a small
//! single-threaded runtime; the connection pool is kept between calls.

use std::sync::Arc;

use pusher_lite_core::auth::{ChannelAuthorization, UserAuthentication};
use pusher_lite_core::frame::MemberData;
use pusher_lite_core::http_api::{
    BatchEvent, BatchResponse, ChannelInfo, ChannelsResponse, TriggerResponse,
};
use pusher_lite_core::webhook::WebhookBody;

use crate::publisher::{SessionRequest, TriggerOptions};
use crate::{EnvConfig, Error};

/// The blocking publisher. Cheap to clone.
///
/// ```no_run
/// use pusher_lite::blocking::Publisher;
/// let publisher = Publisher::new(
///     pusher_lite::Publisher::builder().address("127.0.0.1:6001")?.app("1", "key", "secret"),
/// )?;
/// publisher.trigger(&["general"], "new_message", r#"{"name":"sync","message":"hi"}"#)?;
/// # Ok::<(), pusher_lite::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Publisher {
    inner: crate::Publisher,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Publisher {
    /// Builds from an async [`PublisherBuilder`](crate::PublisherBuilder).
    pub fn new(builder: crate::PublisherBuilder) -> Result<Publisher, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("could not start the blocking runtime: {e}")))?;
        // reqwest's client must be built where its runtime can drive it.
        let inner = runtime.block_on(async { builder.build() })?;
        Ok(Publisher {
            inner,
            runtime: Arc::new(runtime),
        })
    }

    /// Configured from `PUSHER_LITE_*` variables.
    pub fn from_env() -> Result<Publisher, Error> {
        Publisher::from_config(&EnvConfig::from_env())
    }

    /// Configured from an [`EnvConfig`].
    pub fn from_config(env: &EnvConfig) -> Result<Publisher, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("could not start the blocking runtime: {e}")))?;
        let inner = runtime.block_on(async { crate::Publisher::from_config(env) })?;
        Ok(Publisher {
            inner,
            runtime: Arc::new(runtime),
        })
    }

    /// The async publisher underneath.
    pub fn as_async(&self) -> &crate::Publisher {
        &self.inner
    }

    fn block<T>(
        &self,
        future: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::BlockingInAsync);
        }
        self.runtime.block_on(future)
    }

    /// See [`crate::Publisher::trigger`].
    pub fn trigger<C: AsRef<str>>(
        &self,
        channels: &[C],
        event: &str,
        data: &str,
    ) -> Result<TriggerResponse, Error> {
        self.block(self.inner.trigger(channels, event, data))
    }

    /// See [`crate::Publisher::trigger_with`].
    pub fn trigger_with<C: AsRef<str>>(
        &self,
        channels: &[C],
        event: &str,
        data: &str,
        options: &TriggerOptions,
    ) -> Result<TriggerResponse, Error> {
        self.block(self.inner.trigger_with(channels, event, data, options))
    }

    /// See [`crate::Publisher::trigger_batch`].
    pub fn trigger_batch(&self, events: Vec<BatchEvent>) -> Result<BatchResponse, Error> {
        self.block(self.inner.trigger_batch(events))
    }

    /// See [`crate::Publisher::channels`].
    pub fn channels(
        &self,
        filter_by_prefix: Option<&str>,
        info: Option<&str>,
    ) -> Result<ChannelsResponse, Error> {
        self.block(self.inner.channels(filter_by_prefix, info))
    }

    /// See [`crate::Publisher::channel`].
    pub fn channel(&self, channel: &str, info: Option<&str>) -> Result<ChannelInfo, Error> {
        self.block(self.inner.channel(channel, info))
    }

    /// See [`crate::Publisher::users`].
    pub fn users(&self, channel: &str) -> Result<Vec<String>, Error> {
        self.block(self.inner.users(channel))
    }

    /// See [`crate::Publisher::terminate_user_connections`].
    pub fn terminate_user_connections(&self, user_id: &str) -> Result<(), Error> {
        self.block(self.inner.terminate_user_connections(user_id))
    }

    /// See [`crate::Publisher::send_to_user`].
    pub fn send_to_user(&self, user_id: &str, event: &str, data: &str) -> Result<(), Error> {
        self.block(self.inner.send_to_user(user_id, event, data))
    }

    /// See [`crate::Publisher::authorize_channel`].
    pub fn authorize_channel(
        &self,
        socket_id: &str,
        channel: &str,
        member: Option<&MemberData>,
    ) -> Result<ChannelAuthorization, Error> {
        self.inner.authorize_channel(socket_id, channel, member)
    }

    /// See [`crate::Publisher::authenticate_user`].
    pub fn authenticate_user(
        &self,
        socket_id: &str,
        user_data: &str,
    ) -> Result<UserAuthentication, Error> {
        self.inner.authenticate_user(socket_id, user_data)
    }

    /// See [`crate::Publisher::verify_webhook`].
    pub fn verify_webhook(
        &self,
        key: &str,
        signature: &str,
        body: &str,
    ) -> Result<WebhookBody, Error> {
        self.inner.verify_webhook(key, signature, body)
    }

    /// See [`crate::Publisher::mint_session`].
    pub fn mint_session(&self, request: &SessionRequest) -> Result<String, Error> {
        self.inner.mint_session(request)
    }

    /// See [`crate::Publisher::request_session`].
    pub fn request_session(&self, request: &SessionRequest) -> Result<String, Error> {
        self.block(self.inner.request_session(request))
    }

    /// See [`crate::Publisher::lite_trigger`].
    pub fn lite_trigger(
        &self,
        token: &str,
        channel: &str,
        event: &str,
        payload: &str,
    ) -> Result<(), Error> {
        self.block(self.inner.lite_trigger(token, channel, event, payload))
    }
}
