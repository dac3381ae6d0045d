//! The forum's pages: a group's topic list with its notice board (`/g/{slug}/forum`), a
//! topic (`/t/{id}`) with replying, quoting, editing, deleting, reporting and the leaders'
//! buttons, and the leaders' review queue with the notice board and pre-moderation
//! (`/g/{slug}/wachtrij`). Everything works without JavaScript: forms post and redirect.
//!
//! Like every page these call the forum's services, which ask the policy; the templates show
//! the actions the policy allowed (`PostView::actions`, `may_reply`, `may_moderate`).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Layout, error_page, error_status, render, see_other};
use crate::error::AppError;
use crate::forum::announcements::{self, NewAnnouncement};
use crate::forum::posts::{self, Editing, PostChange, Review};
use crate::forum::premoderation::{self, PremoderationSettings};
use crate::forum::reports::{self, NewReport, QueueItem, ReportDecision, Settlement};
use crate::forum::topics::{self, NewPostBody, NewTopicBody, TopicChange};
use crate::forum::{
    AnnouncementView, AuthorKind, PostView, PremoderationMode, RejectionView, Removal,
    ReportReason, TopicSummary, count_write,
};
use crate::groups::Group;
use crate::groups::access::{GroupRef, reading_by};
use crate::i18n::Catalogue;
use crate::limits::Attempt;
use crate::policy::{Content, ForumAction};
use crate::sessions::Session;
use crate::state::AppState;
use crate::web::auth::{Asker, MaybeAuthenticated, PageSession};
use crate::web::client;
use crate::web::routes::{self, Access};

/// "2026-12-01T20:15:00Z" as "2026-12-01 20:15" (UTC, like every time Kring shows).
fn when(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => rfc3339.to_string(),
    }
}

/// A post with what the template shows around it, in the visitor's language.
pub struct PostItem {
    pub p: PostView,
    pub when: String,
    pub author_note: String,
}

fn post_item(t: &Catalogue, p: PostView) -> PostItem {
    let author_note = match p.author_kind {
        AuthorKind::Leader => t.get("forum.leader_badge"),
        AuthorKind::Guest => t.get("forum.guest_badge"),
        AuthorKind::Member | AuthorKind::FormerMember => "",
    };
    let mut p = p;
    if p.author_kind == AuthorKind::FormerMember {
        p.author = t.get("forum.former_member").to_string();
    }
    PostItem {
        when: when(&p.created_at),
        author_note: author_note.to_string(),
        p,
    }
}

fn topic_title(t: &Catalogue, title: &str) -> String {
    if title.is_empty() {
        t.get("forum.neutral_title").to_string()
    } else {
        title.to_string()
    }
}

pub struct TopicLine {
    pub t: TopicSummary,
    pub title: String,
    pub when: String,
}

pub struct AnnouncementItem {
    pub a: AnnouncementView,
    pub until: Option<String>,
}

pub(crate) fn announcement_items(list: Vec<AnnouncementView>) -> Vec<AnnouncementItem> {
    list.into_iter()
        .map(|a| AnnouncementItem {
            until: a.expires_at.as_deref().map(|e| when(e)[..10].to_string()),
            a,
        })
        .collect()
}

pub(crate) fn topic_lines(
    t: &Catalogue,
    topics: Vec<TopicSummary>,
    at_most: usize,
) -> Vec<TopicLine> {
    topics
        .into_iter()
        .take(at_most)
        .map(|topic| TopicLine {
            title: topic_title(t, &topic.title),
            when: when(&topic.last_post_at),
            t: topic,
        })
        .collect()
}

