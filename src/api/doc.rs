//! The answers every operation can give whatever it does, added to the OpenAPI document in
//! one place so no operation forgets one:
//!
//! - a JSON body that cannot be read: 400 `invalid_json`, 413 `payload_too_large`, 415
//!   `unsupported_media_type` (see `web::extractor_config`);
//! - an operation that needs a session: 401 `unauthorized`;
//! - an unsafe method: 403 `origin_mismatch` (see `web::security::check_origin`);
//! - an operation with a path parameter: 404 `not_found` (an unknown or hidden id or slug);
//! - any operation: 503 `busy` when the database is locked for too long;
//! - 429 and 503 carry `Retry-After`.
//!
//! Handler annotations list the answers that belong to the operation itself.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    Content, ObjectBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Type,
};

/// The shared responses, by component name: (name, status, description).
const SHARED: &[(&str, &str, &str)] = &[
    (
        "BadRequest",
        "400",
        "`invalid_json`, `invalid_body` or `invalid_query`: the request could not be read \
         (malformed JSON, a missing or unknown field, a value of the wrong type).",
    ),
    (
        "Unauthorized",
        "401",
        "`unauthorized`: no live session. Log in and send `Authorization: Bearer <token>`.",
    ),
    (
        "OriginMismatch",
        "403",
        "`origin_mismatch`: a request that rides the session cookie (or names a foreign \
         `Origin`) did not come from Kring's own pages.",
    ),
    (
        "NotFound",
        "404",
        "`not_found`: there is nothing here, or nothing the asker may know of.",
    ),
    (
        "PayloadTooLarge",
        "413",
        "`payload_too_large`: the body is larger than `server.max_body_bytes`.",
    ),
    (
        "UnsupportedMediaType",
        "415",
        "`unsupported_media_type`: send the body as `Content-Type: application/json`.",
    ),
    (
        "Busy",
        "503",
        "`busy`: Kring is overloaded for a moment; try again after `Retry-After` seconds.",
    ),
];

/// Is the session required (a security requirement that is not the empty, optional one)?
fn needs_session(operation: &Operation) -> bool {
    operation.security.as_ref().is_some_and(|requirements| {
        !requirements.is_empty()
            && requirements.iter().all(|r| {
                serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
            })
    })
}

fn has_path_parameter(operation: &Operation) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Path)
}

fn error_content() -> Content {
    Content::new(Some(Ref::from_schema_name("ErrorBody")))
}

fn retry_after() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        )
        .description(Some("Seconds to wait before trying again."))
        .build()
}

fn add_shared(operation: &mut Operation, name: &str) {
    let status = SHARED
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, status, _)| *status)
        .expect("a shared response");
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

fn complete(operation: &mut Operation, unsafe_method: bool) {
    if operation.request_body.is_some() {
        add_shared(operation, "BadRequest");
        add_shared(operation, "PayloadTooLarge");
        add_shared(operation, "UnsupportedMediaType");
    }
    if needs_session(operation) {
        add_shared(operation, "Unauthorized");
    }
    if unsafe_method {
        match operation.responses.responses.get_mut("403") {
            Some(RefOr::T(own)) if !own.description.contains("origin_mismatch") => {
                own.description.push_str(
                    " Also `origin_mismatch`: a cookie-borne request from outside Kring's pages.",
                );
            }
            Some(_) => {}
            None => add_shared(operation, "OriginMismatch"),
        }
    }
    if has_path_parameter(operation) {
        add_shared(operation, "NotFound");
    }
    add_shared(operation, "Busy");
    for (status, response) in operation.responses.responses.iter_mut() {
        if let RefOr::T(response) = response {
            if response.description.is_empty() {
                response.description = default_description(status).to_string();
            }
            if status == "429" || status == "503" {
                response
                    .headers
                    .entry("Retry-After".into())
                    .or_insert_with(retry_after);
            }
        }
    }
}

fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK.",
        "201" => "Created.",
        "202" => "Accepted: waiting for a leader.",
        "204" => "Done; no content.",
        "401" => "Log in first.",
        "403" => "Not allowed.",
        "404" => "`not_found`.",
        "409" => "In conflict with what is there.",
        "422" => "A value breaks a rule; `error` names which.",
        "429" => "`rate_limited`: too many attempts; try again after `Retry-After` seconds.",
        _ => "See `error`.",
    }
}

fn shared_response(description: &str, status: &str) -> Response {
    let mut builder = ResponseBuilder::new()
        .description(description)
        .content("application/json", error_content());
    if status == "503" || status == "429" {
        builder = builder.header("Retry-After", retry_after());
    }
    builder.build()
}

/// The bearer scheme, the shared responses, and the answers every operation can give.
pub struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for (name, status, description) in SHARED {
            components.responses.insert(
                (*name).to_string(),
                shared_response(description, status).into(),
            );
        }
        for item in openapi.paths.paths.values_mut() {
            for (operation, unsafe_method) in [
                (&mut item.get, false),
                (&mut item.head, false),
                (&mut item.options, false),
                (&mut item.trace, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ] {
                if let Some(operation) = operation {
                    complete(operation, unsafe_method);
                }
            }
        }
    }
}
