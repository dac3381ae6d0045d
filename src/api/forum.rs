//! `/api/v1/.../topics`, `/posts`, `/reports`, `/announcements`: the group forum, its notice
//! board, pre-moderation and the leaders' review queue.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::error::{AppError, ErrorBody};
use crate::forum::announcements::{self, NewAnnouncement};
use crate::forum::posts::{self, PostChange, Review};
use crate::forum::premoderation::{self, PremoderationSettings};
use crate::forum::reports::{
    self, EscalatedReport, NewReport, ReportDecision, Reported, ReviewQueue,
};
use crate::forum::topics::{self, NewPostBody, NewTopicBody, TopicChange, TopicList, TopicPage};
use crate::forum::{AnnouncementView, Removal, TopicSummary, Written, count_write};
use crate::groups::access::{GroupRef, reading_by};
use crate::limits::Attempt;
use crate::policy::{Content, ForumAction};
use crate::state::AppState;
use crate::web::auth::{Asker, Authenticated, MaybeAuthenticated};
use crate::web::client;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The page, from 1 (the default) to 1000.
    #[param(minimum = 1, maximum = 1000)]
    pub page: Option<u32>,
}

/// A write's answer: 201 when it is published, 202 when it waits for a leader.
fn written(written: Written) -> HttpResponse {
    if written.held {
        HttpResponse::Accepted().json(written)
    } else {
        HttpResponse::Created().json(written)
    }
}

/// An optional JSON body (for DELETE): empty means the defaults; anything else must parse.
fn optional_body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        AppError::bad_request("invalid_body", format!("The body could not be read: {e}"))
    })?;
    object(value, "invalid_body")
}

