//! Static files from `frontend/static`, embedded in the binary.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "kring.css",
        "text/css; charset=utf-8",
        include_bytes!("../../frontend/static/kring.css"),
    ),
    (
        "kring.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../frontend/static/kring.js"),
    ),
    (
        "chat.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../frontend/static/chat.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../frontend/static/favicon.svg"),
    ),
];

async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(n, _, _)| *n == name.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(*body),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::web::routes::{self, Access};
    routes::add(
        cfg,
        actix_web::http::Method::GET,
        "/static/{name}",
        &[Access::Public],
        asset,
    );
}
