//! # pusher-lite-ffi
//!
//! The uniffi bindings of PusherLite for Python, Ruby, Kotlin and Swift. This
//! crate is thin: it adapts the types of the native SDK ([`pusher_lite`],
//! re-exported as [`native`]) to what uniffi can carry and adds the listener
//! plumbing; every protocol decision stays in `pusher-lite-core`.
//!
//! What it adds over the native SDK, and why:
//!
//! - **one runtime**: a small multi-threaded tokio runtime owned by the
//!   library ([`runtime`]). Blocking methods wait on it from the caller's
//!   thread; `*_async` methods run there and are awaited from the foreign
//!   executor (asyncio, Kotlin coroutines, Swift concurrency), so no foreign
//!   language needs to know about tokio;
//! - **listeners**: foreign objects implementing [`ConnectionListener`],
//!   [`ChannelListener`] or [`EventListener`] are called from one dispatcher
//!   thread per client, never from the runtime's threads, so a listener may
//!   block or call back into the SDK. A listener that raises comes back to
//!   Rust as an error (recorded, see [`Client::listener_errors`]), not a panic;
//! - **handles**: every registration returns a cancellable handle
//!   ([`Subscription`], [`ListenerHandle`]); [`Client::shutdown`] cancels them
//!   all and joins the dispatcher thread, so no callback runs after it returns;
//! - **one error type**, [`PusherError`], whose variants say what a caller can
//!   do about a failure;
//! - **pure helpers** ([`helpers`]) over the core's signing, token and
//!   encryption functions, so every language can check the shared test vectors.

#![warn(missing_docs)]

uniffi::setup_scaffolding!("pusher_lite");

mod client;
mod error;
pub mod helpers;
mod publisher;
mod runtime;

pub use client::{
    ChannelAuthorizer, ChannelListener, ChannelStatus, Client, ClientBuilder, ConnectionError,
    ConnectionListener, ConnectionState, Event, EventListener, ListenerHandle, Member, Members,
    Subscription, UserAuthenticator,
};
pub use error::PusherError;
pub use publisher::{
    BatchEvent, ChannelAuthorization, ChannelInfo, MemberData, Publisher, PublisherBuilder,
    ServerAddress, SessionRequest, TriggerOptions, UserAuthentication, WebhookBody, WebhookEvent,
};
pub use pusher_lite as native;
pub use runtime::runtime;

/// The version of this library (the workspace version).
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
