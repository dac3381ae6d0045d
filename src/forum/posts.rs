//! One post: its author edits or deletes it; leaders hide it, delete it, or review it when
//! it was held (approve, or reject with a reason only its author sees).

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{PostRow, TopicRow};
use super::topics::{count_published, topic_in};
use super::{PostState, Removal, Written, remove_post};
use crate::db::DbConnection;
use crate::db::schema::{memberships, post_rejections, posts, reports, topics};
use crate::error::AppError;
use crate::groups::access::{GroupAccess, GroupRef, writing_by};
use crate::groups::modlog::{self, ModlogAction};
use crate::policy::{Content, ForumAction, held};
use crate::sessions::Session;
use crate::state::AppState;
use crate::{secrets, text, time};

/// The post `id` in the asker's group, with its topic and the facts the policy judges.
pub(crate) fn post_in(
    conn: &mut DbConnection,
    access: &GroupAccess,
    id: &str,
) -> Result<(PostRow, TopicRow, Content), AppError> {
    let post: PostRow = posts::table
        .find(id)
        .filter(posts::group_id.eq(&access.group.id))
        .select(PostRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    let topic = topic_in(conn, access, &post.topic_id)?;
    let escalated = diesel::dsl::select(diesel::dsl::exists(
        reports::table
            .filter(reports::post_id.eq(&post.id))
            .filter(reports::escalated.eq(true)),
    ))
    .get_result(conn)?;
    let content = post.content(access.membership_id(), topic.locked, escalated);
    // What the asker may not see does not exist for them.
    if !access.may_forum(content, ForumAction::SeePost)
        && access
            .decide_forum(content, ForumAction::ReadForum)
            .is_allowed()
        && post.state == PostState::Held
    {
        return Err(AppError::not_found());
    }
    Ok((post, topic, content))
}

/// The author's change to a post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostChange {
    /// The new Markdown body.
    pub body: Option<String>,
    /// The new content warning; empty to remove it.
    pub content_warning: Option<String>,
    /// A new title, for the opening post of one's own topic.
    #[schema(min_length = 1, max_length = 120)]
    pub title: Option<String>,
}

/// The author edits their post. It shows as edited; no earlier version is kept. An edit is
/// held again when a new post by the author would be.
pub async fn edit(
    state: &AppState,
    session: &Session,
    post_id: &str,
    change: PostChange,
) -> Result<Written, AppError> {
    let title = change.title.as_deref().map(super::title).transpose()?;
    let warning = match change.content_warning.as_deref() {
        None => None,
        Some(w) => Some(super::warning(Some(w))?),
    };
    let body = match change.body {
        Some(b) => Some(super::render_body(b).await?),
        None => None,
    };
    let post_id = post_id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Post(post_id.clone()),
        move |conn, access| {
            let (post, topic, content) = post_in(conn, access, &post_id)?;
            access.check_forum(content, ForumAction::EditPost)?;
            let approved = access
                .membership
                .as_ref()
                .map_or(0, |m| u32::try_from(m.approved_posts).unwrap_or(0));
            let hold = post.state == PostState::Held
                || held(
                    &access.actor,
                    access.group.premoderation(),
                    access.group.hold_guest_posts,
                    approved,
                );
            let state = if hold { PostState::Held } else { post.state };
            if let Some(body) = &body {
                diesel::update(posts::table.find(&post.id))
                    .set((
                        posts::body_markdown.eq(&body.markdown),
                        posts::body_html.eq(&body.html),
                    ))
                    .execute(conn)?;
            }
            if let Some(warning) = &warning {
                diesel::update(posts::table.find(&post.id))
                    .set(posts::content_warning.eq(warning))
                    .execute(conn)?;
            }
            diesel::update(posts::table.find(&post.id))
                .set((posts::edited.eq(true), posts::state.eq(state)))
                .execute(conn)?;
            if let Some(title) = title {
                if !opened_by(conn, &post, &topic)? {
                    return Err(AppError::forbidden(
                        "forbidden",
                        "Only the opening post of your own topic carries its title.",
                    ));
                }
                diesel::update(topics::table.find(&topic.id))
                    .set(topics::title.eq(title))
                    .execute(conn)?;
            }
            let page = super::page_of(conn, &topic.id, &post.id)?;
            Ok(Written {
                topic_id: topic.id,
                post_id: post.id,
                held: state == PostState::Held,
                page,
            })
        },
    )
    .await
}

