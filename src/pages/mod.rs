//! Server-rendered pages (askama templates in `frontend/templates`), Dutch by default.
//!
//! Pages call the same service layer as the API; they never call the API over HTTP. Every
//! page carries the steunpunt's crisis-help text in its footer. Forms work without JavaScript.

mod account;
mod assets;
pub(crate) mod chat;
pub(crate) mod forum;
mod groups;
mod instance;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::AppError;
use crate::i18n::{Catalogue, LANG_COOKIE, Lang};
use crate::state::AppState;
use crate::web::auth::MaybeAuthenticated;
use crate::web::routes::{self, Access};
use actix_web::http::Method;

/// What the frame of every page needs.
pub struct Layout {
    pub t: &'static Catalogue,
    pub lang: Lang,
    pub steunpunt: String,
    pub crisis_text: String,
    pub logged_in: bool,
    /// The current path, so the language switch can come back here.
    pub path: String,
}

impl Layout {
    pub fn new(req: &HttpRequest, state: &AppState, logged_in: bool) -> Layout {
        let lang = Lang::of(req);
        Layout {
            t: lang.catalogue(),
            lang,
            steunpunt: state.home.name.clone(),
            crisis_text: state.home.crisis_text.clone(),
            logged_in,
            path: req.path().to_string(),
        }
    }
}

impl Layout {
    /// The frame of a group's page: its own steunpunt's name and crisis help.
    /// The layout of one group's pages: its own steunpunt's name and crisis help.
    pub fn for_group(
        req: &HttpRequest,
        state: &AppState,
        logged_in: bool,
        group: &crate::groups::Group,
    ) -> Layout {
        let mut layout = Layout::new(req, state, logged_in);
        layout.steunpunt = group.steunpunt_name.clone();
        layout.crisis_text = group.crisis_text.clone();
        layout
    }
}

pub fn render(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => actix_web::ResponseError::error_response(&AppError::internal(e)),
    }
}

/// A failed page action: the error in the visitor's language, with its status.
pub fn error_page(
    req: &HttpRequest,
    state: &AppState,
    logged_in: bool,
    error: &AppError,
) -> HttpResponse {
    let layout = Layout::new(req, state, logged_in);
    let heading = layout.t.get("error.heading").to_string();
    let message = layout.t.error(error.code()).to_string();
    render(
        error_status(error),
        &ErrorPage {
            layout,
            heading,
            message,
        },
    )
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The status a failed form submission answers with (internal causes are logged here).
pub fn error_status(error: &AppError) -> StatusCode {
    match error {
        AppError::Client { status, .. } => *status,
        AppError::Internal(cause) => {
            tracing::error!(%cause, "internal error on a page");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    layout: Layout,
    /// The retention periods, from the configuration in force.
    how_long: String,
    stored_groups: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
}

async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
) -> HttpResponse {
    let layout = Layout::new(&req, &state, session.is_some());
    render(
        StatusCode::OK,
        &HomePage {
            layout,
            notice: None,
        },
    )
}

async fn privacy(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
) -> HttpResponse {
    let layout = Layout::new(&req, &state, session.is_some());
    let s = &state.settings;
    let how_long = layout
        .t
        .get("privacy.how_long")
        .replace(
            "{idle_hours}",
            &(s.sessions.idle_timeout_minutes / 60).to_string(),
        )
        .replace(
            "{session_days}",
            &s.sessions.absolute_timeout_days.to_string(),
        )
        .replace(
            "{account_days}",
            &s.retention.inactive_account_days.to_string(),
        )
        .replace(
            "{declined_days}",
            &s.retention.declined_request_days.to_string(),
        )
        .replace(
            "{pending_days}",
            &s.retention.pending_request_days.to_string(),
        )
        .replace("{report_days}", &s.retention.report_days.to_string())
        .replace("{modlog_days}", &s.retention.modlog_days.to_string())
        .replace("{post_days}", &s.retention.default_post_days.to_string())
        .replace("{chat_hours}", &s.chat.default_retention_hours.to_string())
        .replace("{held_days}", &s.retention.held_post_days.to_string())
        .replace(
            "{scrub}",
            &layout
                .t
                .get(
                    if matches!(state.db.backend(), crate::db::Backend::Postgres { .. }) {
                        "privacy.scrub_postgres"
                    } else {
                        "privacy.scrub_sqlite"
                    },
                )
                .replace(
                    "{purge_minutes}",
                    &s.retention.purge_interval_seconds.div_ceil(60).to_string(),
                ),
        );
    let stored_groups = layout.t.get("privacy.stored_groups").replace(
        "{pending_days}",
        &s.retention.pending_request_days.to_string(),
    );
    render(
        StatusCode::OK,
        &PrivacyPage {
            layout,
            how_long,
            stored_groups,
        },
    )
}

#[derive(Deserialize)]
struct LangQuery {
    next: Option<String>,
}

/// Only a path on this site: no scheme, no `//host`, no backslash, and nothing but visible
/// ASCII (browsers drop tabs and newlines, so `/\t/evil` would become `//evil`).
pub(crate) fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            p
        }
        _ => "/",
    }
}

async fn switch_language(
    path: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_code(&path).ok_or_else(AppError::not_found)?;
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(365))
        .finish();
    let mut response = see_other(local_path(query.next.as_deref()));
    response.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(response)
}

/// Unknown paths: a JSON 404 under `/api/`, a friendly page elsewhere (known paths asked
/// with another method get their 405 in `routes::fallback`).
pub async fn not_found(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if req.path().starts_with("/api/") {
        return Err(AppError::not_found());
    }
    let layout = Layout::new(&req, &state, false);
    let (heading, message) = (
        layout.t.get("error.not_found_heading").to_string(),
        layout.t.get("error.not_found_text").to_string(),
    );
    Ok(render(
        StatusCode::NOT_FOUND,
        &ErrorPage {
            layout,
            heading,
            message,
        },
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::add(cfg, Method::GET, "/", &[Access::Public], home);
    routes::add(cfg, Method::GET, "/privacy", &[Access::Public], privacy);
    routes::add(
        cfg,
        Method::GET,
        "/lang/{code}",
        &[Access::Public],
        switch_language,
    );
    assets::configure(cfg);
    account::configure(cfg);
    groups::configure(cfg);
    forum::configure(cfg);
    chat::configure(cfg);
    instance::configure(cfg);
}

#[cfg(test)]
mod tests {
    #[test]
    fn language_switch_only_returns_to_local_paths() {
        use super::local_path;
        assert_eq!(local_path(Some("/account")), "/account");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/\t/evil.example",
            "/\r\nX-Evil: 1",
            "/ /evil",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}