/// A JSON object as `T`. Serde reads a struct from an array too (`[null, null]` as a change
/// of nothing), so a body whose fields are all optional is checked to be an object first.
fn object<T: DeserializeOwned>(
    value: serde_json::Value,
    code: &'static str,
) -> Result<T, AppError> {
    if !value.is_object() {
        return Err(AppError::bad_request(
            code,
            "The body must be a JSON object.",
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| AppError::bad_request(code, format!("The body could not be read: {e}")))
}

/// The group's notice board, my rejected posts' reasons, and a page of topics (pinned
/// first, then newest activity).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/topics", operation_id = "list_topics",
    params(("slug" = String, Path, description = "The group's slug."), PageQuery),
    security((), ("bearer" = [])),
    responses((status = 200, body = TopicList, description = "The forum's front page."),
        (status = 400, body = ErrorBody, description = "`invalid_query`: a page out of 1-1000."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`: members only (or banned).")))]
pub async fn list(
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.page.unwrap_or(1);
    let key = GroupRef::Slug(slug.into_inner());
    let list = reading_by(&state, asker, key, None, move |conn, access| {
        topics::list(conn, access, page)
    })
    .await?
    .1?;
    Ok(HttpResponse::Ok().json(list))
}

/// Open a topic (guests too in `open` groups, with `guest_name`): 201, or 202 when it waits
/// for a leader.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/topics", operation_id = "create_topic",
    request_body = NewTopicBody,
    params(("slug" = String, Path, description = "The group's slug.")), security((), ("bearer" = [])),
    responses((status = 201, body = Written, description = "Published."),
        (status = 202, body = Written, description = "Held for a leader's review."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden` (muted, banned, not a \
            member of a closed group) or `staff_account`."),
        (status = 409, body = ErrorBody, description = "`membership_required`: choose a \
            display name for this group first; `display_name_taken` (a guest's name)."),
        (status = 422, body = ErrorBody, description = "`invalid_field`, \
            `invisible_characters`, `body_empty`, `body_too_long`, or a guest name that \
            breaks the rules (`display_name_*`)."),
        (status = 429, body = ErrorBody, description = "`rate_limited`.")))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    slug: web::Path<String>,
    body: web::Json<NewTopicBody>,
) -> Result<HttpResponse, AppError> {
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    count_write(&state, source, session.as_ref(), Attempt::Post)?;
    let done = topics::create(&state, session.as_ref(), &slug, body.into_inner()).await?;
    Ok(written(done))
}

/// A topic with a page of its posts (20 a page, oldest first).
#[utoipa::path(get, path = "/api/v1/topics/{id}", operation_id = "show_topic",
    params(("id" = String, Path, description = "The topic's id."), PageQuery),
    security((), ("bearer" = [])),
    responses((status = 200, body = TopicPage, description = "The topic."),
        (status = 400, body = ErrorBody, description = "`invalid_query`: a page out of 1-1000."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`.")))]
pub async fn show(
    state: web::Data<AppState>,
    asker: Asker,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.page.unwrap_or(1);
    let id = id.into_inner();
    let key = GroupRef::Topic(id.clone());
    let view = reading_by(&state, asker, key, None, move |conn, access| {
        topics::page(conn, access, &id, page)
    })
    .await?
    .1?;
    Ok(HttpResponse::Ok().json(view))
}

/// Pin or unpin, lock or unlock a topic (leaders).
#[utoipa::path(patch, path = "/api/v1/topics/{id}", operation_id = "change_topic",
    request_body = TopicChange,
    params(("id" = String, Path, description = "The topic's id.")), security(("bearer" = [])),
    responses((status = 200, body = TopicSummary, description = "Changed."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn change(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let change: TopicChange = object(body.into_inner(), "invalid_json")?;
    let topic = topics::change(&state, &session, &id, change).await?;
    Ok(HttpResponse::Ok().json(topic))
}

/// Delete a topic with all its posts (leaders).
#[utoipa::path(delete, path = "/api/v1/topics/{id}", operation_id = "delete_topic",
    params(("id" = String, Path, description = "The topic's id.")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn delete_topic(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    topics::delete(&state, &session, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reply in a topic: 201, or 202 when it waits for a leader.
#[utoipa::path(post, path = "/api/v1/topics/{id}/posts", operation_id = "reply",
    request_body = NewPostBody,
    params(("id" = String, Path, description = "The topic's id.")), security((), ("bearer" = [])),
    responses((status = 201, body = Written, description = "Published."),
        (status = 202, body = Written, description = "Held for a leader's review."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`, `staff_account` or \
            `topic_locked`."),
        (status = 409, body = ErrorBody, description = "`membership_required` or \
            `display_name_taken`."),
        (status = 422, body = ErrorBody, description = "`invalid_field`, \
            `invisible_characters`, `body_empty`, `body_too_long` or `display_name_*`."),
        (status = 429, body = ErrorBody, description = "`rate_limited`.")))]
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    id: web::Path<String>,
    body: web::Json<NewPostBody>,
) -> Result<HttpResponse, AppError> {
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    count_write(&state, source, session.as_ref(), Attempt::Post)?;
    let done = topics::reply(&state, session.as_ref(), &id, body.into_inner()).await?;
    Ok(written(done))
}

/// Edit my post (shown as edited; no earlier version is kept): 200, or 202 when the edit
/// waits for a leader.
#[utoipa::path(patch, path = "/api/v1/posts/{id}", operation_id = "edit_post",
    request_body = PostChange,
    params(("id" = String, Path, description = "The post's id.")), security(("bearer" = [])),
    responses((status = 200, body = Written, description = "Edited."),
        (status = 202, body = Written, description = "Edited; waits for a leader's review."),
        (status = 403, body = ErrorBody, description = "`forbidden` or `topic_locked`."),
        (status = 422, body = ErrorBody, description = "`invalid_field`, \
            `invisible_characters`, `body_empty` or `body_too_long`."),
        (status = 429, body = ErrorBody, description = "`rate_limited`.")))]
pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let change: PostChange = object(body.into_inner(), "invalid_json")?;
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    count_write(&state, source, Some(&session), Attempt::Post)?;
    let done = posts::edit(&state, &session, &id, change).await?;
    Ok(if done.held {
        HttpResponse::Accepted().json(done)
    } else {
        HttpResponse::Ok().json(done)
    })
}

