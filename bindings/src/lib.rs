//! # pusher-lite-ffi
//!
//! uniffi bindings over the native SDK for Kotlin, Swift, Python and Ruby
//! (issue #6). Nothing is exported yet.

pub use pusher_lite as native;
