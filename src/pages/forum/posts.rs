//! What is done to one post: replying, editing, deleting, hiding, reviewing a held post,
//! reporting, and dismissing one's own rejected post. The services ask the policy; not these.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::topics::topic_page;
use super::{PostForm, SlugForm, non_empty, urlencode};
use crate::error::AppError;
use crate::forum::posts::{self, Editing, PostChange, Review};
use crate::forum::reports::{self, NewReport};
use crate::forum::topics::{self, NewPostBody};
use crate::forum::{Removal, ReportReason, count_write};
use crate::groups::Group;
use crate::groups::access::{GroupRef, reading_by};
use crate::limits::Attempt;
use crate::pages::{Layout, error_page, error_status, render, see_other};
use crate::state::AppState;
use crate::web::auth::{Asker, MaybeAuthenticated, PageSession};
use crate::web::client;

pub(super) async fn reply(
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

pub(super) async fn edit_form(
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

pub(super) async fn edit(
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
pub(super) struct RemovalForm {
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

pub(super) async fn delete_post(
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

pub(super) async fn hide_post(
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

pub(super) async fn unhide_post(
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
pub(super) struct ReviewForm {
    approve: String,
    reason: Option<String>,
    back: Option<String>,
}

pub(super) async fn review_post(
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
pub(super) struct ReportForm {
    reason: String,
    note: Option<String>,
    topic: String,
}

pub(super) async fn report_post(
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

pub(super) async fn dismiss_rejection(
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