/// Delete a post for real: my own, or (leaders) anyone's, with an optional
/// `{"reason","category"}` body for the moderation log.
#[utoipa::path(delete, path = "/api/v1/posts/{id}", operation_id = "delete_post",
    request_body(content = Option<Removal>, description = "Leaders: why (optional)."),
    params(("id" = String, Path, description = "The post's id.")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted."),
        (status = 403, body = ErrorBody, description = "`forbidden`."),
        (status = 422, body = ErrorBody, description = "`invalid_field` or \
            `invisible_characters` (reason).")))]
pub async fn delete_post(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let removal: Removal = optional_body(&body)?;
    posts::delete(&state, &session, &id, removal).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Hide a post from members (leaders); its reports are settled.
#[utoipa::path(post, path = "/api/v1/posts/{id}/hide", operation_id = "hide_post",
    request_body = Removal,
    params(("id" = String, Path, description = "The post's id.")), security(("bearer" = [])),
    responses((status = 204, description = "Hidden."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only."),
        (status = 409, body = ErrorBody, description = "`post_held`: review it instead."),
        (status = 422, body = ErrorBody, description = "`invalid_field` or \
            `invisible_characters` (reason).")))]
pub async fn hide(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, AppError> {
    let removal: Removal = object(body.into_inner(), "invalid_json")?;
    posts::hide(&state, &session, &id, true, removal).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Show a hidden post again (leaders).
#[utoipa::path(delete, path = "/api/v1/posts/{id}/hide", operation_id = "unhide_post",
    params(("id" = String, Path, description = "The post's id.")), security(("bearer" = [])),
    responses((status = 204, description = "Shown again."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only."),
        (status = 409, body = ErrorBody, description = "`post_held`: review it instead.")))]
pub async fn unhide(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    posts::hide(&state, &session, &id, false, Removal::default()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Approve a held post, or reject it with a reason only its author sees (leaders).
#[utoipa::path(post, path = "/api/v1/posts/{id}/review", operation_id = "review_post",
    request_body = Review,
    params(("id" = String, Path, description = "The post's id.")), security(("bearer" = [])),
    responses((status = 204, description = "Decided."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only."),
        (status = 409, body = ErrorBody, description = "`not_held`."),
        (status = 422, body = ErrorBody, description = "`invalid_field` or \
            `invisible_characters` (a rejection needs a reason of 3-500 characters).")))]
pub async fn review(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<Review>,
) -> Result<HttpResponse, AppError> {
    posts::review(&state, &session, &id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Report a post to the group's leaders (members).
#[utoipa::path(post, path = "/api/v1/posts/{id}/reports", operation_id = "report_post",
    request_body = NewReport,
    params(("id" = String, Path, description = "The post's id.")), security(("bearer" = [])),
    responses((status = 201, body = Reported, description = "The leaders will see it."),
        (status = 403, body = ErrorBody, description = "`forbidden` (your own post, or not \
            a visible one) or `staff_account`."),
        (status = 409, body = ErrorBody, description = "`already_reported` or \
            `membership_required`."),
        (status = 422, body = ErrorBody, description = "`invalid_field` or \
            `invisible_characters` (note)."),
        (status = 429, body = ErrorBody, description = "`rate_limited`.")))]
pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<NewReport>,
) -> Result<HttpResponse, AppError> {
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let done = reports::report(&state, &session, source, &id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(done))
}

/// The review queue: reports ("I'm worried" first) and held posts (leaders).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/review", operation_id = "review_queue",
    params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 200, body = ReviewQueue, description = "The queue."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn queue(
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = GroupRef::Slug(slug.into_inner());
    let queue = reading_by(&state, asker, key, None, reports::queue)
        .await?
        .1?;
    Ok(HttpResponse::Ok().json(queue))
}

/// Dismiss a report, or send it on to the steunpunt (leaders).
#[utoipa::path(post, path = "/api/v1/reports/{id}/decision", operation_id = "settle_report",
    request_body = ReportDecision,
    params(("id" = String, Path, description = "The report's id.")), security(("bearer" = [])),
    responses((status = 204, description = "Settled."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn settle(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<ReportDecision>,
) -> Result<HttpResponse, AppError> {
    reports::settle(&state, &session, &id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The notice board: the announcements that stand now.
#[utoipa::path(get, path = "/api/v1/groups/{slug}/announcements",
    operation_id = "list_announcements",
    params(("slug" = String, Path, description = "The group's slug.")), security((), ("bearer" = [])),
    responses((status = 200, body = [AnnouncementView], description = "Newest first."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`.")))]
pub async fn announcements(
    state: web::Data<AppState>,
    asker: Asker,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = GroupRef::Slug(slug.into_inner());
    let list = reading_by(&state, asker, key, None, |conn, access| {
        access.check_forum(Content::NONE, ForumAction::ReadForum)?;
        announcements::current(conn, access)
    })
    .await?
    .1?;
    Ok(HttpResponse::Ok().json(list))
}

/// Put an announcement on the notice board (leaders).
#[utoipa::path(post, path = "/api/v1/groups/{slug}/announcements",
    operation_id = "create_announcement", request_body = NewAnnouncement,
    params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 201, body = AnnouncementView, description = "It stands."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only."),
        (status = 409, body = ErrorBody, description = "`too_many_announcements`."),
        (status = 422, body = ErrorBody, description = "`invalid_field`, \
            `invisible_characters`, `body_empty` or `body_too_long`.")))]
pub async fn create_announcement(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<NewAnnouncement>,
) -> Result<HttpResponse, AppError> {
    let view = announcements::create(&state, &session, &slug, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Take an announcement down (leaders).
#[utoipa::path(delete, path = "/api/v1/announcements/{id}", operation_id = "delete_announcement",
    params(("id" = String, Path, description = "The announcement's id.")), security(("bearer" = [])),
    responses((status = 204, description = "Taken down."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn delete_announcement(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    announcements::delete(&state, &session, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The group's pre-moderation (leaders).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/premoderation",
    operation_id = "show_premoderation",
    params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 200, body = PremoderationSettings, description = "As it is."),
        (status = 401, body = ErrorBody, description = "`login_required`."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only.")))]
pub async fn show_premoderation(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    // Leaders only: a guest is asked to log in whatever the slug (a hidden group included).
    let asker = Asker::Resolved(Some(session));
    let key = GroupRef::Slug(slug.into_inner());
    let settings = reading_by(&state, asker, key, None, |_, access| {
        access.check_forum(Content::NONE, ForumAction::SetPremoderation)?;
        Ok(PremoderationSettings::of(access))
    })
    .await?
    .1?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Choose the group's pre-moderation (leaders).
#[utoipa::path(put, path = "/api/v1/groups/{slug}/premoderation",
    operation_id = "set_premoderation", request_body = PremoderationSettings,
    params(("slug" = String, Path, description = "The group's slug.")), security(("bearer" = [])),
    responses((status = 200, body = PremoderationSettings, description = "Changed."),
        (status = 403, body = ErrorBody, description = "`forbidden`: leaders only."),
        (status = 422, body = ErrorBody, description = "`invalid_field` (first_posts).")))]
pub async fn set_premoderation(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<PremoderationSettings>,
) -> Result<HttpResponse, AppError> {
    let settings = premoderation::set(&state, &session, &slug, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Reports the leaders of this steunpunt's groups sent on to it: the reported post and
/// nothing else (steunpunt admins).
#[utoipa::path(get, path = "/api/v1/steunpunten/{slug}/reports", operation_id = "escalated_reports",
    params(("slug" = String, Path, description = "The steunpunt's slug.")), security(("bearer" = [])),
    responses((status = 200, body = [EscalatedReport], description = "Newest first."),
        (status = 403, body = ErrorBody, description = "`forbidden`: its admins only.")))]
pub async fn escalated(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = reports::escalated(&state, &session, &slug).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Dismiss the note about one of my rejected posts.
#[utoipa::path(delete, path = "/api/v1/post-rejections/{id}", operation_id = "dismiss_rejection",
    params(("id" = String, Path, description = "The note's id.")), security(("bearer" = [])),
    responses((status = 204, description = "Dismissed.")))]
pub async fn dismiss_rejection(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    posts::dismiss_rejection(&state, &session, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
