//! Who is asking: the session from `Authorization: Bearer` or the session cookie.
//!
//! The cookie is `HttpOnly; SameSite=Strict` and `Secure` unless Kring is reached on
//! localhost. A `Secure` cookie is named `__Host-kring_session`, and then only that name is
//! read. Extractors resolve the session once per request and cache it.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::error::AppError;
use crate::sessions::{self, Session};
use crate::state::AppState;

/// The cookie's name on plain-http localhost.
pub const SESSION_COOKIE: &str = "kring_session";
/// The cookie's name where it is `Secure`. Browsers accept a `__Host-` cookie only from this
/// very host, `Secure`, with `Path=/` and no `Domain`, so a sibling subdomain cannot plant
/// one (login forgery by cookie tossing); a tossed plain `kring_session` is not read then.
pub const HOST_SESSION_COOKIE: &str = "__Host-kring_session";

/// The session cookie's name for this request's context.
pub fn session_cookie_name(req: &HttpRequest, state: &AppState) -> &'static str {
    if secure(req, state) {
        HOST_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The raw token a request carries, bearer first.
pub fn presented_token(req: &HttpRequest, state: &AppState) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        return value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
    }
    req.cookie(session_cookie_name(req, state))
        .map(|c| c.value().to_string())
}

/// Is this request authenticated by cookie (and so exposed to cross-site forgery)?
pub fn uses_cookie(req: &HttpRequest, state: &AppState) -> bool {
    req.headers().get(header::AUTHORIZATION).is_none()
        && req.cookie(session_cookie_name(req, state)).is_some()
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
    Cookie::build(session_cookie_name(req, state), token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req, state))
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

pub fn removal_cookie(req: &HttpRequest, state: &AppState) -> Cookie<'static> {
    let mut cookie = Cookie::build(session_cookie_name(req, state), "")
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
    let session = match presented_token(req, &state) {
        Some(token) => sessions::resolve(&state, &token).await?,
        None => None,
    };
    req.extensions_mut().insert(Resolved(session.clone()));
    Ok(session)
}

/// Who asks, before the session is looked up: the token the request carries, if any. Hot
/// read paths hand it to `groups::access::reading_with`, which looks the session up in the
/// same trip to the blocking pool as the group's facts. A session another extractor already
/// resolved for this request is used as it is.
pub enum Asker {
    Resolved(Option<Session>),
    Token(Option<String>),
}

impl FromRequest for Asker {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Resolved(cached)) = req.extensions().get::<Resolved>() {
            return std::future::ready(Ok(Asker::Resolved(cached.clone())));
        }
        let token = req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| presented_token(req, state));
        std::future::ready(Ok(Asker::Token(token)))
    }
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

/// For pages: a request with a live session. Without one, the visitor is sent to the login
/// page (and, for a page they were looking at, back to it afterwards).
pub struct PageSession(pub Session);

#[derive(Debug)]
pub struct LoginRedirect(String);

impl std::fmt::Display for LoginRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "log in first")
    }
}

impl actix_web::ResponseError for LoginRedirect {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::SEE_OTHER
    }
    fn error_response(&self) -> actix_web::HttpResponse {
        actix_web::HttpResponse::SeeOther()
            .insert_header((header::LOCATION, self.0.as_str()))
            .finish()
    }
}

fn login_location(req: &HttpRequest) -> String {
    if req.method() != actix_web::http::Method::GET {
        return "/login".into();
    }
    let here = match req.query_string() {
        "" => req.path().to_string(),
        query => format!("{}?{query}", req.path()),
    };
    let encoded: String = here
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("/login?next={encoded}")
}

impl FromRequest for PageSession {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match resolve(&req).await? {
                Some(session) => Ok(PageSession(session)),
                None => Err(LoginRedirect(login_location(&req)).into()),
            }
        })
    }
}
