//! # pusher-lite-core
//!
//! The sans-IO core of PusherLite: every decision of Pusher Channels protocol 7,
//! with no sockets, no clock, no threads and no randomness of its own. The
//! browser (WebAssembly), native Rust, mobile bindings and the reference server
//! all build on it, so they cannot drift apart.
//!
//! - [`frame`]: decode and encode frames into typed messages;
//! - [`batching`]: the Lite extension that puts several frames in one message;
//! - [`client`]: the connection state machine, channels, presence members,
//!   encrypted channels and event routing, driven by inputs that carry `now`
//!   and polled for outputs;
//! - [`auth`], [`http_api`], [`webhook`]: signatures for channel auth, sign-in,
//!   HTTP API requests and webhooks;
//! - [`encryption`]: `private-encrypted-` channel keys and payloads;
//! - [`jwt`]: Lite session tokens;
//! - [`limits`]: names, sizes and counts the protocol allows;
//! - [`protocol`]: event names, codes and what a close code means;
//! - [`server`]: what a server decides (subscriptions, client events, presence rosters).
//!
//! Time is milliseconds (or seconds where the protocol counts seconds) passed
//! in by the caller; randomness (reconnect jitter) comes from a caller's seed.
//! `std::time` never appears, so the crate runs on `wasm32-unknown-unknown`.

#![warn(missing_docs)]

pub mod auth;
pub mod batching;
pub mod client;
pub mod encoding;
pub mod encryption;
pub mod frame;
pub mod http_api;
pub mod json;
pub mod jwt;
pub mod limits;
pub mod protocol;
pub mod server;
pub mod webhook;
