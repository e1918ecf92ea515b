//! The library's own tokio runtime, and the two ways foreign calls use it.

use std::future::Future;
use std::sync::OnceLock;

use crate::PusherError;

/// The runtime every publisher request and client connection runs on: two
/// worker threads named `pusher-lite`, started on first use.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime, PusherError> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("pusher-lite")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| PusherError::Config {
            reason: format!("could not start the SDK's runtime: {e}"),
        })
}

/// Runs `future` to completion on the runtime, blocking the calling (foreign)
/// thread. Refused on the runtime's own threads, where it would deadlock.
pub(crate) fn block_on<T, E: Into<PusherError>>(
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, PusherError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PusherError::Config {
            reason: "a blocking call was made from inside the SDK's runtime; use the *_async method there".into(),
        });
    }
    runtime()?.block_on(future).map_err(Into::into)
}

/// Runs `future` on the runtime and waits for it from any executor (the
/// foreign language's). Dropping the returned future cancels the work.
pub(crate) async fn spawn<T, E>(
    future: impl Future<Output = Result<T, E>> + Send + 'static,
) -> Result<T, PusherError>
where
    T: Send + 'static,
    E: Into<PusherError> + Send + 'static,
{
    struct AbortOnDrop<R>(tokio::task::JoinHandle<R>);
    impl<R> Drop for AbortOnDrop<R> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut task = AbortOnDrop(runtime()?.spawn(future));
    match (&mut task.0).await {
        Ok(result) => result.map_err(Into::into),
        Err(e) => Err(PusherError::Closed {
            reason: format!("the request's task ended early: {e}"),
        }),
    }
}
