//! `POST /api/v1/accounts` and `POST /api/v1/recovery`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts;
use crate::error::{AppError, ErrorBody};
use crate::sessions;
use crate::state::AppState;
use crate::web::{auth, client};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Secret login name: 3-32 letters, digits, `_` or `-`. Never shown to others.
    pub login: String,
    /// 10-128 characters; not one of the most common passwords.
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// One-time codes to regain access. Shown only now; Kring keeps only their hashes.
    pub recovery_codes: Vec<String>,
}

/// Register an account.
#[utoipa::path(post, path = "/api/v1/accounts", request_body = Credentials,
    responses(
        (status = 201, body = RecoveryCodes),
        (status = 409, body = ErrorBody, description = "login_taken"),
        (status = 422, body = ErrorBody, description = "the login name or password breaks a rule"),
        (status = 429, body = ErrorBody),
    ))]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let registered = accounts::register(&state, source, &body.login, body.password).await?;
    Ok(HttpResponse::Created().json(RecoveryCodes {
        recovery_codes: registered.recovery_codes,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    pub login: String,
    pub recovery_code: String,
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Recovered {
    /// A new session token; every earlier session has ended.
    pub token: String,
    pub expires_at: String,
    pub recovery_codes_left: usize,
}

/// Regain access with a one-time recovery code and set a new password.
#[utoipa::path(post, path = "/api/v1/recovery", request_body = Recovery,
    responses(
        (status = 201, body = Recovered),
        (status = 401, body = ErrorBody, description = "invalid_recovery_code"),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
pub async fn recover(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Recovery>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let (account, left) = accounts::recover(
        &state,
        source,
        &body.login,
        &body.recovery_code,
        body.new_password,
    )
    .await?;
    let session = sessions::start(&state, &account.id).await?;
    Ok(HttpResponse::Created()
        .cookie(auth::session_cookie(
            &req,
            &state,
            &session.token,
            session.expires_at,
        ))
        .json(Recovered {
            token: session.token,
            expires_at: crate::time::rfc3339(session.expires_at),
            recovery_codes_left: left,
        }))
}
