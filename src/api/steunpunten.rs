//! `/api/v1/steunpunten/...` and `/api/v1/staff-accounts`: the instance admin's work, and a
//! steunpunt admin's overview of its groups.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::accounts::{Credentials, RecoveryCodes};
use crate::error::{AppError, ErrorBody};
use crate::groups::DirectoryEntry;
use crate::state::AppState;
use crate::steunpunten::{self, NewSteunpunt, SteunpuntChange, SteunpuntView};
use crate::web::auth::Authenticated;

/// Create a steunpunt (instance admin).
#[utoipa::path(post, path = "/api/v1/steunpunten", operation_id = "create_steunpunt",
    request_body = NewSteunpunt,
    security(("bearer" = [])),
    responses((status = 201, body = SteunpuntView, description = "Created."),
        (status = 403, body = ErrorBody, description = "`forbidden`: instance admins only."),
        (status = 409, body = ErrorBody, description = "`slug_taken`."),
        (status = 422, body = ErrorBody, description = "`invalid_slug`, `invalid_time_zone` or `invalid_field` \
            (name, crisis_text).")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    body: web::Json<NewSteunpunt>,
) -> Result<HttpResponse, AppError> {
    let view = steunpunten::create(&state, &session, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Change the steunpunt's time zone or its groups' retention bounds (its admins). Groups and
/// rooms that kept content longer than a new bound are brought down to it.
#[utoipa::path(patch, path = "/api/v1/steunpunten/{slug}", operation_id = "change_steunpunt",
    request_body = SteunpuntChange,
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The steunpunt's slug.")),
    responses((status = 200, body = SteunpuntView, description = "Changed."),
        (status = 403, body = ErrorBody, description = "`forbidden`: this steunpunt's admins \
            only."),
        (status = 404, body = ErrorBody, description = "`not_found`: no such steunpunt."),
        (status = 422, body = ErrorBody, description = "`invalid_time_zone` or \
            `invalid_field` (a bound out of range).")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<SteunpuntChange>,
) -> Result<HttpResponse, AppError> {
    let view = steunpunten::update(&state, &session, &slug, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Appointment {
    /// The login name of a staff account.
    #[schema(min_length = 3, max_length = 32)]
    pub login: String,
}

/// Make a staff account an admin of this steunpunt (instance admin).
#[utoipa::path(post, path = "/api/v1/steunpunten/{slug}/admins", request_body = Appointment,
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The steunpunt's slug.")),
    responses((status = 201, description = "Appointed (again)."),
        (status = 403, body = ErrorBody, description = "`forbidden`: instance admins only."),
        (status = 422, body = ErrorBody, description = "`not_staff`, `unknown_login`, or a \
            login name that breaks the rules (`login_name_*`).")))]
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
#[utoipa::path(get, path = "/api/v1/steunpunten/{slug}/groups", operation_id = "steunpunt_groups",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The steunpunt's slug.")),
    responses((status = 200, body = [DirectoryEntry], description = "Its groups, by name."),
        (status = 403, body = ErrorBody, description = "`forbidden`: this steunpunt's admins \
            only.")))]
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
    responses((status = 201, body = RecoveryCodes, description = "Created; hand the codes \
            and the password to the staff member."),
        (status = 403, body = ErrorBody, description = "`forbidden`: instance admins only."),
        (status = 409, body = ErrorBody, description = "`login_taken`."),
        (status = 422, body = ErrorBody, description = "The login name or password breaks a \
            rule (`login_name_*`, `password_*`)."),
        (status = 503, body = ErrorBody, description = "`busy`: too many passwords being \
            hashed at once.")))]
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