/// Whether `post` is the opening post of `topic`, written by the topic's opener.
fn opened_by(conn: &mut DbConnection, post: &PostRow, topic: &TopicRow) -> Result<bool, AppError> {
    Ok(is_opening(conn, post, topic)?
        && topic.author_membership.is_some()
        && topic.author_membership == post.author_membership)
}

/// Whether `post` is the first post of `topic`.
fn is_opening(conn: &mut DbConnection, post: &PostRow, topic: &TopicRow) -> Result<bool, AppError> {
    let first: Option<String> = posts::table
        .filter(posts::topic_id.eq(&topic.id))
        .order(posts::position)
        .select(posts::id)
        .first(conn)
        .optional()?;
    Ok(first.as_deref() == Some(post.id.as_str()))
}

/// The author's name for a log line about them, if they are still a member.
fn author_of(
    conn: &mut DbConnection,
    post: &PostRow,
) -> Result<Option<(String, String)>, AppError> {
    let Some(id) = &post.author_membership else {
        return Ok(None);
    };
    Ok(memberships::table
        .find(id)
        .select((memberships::id, memberships::display_name))
        .first(conn)
        .optional()?)
}

fn log_about(
    conn: &mut DbConnection,
    access: &GroupAccess,
    post: &PostRow,
    action: ModlogAction,
    reason: Option<&str>,
    removal: Option<&Removal>,
) -> Result<(), AppError> {
    let target = author_of(conn, post)?;
    modlog::record_content(
        conn,
        &access.group.id,
        action,
        target
            .as_ref()
            .map(|(id, name)| (id.as_str(), name.as_str())),
        reason,
        removal.and_then(|r| r.category),
    )
}

/// Deletes a post for real: its author, or a leader (with a reason for the log).
pub async fn delete(
    state: &AppState,
    session: &Session,
    post_id: &str,
    removal: Removal,
) -> Result<(), AppError> {
    let reason = removal.reason()?;
    let post_id = post_id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Post(post_id.clone()),
        move |conn, access| {
            let (post, _, content) = post_in(conn, access, &post_id)?;
            access.check_forum(content, ForumAction::DeletePost)?;
            if !content.own {
                log_about(
                    conn,
                    access,
                    &post,
                    ModlogAction::PostDeleted,
                    reason.as_deref(),
                    Some(&removal),
                )?;
            }
            remove_post(conn, &post.id)
        },
    )
    .await
}

/// A leader hides a post (members see that it was hidden) or shows it again. Hiding settles
/// the reports about it.
pub async fn hide(
    state: &AppState,
    session: &Session,
    post_id: &str,
    hidden: bool,
    removal: Removal,
) -> Result<(), AppError> {
    let reason = removal.reason()?;
    let post_id = post_id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Post(post_id.clone()),
        move |conn, access| {
            let (post, _, content) = post_in(conn, access, &post_id)?;
            access.check_forum(content, ForumAction::HidePost)?;
            let (state, action) = if hidden {
                (PostState::Hidden, ModlogAction::PostHidden)
            } else {
                (PostState::Visible, ModlogAction::PostShown)
            };
            if post.state == state {
                return Ok(());
            }
            diesel::update(posts::table.find(&post.id))
                .set(posts::state.eq(state))
                .execute(conn)?;
            if hidden {
                diesel::delete(reports::table.filter(reports::post_id.eq(&post.id)))
                    .execute(conn)?;
            }
            log_about(
                conn,
                access,
                &post,
                action,
                reason.as_deref(),
                Some(&removal),
            )
        },
    )
    .await
}

