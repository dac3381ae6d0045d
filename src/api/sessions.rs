//! `POST /api/v1/sessions`, `DELETE /api/v1/sessions/current`, `DELETE /api/v1/sessions`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::accounts::Credentials;
use crate::accounts;
use crate::error::{AppError, ErrorBody};
use crate::sessions;
use crate::state::AppState;
use crate::web::auth::{self, Authenticated};
use crate::web::client;

#[derive(Serialize, ToSchema)]
pub struct NewSession {
    /// Send as `Authorization: Bearer <token>`. Also set as an HttpOnly cookie.
    pub token: String,
    /// The latest moment the session lives (it ends earlier when left idle).
    pub expires_at: String,
}

/// Log in.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = Credentials,
    responses(
        (status = 201, body = NewSession),
        (status = 401, body = ErrorBody, description = "invalid_credentials"),
        (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "busy"),
    ))]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let account = accounts::authenticate(&state, source, &body.login, body.password).await?;
    if let Some(previous) = auth::presented_token(&req, &state) {
        sessions::end_token(&state, &previous).await?;
    }
    let session = sessions::start(&state, &account.id).await?;
    Ok(HttpResponse::Created()
        .cookie(auth::session_cookie(
            &req,
            &state,
            &session.token,
            session.expires_at,
        ))
        .json(NewSession {
            token: session.token,
            expires_at: crate::time::rfc3339(session.expires_at),
        }))
}

/// Log out: this session's token stops working everywhere.
#[utoipa::path(delete, path = "/api/v1/sessions/current", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
) -> Result<HttpResponse, AppError> {
    sessions::end(&state, &session.token_hash).await?;
    Ok(HttpResponse::NoContent()
        .cookie(auth::removal_cookie(&req, &state))
        .finish())
}

/// Log out everywhere: every session of this account ends.
#[utoipa::path(delete, path = "/api/v1/sessions", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout_everywhere(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
) -> Result<HttpResponse, AppError> {
    sessions::end_all(&state, &session.account.id).await?;
    Ok(HttpResponse::NoContent()
        .cookie(auth::removal_cookie(&req, &state))
        .finish())
}