/// What someone typed into a post form, kept when the post is refused.
#[derive(Default)]
pub struct Typed {
    pub title: String,
    pub body: String,
    pub content_warning: String,
    pub guest_name: String,
}

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
struct ListQuery {
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

async fn forum(
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

#[derive(Deserialize)]
struct PostForm {
    title: Option<String>,
    body: String,
    content_warning: Option<String>,
    guest_name: Option<String>,
}

impl PostForm {
    fn typed(&self) -> Typed {
        Typed {
            title: self.title.clone().unwrap_or_default(),
            body: self.body.clone(),
            content_warning: self.content_warning.clone().unwrap_or_default(),
            guest_name: self.guest_name.clone().unwrap_or_default(),
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

async fn start_topic(
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
struct TopicQuery {
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
async fn topic_page(
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

async fn topic(
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

async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    id: web::Path<String>,
    form: web::Form<PostForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let body = NewPostBody {
        body: form.body.clone(),
        content_warning: non_empty(&form.content_warning),
        guest_name: non_empty(&form.guest_name),
    };
    let result = match count_write(&state, source, session.as_ref(), Attempt::Post) {
        Ok(()) => topics::reply(&state, session.as_ref(), &id, body).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) if done.held => see_other(&format!("/t/{id}?page={}&held=1", done.page)),
        Ok(done) => see_other(&format!("/t/{id}?page={}#p-{}", done.page, done.post_id)),
        Err(e) => {
            let asker = Asker::Resolved(session);
            let typed = Some(form.typed());
            topic_page(&req, &state, asker, &id, 1, None, typed, None, Some(&e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "post_edit.html")]
struct EditPage {
    layout: Layout,
    editing: Editing,
    error: Option<String>,
}

async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    asker: Asker,
    id: web::Path<String>,
) -> HttpResponse {
    let post_id = id.into_inner();
    let key = GroupRef::Post(post_id.clone());
    let loaded = reading_by(&state, asker, key, None, move |conn, a| {
        Ok((a.group.clone(), posts::editing(conn, a, &post_id)?))
    })
    .await;
    let (logged_in, loaded) = match loaded {
        Ok((session, loaded)) => (session.is_some(), loaded),
        Err(e) => (false, Err(e)),
    };
    match loaded {
        Ok((group, editing)) => edit_page(&req, &state, &group, editing, None),
        Err(e) => error_page(&req, &state, logged_in, &e),
    }
}

fn edit_page(
    req: &HttpRequest,
    state: &AppState,
    group: &Group,
    editing: Editing,
    error: Option<&AppError>,
) -> HttpResponse {
    let layout = Layout::for_group(req, state, true, group);
    let status = error.map(error_status).unwrap_or(StatusCode::OK);
    let error = error.map(|e| layout.t.error(e.code()).to_string());
    render(
        status,
        &EditPage {
            layout,
            editing,
            error,
        },
    )
}

async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<PostForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let change = PostChange {
        body: Some(form.body.clone()),
        content_warning: Some(form.content_warning.clone().unwrap_or_default()),
        title: non_empty(&form.title),
    };
    let result = match count_write(&state, source, Some(&session), Attempt::Post) {
        Ok(()) => posts::edit(&state, &session, &id, change).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => see_other(&format!(
            "/t/{}?page={}#p-{}",
            done.topic_id, done.page, done.post_id
        )),
        Err(e) => {
            // Show the form again with what was typed, if the post is still there.
            let (post_id, session2) = (id.into_inner(), session.clone());
            let key = GroupRef::Post(post_id.clone());
            let asker = Asker::Resolved(Some(session2));
            let loaded = reading_by(&state, asker, key, None, move |conn, a| {
                Ok((a.group.clone(), posts::editing(conn, a, &post_id)?))
            })
            .await;
            match loaded {
                Ok((_, Ok((group, mut editing)))) => {
                    editing.markdown = form.body;
                    editing.content_warning = form.content_warning;
                    if editing.title.is_some() {
                        editing.title = form.title;
                    }
                    edit_page(&req, &state, &group, editing, Some(&e))
                }
                _ => error_page(&req, &state, true, &e),
            }
        }
    }
}

/// Where to go back to after an action on a post: the page it came from, if it is ours.
fn back(req: &HttpRequest, fallback: &str) -> String {
    req.headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("/t/")
                .or_else(|| r.find("/g/"))
                .map(|i| r[i..].to_string())
        })
        .filter(|p| !p.contains("//") && !p.contains('\\'))
        .unwrap_or_else(|| fallback.to_string())
}

#[derive(Deserialize)]
struct RemovalForm {
    reason: Option<String>,
    category: Option<String>,
    /// Where the form was shown (the topic, or the queue).
    back: Option<String>,
}

impl RemovalForm {
    fn removal(&self) -> Removal {
        Removal {
            reason: non_empty(&self.reason),
            category: self.category.as_deref().and_then(ReportReason::parse),
        }
    }
}

/// A same-site path from a form's `back` field, or `fallback`.
fn local(back: Option<&str>, fallback: &str) -> String {
    back.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .map(str::to_string)
        .unwrap_or_else(|| fallback.to_string())
}

async fn delete_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<RemovalForm>,
) -> HttpResponse {
    let to = local(form.back.as_deref(), &back(&req, "/"));
    match posts::delete(&state, &session, &id, form.removal()).await {
        Ok(()) => see_other(&to),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

async fn hide_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<RemovalForm>,
) -> HttpResponse {
    let to = local(form.back.as_deref(), &back(&req, "/"));
    match posts::hide(&state, &session, &id, true, form.removal()).await {
        Ok(()) => see_other(&to),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

async fn unhide_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<RemovalForm>,
) -> HttpResponse {
    let to = local(form.back.as_deref(), &back(&req, "/"));
    match posts::hide(&state, &session, &id, false, Removal::default()).await {
        Ok(()) => see_other(&to),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

#[derive(Deserialize)]
struct ReviewForm {
    approve: String,
    reason: Option<String>,
    back: Option<String>,
}

async fn review_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<ReviewForm>,
) -> HttpResponse {
    let to = local(form.back.as_deref(), &back(&req, "/"));
    let review = Review {
        approve: form.approve == "yes",
        reason: non_empty(&form.reason),
    };
    match posts::review(&state, &session, &id, review).await {
        Ok(()) => see_other(&to),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

#[derive(Deserialize)]
struct ReportForm {
    reason: String,
    note: Option<String>,
    topic: String,
}

async fn report_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<ReportForm>,
) -> HttpResponse {
    let Some(reason) = ReportReason::parse(&form.reason) else {
        let e = AppError::invalid("invalid_field", "Choose why you report this post.");
        return error_page(&req, &state, true, &e);
    };
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let report = NewReport {
        reason,
        note: non_empty(&form.note),
    };
    match reports::report(&state, &session, source, &id, report).await {
        Ok(_) => see_other(&format!("/t/{}?reported=1", urlencode(&form.topic))),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct TopicForm {
    /// `pin`, `unpin`, `lock` or `unlock`.
    change: String,
}

async fn moderate_topic(
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

#[derive(Deserialize)]
struct SlugForm {
    slug: String,
}

async fn delete_topic(
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

async fn dismiss_rejection(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    id: web::Path<String>,
    form: web::Form<SlugForm>,
) -> HttpResponse {
    match posts::dismiss_rejection(&state, &session, &id).await {
        Ok(()) => see_other(&format!("/g/{}/forum", urlencode(&form.slug))),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

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

async fn review_page(
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

async fn review(
    req: HttpRequest,
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> HttpResponse {
    review_page(&req, &state, asker, &slug, None).await
}

#[derive(Deserialize)]
struct SettleForm {
    action: String,
    slug: String,
}

async fn settle(
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

#[derive(Deserialize)]
struct AnnouncementForm {
    title: String,
    body: String,
    expires_in_days: Option<String>,
}

async fn announce(
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

async fn take_down(
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
struct PremoderationForm {
    mode: String,
    first_posts: Option<i32>,
    hold_guest_posts: Option<String>,
}

async fn set_premoderation(
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Access::Forum;
    use ForumAction as F;
    use Method as M;
    routes::add(
        cfg,
        M::GET,
        "/g/{slug}/forum",
        &[Forum(F::ReadForum)],
        forum,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/forum",
        &[Forum(F::StartTopic)],
        start_topic,
    );
    routes::add(cfg, M::GET, "/t/{id}", &[Forum(F::ReadForum)], topic);
    routes::add(cfg, M::POST, "/t/{id}/reply", &[Forum(F::Reply)], reply);
    routes::add(
        cfg,
        M::POST,
        "/t/{id}/moderate",
        &[Forum(F::ModerateTopic)],
        moderate_topic,
    );
    routes::add(
        cfg,
        M::POST,
        "/t/{id}/delete",
        &[Forum(F::ModerateTopic)],
        delete_topic,
    );
    routes::add(
        cfg,
        M::GET,
        "/p/{id}/edit",
        &[Forum(F::EditPost)],
        edit_form,
    );
    routes::add(cfg, M::POST, "/p/{id}/edit", &[Forum(F::EditPost)], edit);
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/delete",
        &[Forum(F::DeletePost)],
        delete_post,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/hide",
        &[Forum(F::HidePost)],
        hide_post,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/unhide",
        &[Forum(F::HidePost)],
        unhide_post,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/review",
        &[Forum(F::ReviewPost)],
        review_post,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/report",
        &[Forum(F::ReportPost)],
        report_post,
    );
    routes::add(
        cfg,
        M::GET,
        "/g/{slug}/wachtrij",
        &[Forum(F::ViewReviewQueue)],
        review,
    );
    routes::add(
        cfg,
        M::POST,
        "/r/{id}/settle",
        &[Forum(F::SettleReport)],
        settle,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/prikbord",
        &[Forum(F::ManageAnnouncements)],
        announce,
    );
    routes::add(
        cfg,
        M::POST,
        "/a/{id}/delete",
        &[Forum(F::ManageAnnouncements)],
        take_down,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/premoderatie",
        &[Forum(F::SetPremoderation)],
        set_premoderation,
    );
    routes::add(
        cfg,
        M::POST,
        "/rejections/{id}/dismiss",
        &[Access::OwnAccount],
        dismiss_rejection,
    );
}
