//! `POST /api/v1/sessions`, `DELETE /api/v1/sessions/current`, `DELETE /api/v1/sessions`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts;
use crate::error::{AppError, ErrorBody};
use crate::sessions;
use crate::state::AppState;
use crate::web::auth::{self, Authenticated};
use crate::web::client;

/// A login: the rules of new names and passwords are not checked here (a wrong pair is just
/// a wrong pair), so this is not `Credentials`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The secret login name (case does not matter).
    pub login: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewSession {
    /// Send as `Authorization: Bearer <token>`. Also set as an HttpOnly cookie.
    pub token: String,
    /// The latest moment the session lives (it ends earlier when left idle), RFC 3339.
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// Log in.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = Login,
    responses(
        (status = 201, body = NewSession, description = "Logged in; the token is also set as \
            the session cookie. A session the request carried has ended."),
        (status = 401, body = ErrorBody, description = "`invalid_credentials`: the login name \
            and password do not match."),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many logins from \
            this address or for this login name."),
        (status = 503, body = ErrorBody, description = "`busy`: too many passwords being \
            checked at once."),
    ))]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
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
    responses((status = 204, description = "Logged out; the cookie is removed.")))]
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
    responses((status = 204, description = "Every session of the account has ended.")))]
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
