//! The one way blocking work (diesel, argon2, file I/O) leaves the async workers: tokio's
//! blocking pool, with the caller's tracing span carried along so its log lines keep their
//! request context.

use tracing::Instrument;

use crate::error::AppError;

/// Runs `work` on the blocking pool and waits for it. A panic in `work` is an internal error.
pub async fn run<T, F>(work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .in_current_span()
        .await
        .map_err(AppError::internal)
}
