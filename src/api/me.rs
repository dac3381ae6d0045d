//! `/api/v1/me`: the own account, its export, erasure, password and recovery codes.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accounts::RecoveryCodes;
use crate::accounts::{self, Account, AccountExport};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use crate::web::auth::{self, Authenticated};
use crate::web::client;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub account: Account,
    /// When this session ends at the latest (RFC 3339).
    #[schema(format = DateTime)]
    pub session_expires_at: String,
}

/// The own account.
#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])),
    responses((status = 200, body = Me, description = "The own account.")))]
pub async fn me(Authenticated(session): Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        session_expires_at: crate::time::rfc3339(session.expires_at),
        account: session.account,
    })
}

/// Everything Kring stores about me.
#[utoipa::path(get, path = "/api/v1/me/export", security(("bearer" = [])),
    responses((status = 200, body = AccountExport, description = "Everything stored about \
        me, as a download (`Content-Disposition: attachment`).")))]
pub async fn export(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
) -> Result<HttpResponse, AppError> {
    let export = accounts::export(&state, &session.account.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"kring-export.json\"",
        ))
        .json(export))
}

pub use crate::forum::erasure::PostsChoice;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// The current password.
    pub password: String,
    /// What happens to what I wrote: deleted, or kept under "former member".
    pub posts: PostsChoice,
}

/// Erase my account and everything attached to it.
#[utoipa::path(delete, path = "/api/v1/me", request_body = Erase, security(("bearer" = [])),
    responses((status = 204, description = "Erased; the cookie is removed."),
        (status = 403, body = ErrorBody, description = "`wrong_password`."),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many password \
            checks."),
        (status = 503, body = ErrorBody, description = "`busy`: too many passwords being \
            checked at once.")))]
pub async fn erase(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    body: web::Json<Erase>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    accounts::erase(
        &state,
        source,
        &session.account.id,
        body.password,
        body.posts,
    )
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(auth::removal_cookie(&req, &state))
        .finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 10-128 characters; not one of the most common passwords, not the login name.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// Change my password; every other session ends.
#[utoipa::path(put, path = "/api/v1/me/password", request_body = PasswordChange,
    security(("bearer" = [])),
    responses((status = 204, description = "Changed; every other session has ended."),
        (status = 403, body = ErrorBody, description = "`wrong_password`."),
        (status = 422, body = ErrorBody, description = "The new password breaks a rule: \
            `password_length`, `password_common`, `password_is_login`."),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many password \
            checks."),
        (status = 503, body = ErrorBody, description = "`busy`: too many passwords being \
            checked at once.")))]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    accounts::change_password(
        &state,
        client::source_key(&req, &state.settings.server.trusted_proxies),
        &session.account.id,
        &session.token_hash,
        body.current_password,
        body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfirmation {
    /// The current password.
    pub password: String,
}

/// Replace my recovery codes with new ones.
#[utoipa::path(post, path = "/api/v1/me/recovery-codes", request_body = PasswordConfirmation,
    security(("bearer" = [])),
    responses((status = 201, body = RecoveryCodes, description = "New codes; the old ones no \
            longer work."),
        (status = 403, body = ErrorBody, description = "`wrong_password`."),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many password \
            checks."),
        (status = 503, body = ErrorBody, description = "`busy`: too many passwords being \
            checked at once.")))]
pub async fn renew_recovery_codes(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    body: web::Json<PasswordConfirmation>,
) -> Result<HttpResponse, AppError> {
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let codes = accounts::renew_recovery_codes(
        &state,
        source,
        &session.account.id,
        body.into_inner().password,
    )
    .await?;
    Ok(HttpResponse::Created().json(RecoveryCodes {
        recovery_codes: codes,
    }))
}
