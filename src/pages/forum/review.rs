//! The leaders' review queue (`/g/{slug}/wachtrij`) with the notice board and
//! pre-moderation forms, and settling a report. It shows what the policy let the leader see.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{AnnouncementItem, PostItem, announcement_items, post_item, topic_title, urlencode};
use crate::error::AppError;
use crate::forum::announcements;
use crate::forum::premoderation::PremoderationSettings;
use crate::forum::reports::{self, QueueItem, ReportDecision, Settlement};
use crate::forum::{AuthorKind, PostView};
use crate::groups::access::{GroupRef, reading_by};
use crate::pages::{Layout, error_page, error_status, render, see_other};
use crate::state::AppState;
use crate::web::auth::{Asker, PageSession};

/// A queue item with its labels.
pub struct QueueLine {
    pub item: QueueItem,
    pub reason_label: String,
    pub post: PostItem,
    pub topic_title: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    layout: Layout,
    slug: String,
    group_name: String,
    items: Vec<QueueLine>,
    worried: usize,
    announcements: Vec<AnnouncementItem>,
    premoderation: PremoderationSettings,
    error: Option<String>,
    review_back: String,
}

pub(super) async fn review_page(
    req: &HttpRequest,
    state: &AppState,
    asker: Asker,
    slug: &str,
    error: Option<&AppError>,
) -> HttpResponse {
    let loaded = reading_by(
        state,
        asker,
        GroupRef::Slug(slug.into()),
        None,
        |conn, a| {
            let queue = reports::queue(conn, a)?;
            let standing = announcements::current(conn, a)?;
            Ok((
                a.group.clone(),
                queue,
                standing,
                PremoderationSettings::of(a),
            ))
        },
    )
    .await;
    let (logged_in, loaded) = match loaded {
        Ok((session, loaded)) => (session.is_some(), loaded),
        Err(e) => (false, Err(e)),
    };
    let (group, queue, standing, premoderation) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return error_page(req, state, logged_in, &e),
    };
    let layout = Layout::for_group(req, state, logged_in, &group);
    let t = layout.t;
    let items = queue
        .items
        .into_iter()
        .map(|mut item| {
            let post = std::mem::replace(&mut item.post, empty_post());
            QueueLine {
                reason_label: item
                    .reason
                    .map(|r| t.get(&format!("report.{}", r.as_str())).to_string())
                    .unwrap_or_default(),
                topic_title: topic_title(t, &item.topic_title),
                post: post_item(t, post),
                item,
            }
        })
        .collect();
    let status = error.map(error_status).unwrap_or(StatusCode::OK);
    let page = ReviewPage {
        slug: group.slug.clone(),
        group_name: group.name.clone(),
        items,
        worried: queue.worried,
        announcements: announcement_items(standing),
        premoderation,
        error: error.map(|e| t.error(e.code()).to_string()),
        review_back: format!("/g/{}/wachtrij", group.slug),
        layout,
    };
    render(status, &page)
}

/// A placeholder left where a queue item's post was moved out.
fn empty_post() -> PostView {
    PostView {
        id: String::new(),
        author: String::new(),
        author_kind: AuthorKind::FormerMember,
        body_html: None,
        content_warning: None,
        state: crate::forum::PostState::Visible,
        created_at: String::new(),
        edited: false,
        own: false,
        actions: vec![],
    }
}

pub(super) async fn review(
    req: HttpRequest,
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> HttpResponse {
    review_page(&req, &state, asker, &slug, None).await
}

#[derive(Deserialize)]
pub(super) struct SettleForm {
    action: String,
    slug: String,
}

pub(super) async fn settle(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<SettleForm>,
) -> HttpResponse {
    let action = match form.action.as_str() {
        "escalate" => Settlement::Escalate,
        _ => Settlement::Dismiss,
    };
    match reports::settle(&state, &session, &id, ReportDecision { action }).await {
        Ok(()) => see_other(&format!("/g/{}/wachtrij", urlencode(&form.slug))),
        Err(e) => error_page(&req, &state, true, &e),
    }
}
