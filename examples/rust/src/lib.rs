//! Runnable examples of the `pusher-lite` crate, configured by the
//! `PUSHER_LITE_*` environment variables (see the crate's `EnvConfig`):
//!
//! - `publisher`: triggers one event and prints the server's answer;
//! - `subscriber`: subscribes and prints events as they arrive;
//! - `auth_endpoint`: an axum app serving `/pusher/auth` and `/pusher/user-auth`
//!   for private, presence and encrypted channels and user sign-in.
//!
//! ```sh
//! export PUSHER_LITE_HOST=127.0.0.1:6001 PUSHER_LITE_APP_ID=… PUSHER_LITE_APP_KEY=… PUSHER_LITE_APP_SECRET=…
//! cargo run -p pusher-lite-examples --bin subscriber -- general 1 &
//! cargo run -p pusher-lite-examples --bin publisher -- general new_message '{"name":"rust","message":"hi"}'
//! ```
