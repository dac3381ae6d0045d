//! HTTP plumbing shared by the pages and the API: who is asking (session, source address),
//! security headers and the Origin check, and how extractor errors become client errors.

pub mod auth;
pub mod client;
pub mod routes;
pub mod security;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, ResponseError, web};

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

/// Does this percent-encoded text decode to a NUL character?
fn encodes_nul(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// A NUL character in the path or the query string is refused before any handler sees it:
/// no name, slug or id contains one, and PostgreSQL cannot even compare text with one (it
/// would be a 500 there and a quiet miss on SQLite). The path answers 404, the query 400.
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refusal = if encodes_nul(req.path()) {
        Some(AppError::not_found())
    } else if encodes_nul(req.query_string()) {
        Some(AppError::bad_request(
            "invalid_query",
            "The query string is not valid: it contains a NUL character.",
        ))
    } else {
        None
    };
    match refusal {
        // A response, not an Err: the outer middleware still adds the security headers.
        Some(refusal) => Ok(req
            .into_response(refusal.error_response())
            .map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_encoded_nul_only() {
        assert!(super::encodes_nul("/api/v1/groups/%00"));
        assert!(super::encodes_nul("q=a%00b"));
        assert!(!super::encodes_nul("/api/v1/groups/%2500"));
        assert!(!super::encodes_nul("q=100%25"));
        assert!(!super::encodes_nul("q=%20"));
    }
}
