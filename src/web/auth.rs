//! Who is asking: the session from `Authorization: Bearer` or the session cookie.
//!
//! The cookie is `HttpOnly; SameSite=Strict` and `Secure` unless Kring is reached on
//! localhost. Extractors resolve the session once per request and cache it.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::error::AppError;
use crate::sessions::{self, Session};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "kring_session";

/// The raw token a request carries, bearer first.
pub fn presented_token(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        return value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
    }
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_string())
}

/// Is this request authenticated by cookie (and so exposed to cross-site forgery)?
pub fn uses_cookie(req: &HttpRequest) -> bool {
    req.headers().get(header::AUTHORIZATION).is_none() && req.cookie(SESSION_COOKIE).is_some()
}

fn host_is_local(req: &HttpRequest) -> bool {
    let host = super::security::request_host(req).unwrap_or_default();
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map(|(name, _)| name.to_string())
        .unwrap_or(host);
    matches!(name.as_str(), "localhost" | "127.0.0.1" | "[::1]") || name.ends_with(".localhost")
}

/// With `server.public_url` set, its scheme decides; without it, anything but localhost is
/// assumed to be served over https.
fn secure(req: &HttpRequest, state: &AppState) -> bool {
    match state.settings.server.public_url.as_str() {
        "" => !host_is_local(req),
        url => url.starts_with("https://"),
    }
}

pub fn session_cookie(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    expires_at: i64,
) -> Cookie<'static> {
    let max_age = (expires_at - crate::time::now()).max(0);
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req, state))
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

pub fn removal_cookie(req: &HttpRequest, state: &AppState) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req, state))
        .finish();
    cookie.make_removal();
    cookie
}

#[derive(Clone)]
struct Resolved(Option<Session>);

async fn resolve(req: &HttpRequest) -> Result<Option<Session>, AppError> {
    if let Some(Resolved(cached)) = req.extensions().get::<Resolved>() {
        return Ok(cached.clone());
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("no app state"))?
        .clone();
    let session = match presented_token(req) {
        Some(token) => sessions::resolve(&state, &token).await?,
        None => None,
    };
    req.extensions_mut().insert(Resolved(session.clone()));
    Ok(session)
}

/// A request with a live session; 401 without one.
pub struct Authenticated(pub Session);

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            resolve(&req)
                .await?
                .map(Authenticated)
                .ok_or_else(AppError::unauthorized)
        })
    }
}

/// A request that may or may not have a session.
pub struct MaybeAuthenticated(pub Option<Session>);

impl FromRequest for MaybeAuthenticated {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeAuthenticated(resolve(&req).await?)) })
    }
}
