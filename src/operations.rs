//! `/healthz` (alive), `/readyz` (database reachable), `/metrics` (counts only).

use actix_web::{HttpRequest, HttpResponse, web};
use subtle::ConstantTimeEq;

use crate::state::AppState;
use crate::web::client;

async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unreachable")
    }
}

/// Loopback, or the configured token: activity counts of a small community are not public.
fn may_read_metrics(req: &HttpRequest, state: &AppState) -> bool {
    let token = &state.settings.server.metrics_token;
    if !token.is_empty() {
        let presented = crate::web::auth::presented_token(req, state).unwrap_or_default();
        return bool::from(presented.as_bytes().ct_eq(token.as_bytes()));
    }
    // Served at a public address (`server.public_url`), Kring sits behind a proxy on this
    // machine, and a proxy need not send any forwarding header (nginx's plain `proxy_pass`
    // does not): every request would look like loopback. Then only the token opens it.
    if !public_url_is_local(&state.settings.server.public_url) {
        return false;
    }
    let client = client::client_ip(req, &state.settings.server.trusted_proxies);
    // A proxy on this machine is not the reader, whether or not it is configured as trusted:
    // with a forwarding header in the request, only the token opens the counts.
    !client::carries_forwarding_header(req) && client.is_some_and(|ip| ip.is_loopback())
}

/// No public URL, or one that names this machine itself.
fn public_url_is_local(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    url.is_empty() || matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !may_read_metrics(&req, &state) {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(state.hasher.available_permits()))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::web::routes::{self, Access::Operations};
    use actix_web::http::Method;
    routes::add(cfg, Method::GET, "/healthz", &[Operations], healthz);
    routes::add(cfg, Method::GET, "/readyz", &[Operations], readyz);
    routes::add(cfg, Method::GET, "/metrics", &[Operations], metrics);
}
