//! The forum list page with its notice board, starting a topic, the topic page, and the
//! leaders' pin/lock and delete buttons. The policy decides who may; these pages only show it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{
    AnnouncementItem, PostForm, PostItem, SlugForm, TopicLine, Typed, announcement_items,
    non_empty, post_item, topic_lines, topic_title, urlencode,
};
use crate::error::AppError;
use crate::forum::topics::{self, NewTopicBody, TopicChange};
use crate::forum::{RejectionView, ReportReason, count_write};
use crate::groups::access::{GroupRef, reading_by};
use crate::i18n::Catalogue;
use crate::limits::Attempt;
use crate::pages::{Layout, error_page, error_status, render, see_other};
use crate::policy::{Content, ForumAction};
use crate::state::AppState;
use crate::web::auth::{Asker, MaybeAuthenticated, PageSession};
use crate::web::client;

#[derive(Template)]
#[template(path = "forum.html")]
struct ForumPage {
    layout: Layout,
    slug: String,
    group_name: String,
    announcements: Vec<AnnouncementItem>,
    rejected: Vec<RejectionView>,
    topics: Vec<TopicLine>,
    page: u32,
    has_more: bool,
    may_start: bool,
    start_denied: Option<String>,
    is_guest: bool,
    may_review: bool,
    held_notice: bool,
    typed: Typed,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    page: Option<u32>,
    /// Set after a post that waits for a leader.
    held: Option<u8>,
}

#[allow(clippy::too_many_arguments)]
async fn forum_page(
    req: &HttpRequest,
    state: &AppState,
    asker: Asker,
    slug: &str,
    page: u32,
    held_notice: bool,
    typed: Typed,
    error: Option<&AppError>,
) -> HttpResponse {
    let loaded = reading_by(
        state,
        asker,
        GroupRef::Slug(slug.into()),
        None,
        move |conn, a| {
            let list = topics::list(conn, a, page)?;
            let start = a.decide_forum(Content::NONE, ForumAction::StartTopic);
            let review = a.may_forum(Content::NONE, ForumAction::ViewReviewQueue);
            Ok((a.group.clone(), list, start, review, a.account_id.is_none()))
        },
    )
    .await;
    let (logged_in, loaded) = match loaded {
        Ok((session, loaded)) => (session.is_some(), loaded),
        Err(e) => (false, Err(e)),
    };
    let (group, list, start, review, is_guest) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return error_page(req, state, logged_in, &e),
    };
    let layout = Layout::for_group(req, state, logged_in, &group);
    let t = layout.t;
    let status = error.map(error_status).unwrap_or(StatusCode::OK);
    let page = ForumPage {
        slug: group.slug.clone(),
        group_name: group.name.clone(),
        announcements: announcement_items(list.announcements),
        rejected: list.rejected,
        topics: topic_lines(t, list.topics, usize::MAX),
        page: list.page,
        has_more: list.has_more,
        may_start: start.is_allowed(),
        start_denied: start
            .require()
            .err()
            .map(|d| t.error(AppError::from(d).code()).to_string()),
        is_guest,
        may_review: review,
        held_notice,
        typed,
        error: error.map(|e| t.error(e.code()).to_string()),
        layout,
    };
    render(status, &page)
}

pub(super) async fn forum(
    req: HttpRequest,
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let page = query.page.unwrap_or(1);
    let held = query.held.is_some();
    forum_page(
        &req,
        &state,
        asker,
        &slug,
        page,
        held,
        Typed::default(),
        None,
    )
    .await
}