/// A leader's decision on a held post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub approve: bool,
    /// Required to reject: 3-500 characters, shown to the post's author only.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Approves a held post (it appears) or rejects it (it is deleted, and its author, if a
/// member, reads the reason once).
pub async fn review(
    state: &AppState,
    session: &Session,
    post_id: &str,
    review: Review,
) -> Result<(), AppError> {
    let reason = match (review.approve, review.reason.as_deref()) {
        (true, _) => None,
        (false, reason) => Some(text::checked("reason", reason.unwrap_or(""), 3, 500, true)?),
    };
    let post_id = post_id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Post(post_id.clone()),
        move |conn, access| {
            let (post, topic, content) = post_in(conn, access, &post_id)?;
            access.check_forum(content, ForumAction::ReviewPost)?;
            let now = time::now();
            match reason {
                None => {
                    diesel::update(posts::table.find(&post.id))
                        .set(posts::state.eq(PostState::Visible))
                        .execute(conn)?;
                    // The topic is published with its opening post, not with a reply.
                    let held = topic.held && !is_opening(conn, &post, &topic)?;
                    diesel::update(topics::table.find(&topic.id))
                        .set((topics::held.eq(held), topics::last_post_at.eq(now)))
                        .execute(conn)?;
                    count_published(conn, post.author_membership.as_deref())?;
                    log_about(conn, access, &post, ModlogAction::PostApproved, None, None)
                }
                Some(reason) => {
                    if let Some(author) = &post.author_membership {
                        diesel::insert_into(post_rejections::table)
                            .values((
                                post_rejections::id.eq(secrets::new_id()),
                                post_rejections::membership_id.eq(author),
                                post_rejections::group_id.eq(&access.group.id),
                                post_rejections::topic_title.eq(&topic.title),
                                post_rejections::reason.eq(&reason),
                                post_rejections::created_on.eq(time::today()),
                            ))
                            .execute(conn)?;
                    }
                    // The reason is the author's alone: the log says only that it happened.
                    log_about(conn, access, &post, ModlogAction::PostRejected, None, None)?;
                    remove_post(conn, &post.id)
                }
            }
        },
    )
    .await
}

/// The author dismisses the note about a rejected post.
pub async fn dismiss_rejection(
    state: &AppState,
    session: &Session,
    rejection_id: &str,
) -> Result<(), AppError> {
    let (id, account) = (rejection_id.to_string(), session.account.id.clone());
    let gone = state
        .db
        .run(move |conn| {
            let mine = memberships::table
                .filter(memberships::account_id.eq(account))
                .select(memberships::id);
            Ok(diesel::delete(
                post_rejections::table
                    .filter(post_rejections::id.eq(id))
                    .filter(post_rejections::membership_id.eq_any(mine)),
            )
            .execute(conn)?)
        })
        .await?;
    if gone == 0 {
        return Err(AppError::not_found());
    }
    Ok(())
}

/// What the edit form of one's own post starts from.
#[derive(Debug)]
pub struct Editing {
    pub post_id: String,
    pub topic_id: String,
    pub markdown: String,
    pub content_warning: Option<String>,
    /// The topic's title, when this is the opening post of one's own topic.
    pub title: Option<String>,
}

pub fn editing(
    conn: &mut DbConnection,
    access: &GroupAccess,
    post_id: &str,
) -> Result<Editing, AppError> {
    let (post, topic, content) = post_in(conn, access, post_id)?;
    access.check_forum(content, ForumAction::EditPost)?;
    let title = opened_by(conn, &post, &topic)?.then(|| topic.title.clone());
    Ok(Editing {
        post_id: post.id,
        topic_id: topic.id,
        markdown: post.body_markdown,
        content_warning: post.content_warning,
        title,
    })
}
