//! The one way blocking work (diesel, argon2, file I/O) leaves the async workers: tokio's
//! blocking pool, with the caller's tracing span carried along so its log lines keep their
//! request context.

use std::cell::Cell;
use std::future::Future;

use tracing::Instrument;

use crate::error::AppError;

tokio::task_local! {
    /// Trips made so far by the request being served (see [`counting`]).
    static TRIPS: Cell<u32>;
}

/// Runs `work` (a request's handling) and counts its trips to the blocking pool: a hot path
/// makes one, not one per service it calls. `/metrics` shows the counts per route.
pub async fn counting<F: Future>(work: F) -> (F::Output, u32) {
    TRIPS
        .scope(Cell::new(0), async {
            let output = work.await;
            (output, TRIPS.with(Cell::get))
        })
        .await
}

/// Runs `work` on the blocking pool and waits for it. A panic in `work` is an internal error.
pub async fn run<T, F>(work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let _ = TRIPS.try_with(|trips| trips.set(trips.get() + 1));
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .in_current_span()
        .await
        .map_err(AppError::internal)
}
