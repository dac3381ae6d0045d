//! The leaders' forms on the review page: putting up and taking down a notice, and setting
//! pre-moderation. A refused form shows the review page again; no decision is made here.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::SlugForm;
use super::review::review_page;
use crate::error::AppError;
use crate::forum::PremoderationMode;
use crate::forum::announcements::{self, NewAnnouncement};
use crate::forum::premoderation::{self, PremoderationSettings};
use crate::pages::see_other;
use crate::sessions::Session;
use crate::state::AppState;
use crate::web::auth::{Asker, PageSession};

#[derive(Deserialize)]
pub(super) struct AnnouncementForm {
    title: String,
    body: String,
    expires_in_days: Option<String>,
}

pub(super) async fn announce(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<AnnouncementForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let days = match form.expires_in_days.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => d.parse::<u32>().map(Some).map_err(|_| {
            AppError::invalid(
                "invalid_field",
                "expires_in_days is a number from 1 to 365.",
            )
        }),
    };
    let result = match days {
        Ok(expires_in_days) => {
            let new = NewAnnouncement {
                title: form.title,
                body: form.body,
                expires_in_days,
            };
            announcements::create(&state, &session, &slug, new)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    finish_leader_form(&req, &state, session, &slug, result).await
}

async fn finish_leader_form(
    req: &HttpRequest,
    state: &AppState,
    session: Session,
    slug: &str,
    result: Result<(), AppError>,
) -> HttpResponse {
    match result {
        Ok(()) => see_other(&format!("/g/{slug}/wachtrij")),
        Err(e) => review_page(req, state, Asker::Resolved(Some(session)), slug, Some(&e)).await,
    }
}

pub(super) async fn take_down(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<SlugForm>,
) -> HttpResponse {
    let result = announcements::delete(&state, &session, &id).await;
    finish_leader_form(&req, &state, session, &form.slug, result).await
}

#[derive(Deserialize)]
pub(super) struct PremoderationForm {
    mode: String,
    first_posts: Option<i32>,
    hold_guest_posts: Option<String>,
}

pub(super) async fn set_premoderation(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<PremoderationForm>,
) -> HttpResponse {
    let mode = PremoderationMode::parse(&form.mode).unwrap_or(PremoderationMode::None);
    let settings = PremoderationSettings {
        mode,
        first_posts: form.first_posts.unwrap_or(3),
        hold_guest_posts: form.hold_guest_posts.is_some(),
    };
    let result = premoderation::set(&state, &session, &slug, settings)
        .await
        .map(|_| ());
    finish_leader_form(&req, &state, session, &slug, result).await
}
