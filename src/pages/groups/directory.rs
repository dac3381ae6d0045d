//! The directory page (sociale kaart) at `/groepen`.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Card, Choice, card, choices, empty_to_none, or_error_page};
use crate::groups::{self, DirectoryFilter, Theme};
use crate::pages::{Layout, render};
use crate::policy::{Action, Mode};
use crate::state::AppState;
use crate::web::auth::MaybeAuthenticated;
use crate::web::routes::{self, Access};

#[derive(Deserialize)]
struct DirectoryQuery {
    theme: Option<String>,
    mode: Option<String>,
    region: Option<String>,
    q: Option<String>,
    steunpunt: Option<String>,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    layout: Layout,
    cards: Vec<Card>,
    themes: Vec<Choice>,
    modes: Vec<Choice>,
    region: String,
    q: String,
}

async fn directory(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    query: web::Query<DirectoryQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let theme = query.theme.as_deref().and_then(Theme::parse);
    let mode = query.mode.as_deref().and_then(Mode::parse);
    let filter = DirectoryFilter {
        steunpunt: empty_to_none(&query.steunpunt).or_else(|| Some(state.home.slug.clone())),
        theme,
        mode,
        region: empty_to_none(&query.region),
        q: empty_to_none(&query.q),
    };
    let logged_in = session.is_some();
    let result = groups::directory(&state, session.as_ref(), filter).await;
    or_error_page(
        &req,
        &state,
        logged_in,
        result.map(|entries| {
            let layout = Layout::new(&req, &state, logged_in);
            let t = layout.t;
            render(
                StatusCode::OK,
                &DirectoryPage {
                    cards: entries.into_iter().map(|e| card(t, e)).collect(),
                    themes: choices(t, "theme", Theme::ALL, Theme::as_str, theme),
                    modes: choices(t, "mode", Mode::ALL, Mode::as_str, mode),
                    region: query.region.unwrap_or_default(),
                    q: query.q.unwrap_or_default(),
                    layout,
                },
            )
        }),
    )
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::add(
        cfg,
        Method::GET,
        "/groepen",
        &[Access::Group(Action::SeeInDirectory)],
        directory,
    );
}
