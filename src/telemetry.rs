//! Structured logs, and the request log that replaces actix-web's default logger.
//!
//! A log line may carry a method, a route *pattern*, a status and a duration. Never an IP
//! address, a user agent, a login name, a token, a path with ids, or message content.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use tracing_subscriber::EnvFilter;

use crate::configuration::{LogFormat, LogSettings};
use crate::state::AppState;

/// Installs the global subscriber, writing to stderr. `RUST_LOG` overrides `log.level`.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let result = match settings.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // Already installed (tests start several apps in one process): keep the first.
    let _ = result;
}

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "(unmatched)".into());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (result, trips) = crate::blocking::counting(next.call(req)).await;
    let status = match &result {
        Ok(res) => res.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    if let Some(state) = state {
        state.metrics.record_status(status);
        state.metrics.record_trips(&method, &route, trips);
    }
    tracing::info!(
        method,
        route,
        status,
        trips,
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    result
}
