//! Security headers on every response, and the Origin check on unsafe requests.
//!
//! Unsafe requests (and websocket handshakes) that ride on the session cookie must come from
//! Kring's own origin: `server.public_url`, or else the request's own Host. An Origin from
//! anywhere else is refused on every unsafe request, cookie or not (login forgery), and so
//! is a `Sec-Fetch-Site` other than same-origin.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{HttpRequest, web};

use crate::error::AppError;
use crate::state::AppState;
use crate::web::auth;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

pub fn headers(https: bool) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ))
        .add((header::CACHE_CONTROL, "no-store"));
    if https {
        headers = headers.add(("Strict-Transport-Security", "max-age=31536000"));
    }
    headers
}

/// The Host the client addressed (the header, never a forwarded one), lower-cased.
pub fn request_host(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .map(|h| h.to_ascii_lowercase())
}

fn origin_is_ours(origin: &str, req: &HttpRequest, public_url: &str) -> bool {
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    if !public_url.is_empty() {
        return origin == public_url.trim_end_matches('/').to_ascii_lowercase();
    }
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((authority, request_host(req)), (Some(a), Some(h)) if a == h)
}

fn is_unsafe(req: &ServiceRequest) -> bool {
    !matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) || req.headers().contains_key(header::UPGRADE)
}

pub async fn check_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if is_unsafe(&req) {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let public_url = state
            .as_ref()
            .map(|s| s.settings.server.public_url.clone())
            .unwrap_or_default();
        let http = req.request();
        let origin = http
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok());
        let fetch_site = http
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok());
        let allowed = match (origin, fetch_site) {
            // Browsers send `Origin: null` on form posts under `Referrer-Policy: no-referrer`;
            // then Sec-Fetch-Site, which pages cannot forge, says where the request came from.
            (Some(origin), _) if origin != "null" => origin_is_ours(origin, http, &public_url),
            (_, Some(site)) => matches!(site, "same-origin" | "none"),
            (Some(_null), None) => false,
            // No browser headers at all: a non-browser client, fine unless it rides a cookie.
            (None, None) => state.is_some_and(|s| !auth::uses_cookie(http, &s)),
        };
        if !allowed {
            let refusal = AppError::forbidden(
                "origin_mismatch",
                "This request did not come from Kring's own pages and was refused.",
            );
            // A response, not an Err: the outer middleware still adds the security headers.
            return Ok(req
                .into_response(actix_web::ResponseError::error_response(&refusal))
                .map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn origin_matches_host_or_public_url() {
        let req = TestRequest::default()
            .insert_header((header::HOST, "127.0.0.1:8080"))
            .to_http_request();
        assert!(origin_is_ours("http://127.0.0.1:8080", &req, ""));
        assert!(!origin_is_ours("http://evil.example", &req, ""));
        assert!(!origin_is_ours("null", &req, ""));
        assert!(origin_is_ours(
            "https://kring.nl",
            &req,
            "https://kring.nl/"
        ));
        assert!(!origin_is_ours(
            "http://127.0.0.1:8080",
            &req,
            "https://kring.nl"
        ));
    }
}
