//! The JSON API under `/api/v1`, and its OpenAPI document.
//!
//! Handlers parse and validate at the edge, call the service layer, and shape the answer.
//! They hold no business rules of their own.

mod accounts;
mod me;
mod sessions;

use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kring API",
        description = "Forum and chat for self-help groups, under pseudonyms. Errors are `{\"error\":\"code\",\"message\":\"text\"}`. Authenticate with `Authorization: Bearer <token>` or the session cookie (then unsafe requests must carry Kring's Origin)."
    ),
    paths(
        accounts::register,
        accounts::recover,
        sessions::login,
        sessions::logout,
        sessions::logout_everywhere,
        me::me,
        me::export,
        me::erase,
        me::change_password,
        me::renew_recovery_codes,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

async fn not_found() -> Result<HttpResponse, crate::error::AppError> {
    Err(crate::error::AppError::not_found())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/openapi.json", web::get().to(openapi_json))
            .route("/accounts", web::post().to(accounts::register))
            .route("/recovery", web::post().to(accounts::recover))
            .route("/sessions", web::post().to(sessions::login))
            .route("/sessions", web::delete().to(sessions::logout_everywhere))
            .route("/sessions/current", web::delete().to(sessions::logout))
            .route("/me", web::get().to(me::me))
            .route("/me", web::delete().to(me::erase))
            .route("/me/export", web::get().to(me::export))
            .route("/me/password", web::put().to(me::change_password))
            .route("/me/recovery-codes", web::post().to(me::renew_recovery_codes))
            .default_service(web::to(not_found)),
    );
}
