//! # pusher-lite
//!
//! PusherLite for native Rust. This crate will hold the HTTP API `Publisher`,
//! the WebSocket `Client` and the `pusher-lite` command-line tool (issue #5).
//! Until then it only re-exports the protocol core, so that dependents can
//! already name one crate.

pub use pusher_lite_core as core;
