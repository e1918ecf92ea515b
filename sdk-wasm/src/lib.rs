//! # pusher-lite-wasm
//!
//! The browser client: wasm-bindgen bindings over the browser's WebSocket and
//! fetch, driving the protocol core, built into `npm/dist/pusher.js` (issue #4).
//! It holds no browser code yet; it re-exports the core so the wasm32 build of
//! the core is exercised through the crate that will ship it.

pub use pusher_lite_core as core;