pub(super) async fn start_topic(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    slug: web::Path<String>,
    form: web::Form<PostForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let body = NewTopicBody {
        title: form.title.clone().unwrap_or_default(),
        body: form.body.clone(),
        content_warning: non_empty(&form.content_warning),
        guest_name: non_empty(&form.guest_name),
    };
    let result = match count_write(&state, source, session.as_ref(), Attempt::Post) {
        Ok(()) => topics::create(&state, session.as_ref(), &slug, body).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) if done.held => see_other(&format!("/g/{slug}/forum?held=1")),
        Ok(done) => see_other(&format!("/t/{}", done.topic_id)),
        Err(e) => {
            let asker = Asker::Resolved(session);
            forum_page(&req, &state, asker, &slug, 1, false, form.typed(), Some(&e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "topic.html")]
struct TopicPageView {
    layout: Layout,
    slug: String,
    group_name: String,
    topic_id: String,
    title: String,
    pinned: bool,
    locked: bool,
    held: bool,
    posts: Vec<PostItem>,
    page: u32,
    has_more: bool,
    may_reply: bool,
    reply_denied: Option<String>,
    may_moderate: bool,
    is_guest: bool,
    reasons: Vec<(&'static str, String)>,
    typed: Typed,
    error: Option<String>,
    notice: Option<String>,
    /// Where the review forms come back to.
    review_back: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TopicQuery {
    page: Option<u32>,
    /// A post to quote in the reply form.
    quote: Option<String>,
    /// Set after a reply that waits for a leader, or a report.
    held: Option<u8>,
    reported: Option<u8>,
}

fn report_reasons(t: &Catalogue) -> Vec<(&'static str, String)> {
    ReportReason::ALL
        .iter()
        .map(|r| {
            (
                r.as_str(),
                t.get(&format!("report.{}", r.as_str())).to_string(),
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn topic_page(
    req: &HttpRequest,
    state: &AppState,
    asker: Asker,
    id: &str,
    page: u32,
    quote: Option<String>,
    typed: Option<Typed>,
    notice: Option<&str>,
    error: Option<&AppError>,
) -> HttpResponse {
    let topic_id = id.to_string();
    let loaded = reading_by(
        state,
        asker,
        GroupRef::Topic(id.into()),
        None,
        move |conn, a| {
            let view = topics::page(conn, a, &topic_id, page)?;
            let quoted = match &quote {
                Some(post) if view.may_reply => topics::quote(conn, a, &topic_id, post)?,
                _ => None,
            };
            Ok((a.group.clone(), view, quoted, a.account_id.is_none()))
        },
    )
    .await;
    let (logged_in, loaded) = match loaded {
        Ok((session, loaded)) => (session.is_some(), loaded),
        Err(e) => (false, Err(e)),
    };
    let (group, view, quoted, is_guest) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return error_page(req, state, logged_in, &e),
    };
    let layout = Layout::for_group(req, state, logged_in, &group);
    let t = layout.t;
    let typed = typed.unwrap_or_else(|| Typed {
        body: quoted.unwrap_or_default(),
        ..Typed::default()
    });
    let status = error.map(error_status).unwrap_or(StatusCode::OK);
    let page = TopicPageView {
        slug: group.slug.clone(),
        group_name: group.name.clone(),
        topic_id: view.topic.id.clone(),
        title: topic_title(t, &view.topic.title),
        pinned: view.topic.pinned,
        locked: view.topic.locked,
        held: view.topic.held,
        posts: view.posts.into_iter().map(|p| post_item(t, p)).collect(),
        page: view.page,
        has_more: view.has_more,
        may_reply: view.may_reply,
        reply_denied: view.reply_denied.map(|code| t.error(code).to_string()),
        may_moderate: view.may_moderate,
        is_guest,
        reasons: report_reasons(t),
        typed,
        error: error.map(|e| t.error(e.code()).to_string()),
        notice: notice.map(|key| t.get(key).to_string()),
        review_back: format!("/t/{}?page={}", view.topic.id, view.page),
        layout,
    };
    render(status, &page)
}

pub(super) async fn topic(
    req: HttpRequest,
    state: web::Data<AppState>,
    asker: Asker,
    id: web::Path<String>,
    query: web::Query<TopicQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let notice = match (query.held, query.reported) {
        (Some(_), _) => Some("forum.held_notice"),
        (_, Some(_)) => Some("report.thanks"),
        _ => None,
    };
    let page = query.page.unwrap_or(1);
    topic_page(
        &req,
        &state,
        asker,
        &id,
        page,
        query.quote,
        None,
        notice,
        None,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct TopicForm {
    /// `pin`, `unpin`, `lock` or `unlock`.
    change: String,
}

pub(super) async fn moderate_topic(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<TopicForm>,
) -> HttpResponse {
    let change = match form.change.as_str() {
        "pin" => TopicChange {
            pinned: Some(true),
            locked: None,
        },
        "unpin" => TopicChange {
            pinned: Some(false),
            locked: None,
        },
        "lock" => TopicChange {
            pinned: None,
            locked: Some(true),
        },
        _ => TopicChange {
            pinned: None,
            locked: Some(false),
        },
    };
    match topics::change(&state, &session, &id, change).await {
        Ok(_) => see_other(&format!("/t/{id}")),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

pub(super) async fn delete_topic(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<SlugForm>,
) -> HttpResponse {
    match topics::delete(&state, &session, &id).await {
        Ok(()) => see_other(&format!("/g/{}/forum", urlencode(&form.slug))),
        Err(e) => error_page(&req, &state, true, &e),
    }
}
