//! # pusher-lite
//!
//! PusherLite for native Rust, speaking Pusher Channels protocol 7:
//!
//! - [`Publisher`]: the Pusher HTTP API for back ends — trigger (1–100
//!   channels, socket exclusion, channel attributes), batches, channel and user
//!   queries, terminating a user's connections, sending to a user, end-to-end
//!   encrypted triggers, the auth helpers for your `/pusher/auth` and
//!   `/pusher/user-auth` endpoints, webhook verification, and Lite sessions.
//!   Async, with a [`blocking`] twin.
//! - [`Client`]: a WebSocket subscriber with pusher-js's semantics — states,
//!   automatic reconnect with backoff, resubscription, presence, encrypted
//!   channels, client events, sign-in — as callbacks or streams.
//! - the `pusher-lite` command-line tool (`trigger`, `subscribe`, `session`,
//!   `channels`, `users`).
//!
//! Every protocol decision is made by [`pusher_lite_core`] (re-exported as
//! [`core`]); this crate adds the sockets, HTTP, clock and randomness.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pusher_lite::Error> {
//! use pusher_lite::{Client, Publisher};
//! use futures_util::StreamExt;
//!
//! let client = Client::builder("app-key").address("127.0.0.1:6001")?.build()?;
//! client.connect();
//! let channel = client.subscribe("general").await?;
//! let mut events = channel.events();
//!
//! let publisher = Publisher::builder()
//!     .address("127.0.0.1:6001")?
//!     .app("1", "app-key", "app-secret")
//!     .build()?;
//! publisher.trigger(&["general"], "new_message", r#"{"name":"rust","message":"hi"}"#).await?;
//! let event = events.next().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod blocking;
mod client;
mod config;
mod error;
mod publisher;
mod tls;

pub use client::{
    BindingId, Channel, ChannelAuthorizer, ChannelStatus, Client, ClientBuilder, ConnectionEvent,
    Event, Member, MembersSnapshot, UserAuthenticator,
};
pub use config::{EnvConfig, ServerAddress};
pub use error::Error;
pub use publisher::{Publisher, PublisherBuilder, SessionRequest, TriggerOptions};
pub use pusher_lite_core as core;
pub use pusher_lite_core::client::{AuthFailure, ReconnectPolicy, State, Target};
pub use pusher_lite_core::frame::MemberData;
pub use pusher_lite_core::http_api::{BatchEvent, ChannelInfo, ChannelsResponse, TriggerResponse};

// The README's Rust examples compile (and the runnable ones run) as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
