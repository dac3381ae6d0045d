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
    /// Secret login name, never shown to others: 3-32 letters (of any script), digits, `_`
    /// or `-`, counted after trimming and Unicode NFKC normalisation; no invisible or
    /// direction-changing characters. Compared without regard to case.
    #[schema(min_length = 3, max_length = 32, example = "zonnebloem_7")]
    pub login: String,
    /// 10-128 characters; not one of the most common passwords, not the login name.
    #[schema(min_length = 10, max_length = 128, example = "drie woorden op een rij")]
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
        (status = 201, body = RecoveryCodes, description = "Registered; log in next."),
        (status = 409, body = ErrorBody, description = "`login_taken`"),
        (status = 422, body = ErrorBody, description = "The login name or password breaks a \
            rule: `login_name_length`, `login_name_characters`, `login_name_invisible`, \
            `password_length`, `password_common`, `password_is_login`."),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many new accounts \
            from this address."),
        (status = 503, body = ErrorBody, description = "`busy`: too many passwords being \
            hashed at once."),
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
    /// The login name.
    pub login: String,
    /// One of the recovery codes shown at registration (spent by this request).
    pub recovery_code: String,
    /// 10-128 characters; not one of the most common passwords, not the login name.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Recovered {
    /// A new session token; every earlier session has ended.
    pub token: String,
    /// The latest moment the session lives (RFC 3339).
    #[schema(format = DateTime)]
    pub expires_at: String,
    pub recovery_codes_left: usize,
}

/// Regain access with a one-time recovery code and set a new password.
#[utoipa::path(post, path = "/api/v1/recovery", request_body = Recovery,
    responses(
        (status = 201, body = Recovered, description = "A new password and a new session; \
            also set as the session cookie."),
        (status = 401, body = ErrorBody, description = "`invalid_recovery_code`: the login \
            name and code do not match."),
        (status = 422, body = ErrorBody, description = "The new password breaks a rule: \
            `password_length`, `password_common`, `password_is_login`."),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many attempts."),
        (status = 503, body = ErrorBody, description = "`busy`: too many passwords being \
            hashed at once."),
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
