//! `/api/v1/steunpunten/...` and `/api/v1/staff-accounts`: the instance admin's work, and a
//! steunpunt admin's overview of its groups.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::accounts::{Credentials, RecoveryCodes};
use crate::error::{AppError, ErrorBody};
use crate::groups::DirectoryEntry;
use crate::state::AppState;
use crate::steunpunten::{self, NewSteunpunt, SteunpuntView};
use crate::web::auth::Authenticated;

/// Create a steunpunt (instance admin).
#[utoipa::path(post, path = "/api/v1/steunpunten", request_body = NewSteunpunt,
    security(("bearer" = [])),
    responses((status = 201, body = SteunpuntView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    body: web::Json<NewSteunpunt>,
) -> Result<HttpResponse, AppError> {
    let view = steunpunten::create(&state, &session, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Appointment {
    /// The login name of a staff account.
    pub login: String,
}

/// Make a staff account an admin of this steunpunt (instance admin).
#[utoipa::path(post, path = "/api/v1/steunpunten/{slug}/admins", request_body = Appointment,
    security(("bearer" = [])),
    responses((status = 201), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "not_staff or unknown_login")))]
pub async fn appoint_admin(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<Appointment>,
) -> Result<HttpResponse, AppError> {
    steunpunten::appoint_admin(&state, &session, &slug, &body.login).await?;
    Ok(HttpResponse::Created().finish())
}

/// Every group of the steunpunt, listed or not (its admins): structure, not content.
#[utoipa::path(get, path = "/api/v1/steunpunten/{slug}/groups", security(("bearer" = [])),
    responses((status = 200, body = [DirectoryEntry]), (status = 403, body = ErrorBody)))]
pub async fn groups(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(steunpunten::groups_of(&state, &session, &slug).await?))
}

/// Create a staff account, for steunpunt work (instance admin). Staff accounts are kept apart
/// from anyone's own member account.
#[utoipa::path(post, path = "/api/v1/staff-accounts", request_body = Credentials,
    security(("bearer" = [])),
    responses((status = 201, body = RecoveryCodes), (status = 403, body = ErrorBody)))]
pub async fn create_staff(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let codes = steunpunten::create_staff(&state, &session, &body.login, body.password).await?;
    Ok(HttpResponse::Created().json(RecoveryCodes {
        recovery_codes: codes,
    }))
}
