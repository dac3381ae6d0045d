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
            .service(web::resource("/accounts").post(accounts::register))
            .service(web::resource("/recovery").post(accounts::recover))
            .service(
                web::resource("/sessions")
                    .post(sessions::login)
                    .delete(sessions::logout_everywhere),
            )
            .service(web::resource("/sessions/current").delete(sessions::logout))
            .service(web::resource("/me").get(me::me).delete(me::erase))
            .service(web::resource("/me/export").get(me::export))
            .service(web::resource("/me/password").put(me::change_password))
            .service(web::resource("/me/recovery-codes").post(me::renew_recovery_codes))
            .default_service(web::to(not_found)),
    );
}
