//! # pusher-lite-server
//!
//! The reference server (issue #3): the protocol 7 WebSocket endpoint, the
//! Pusher HTTP API, the Lite routes, webhooks and the demo chat page, with
//! every protocol decision taken by `pusher-lite-core`. Not built yet.

pub use pusher_lite_core as core;
