//! HTTP plumbing shared by the pages and the API: who is asking (session, source address),
//! security headers and the Origin check, and how extractor errors become client errors.

pub mod auth;
pub mod client;
pub mod routes;
pub mod security;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::{HttpRequest, web};

use crate::error::AppError;

fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let app = match err {
        JsonPayloadError::ContentType => AppError::client(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send JSON with the header Content-Type: application/json.",
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            payload_too_large()
        }
        JsonPayloadError::Deserialize(e) => {
            AppError::bad_request("invalid_json", format!("The JSON body is not valid: {e}"))
        }
        other => AppError::bad_request(
            "invalid_body",
            format!("The body could not be read: {other}"),
        ),
    };
    app.into()
}

fn form_error(err: UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    let app = match err {
        UrlencodedError::ContentType => AppError::client(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the form as application/x-www-form-urlencoded.",
        ),
        UrlencodedError::Overflow { .. } => payload_too_large(),
        other => AppError::bad_request("invalid_form", format!("The form is not valid: {other}")),
    };
    app.into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::bad_request(
        "invalid_query",
        format!("The query string is not valid: {err}"),
    )
    .into()
}

fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    AppError::not_found().into()
}

fn payload_too_large() -> AppError {
    AppError::client(
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "The request body is too large.",
    )
}

/// Body size limits and error shapes for every extractor.
pub fn extractor_config(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(max_body_bytes)
            .error_handler(json_error),
    )
    .app_data(
        web::FormConfig::default()
            .limit(max_body_bytes)
            .error_handler(form_error),
    )
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::PayloadConfig::default().limit(max_body_bytes));
}
