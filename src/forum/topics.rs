//! Topics: the list (pinned first, then newest activity, paged), a topic's page (one indexed
//! query for its page of posts), opening a topic, replying, and the leaders' pin, lock and
//! delete.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{NewPost, NewTopic, PostRow, TopicRow};
use super::{
    AnnouncementView, PostBody, PostState, PostView, RejectionView, TopicSummary, TopicView,
    Written, announcements, author,
};
use crate::db::DbConnection;
use crate::db::schema::{memberships, post_rejections, posts, topics};
use crate::error::AppError;
use crate::groups::access::{GroupAccess, GroupRef, writing_by};
use crate::groups::modlog::{self, ModlogAction};
use crate::policy::{Content, ForumAction, MemberRole, PostStanding, held};
use crate::sessions::Session;
use crate::state::AppState;
use crate::{secrets, time};

pub const TOPICS_PER_PAGE: i64 = 30;
pub const POSTS_PER_PAGE: i64 = 20;
/// Pages beyond this are not served (a deep OFFSET is work for nothing).
pub const MAX_PAGE: u32 = 1000;

/// The forum's front: the notice board, my rejected posts, and a page of topics.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopicList {
    pub announcements: Vec<AnnouncementView>,
    pub topics: Vec<TopicSummary>,
    /// Why leaders did not publish some of my posts (only mine, only for me).
    pub rejected: Vec<RejectionView>,
    pub page: u32,
    pub has_more: bool,
}

fn offset(page: u32, per_page: i64) -> Result<i64, AppError> {
    if page == 0 || page > MAX_PAGE {
        return Err(AppError::bad_request(
            "invalid_query",
            format!("page is a number from 1 to {MAX_PAGE}."),
        ));
    }
    Ok(i64::from(page - 1) * per_page)
}

/// The facts about a topic as content (for replying to it, or seeing it while held).
pub fn topic_content(access: &GroupAccess, topic: &TopicRow) -> Content {
    Content {
        own: access.membership_id().is_some()
            && topic.author_membership.as_deref() == access.membership_id(),
        standing: if topic.held {
            PostStanding::Held
        } else {
            PostStanding::Visible
        },
        locked: topic.locked,
        escalated: false,
    }
}

pub fn list(
    conn: &mut DbConnection,
    access: &GroupAccess,
    page: u32,
) -> Result<TopicList, AppError> {
    access.check_forum(Content::NONE, ForumAction::ReadForum)?;
    let skip = offset(page, TOPICS_PER_PAGE)?;
    let mut query = topics::table
        .filter(topics::group_id.eq(&access.group.id))
        .into_boxed();
    if !access.may_forum(Content::NONE, ForumAction::ViewReviewQueue) {
        // Held topics: only their author's (the policy below has the last word).
        let me = access.membership_id().unwrap_or("").to_string();
        query = query.filter(topics::held.eq(false).or(topics::author_membership.eq(me)));
    }
    let rows: Vec<TopicRow> = query
        .order((
            topics::pinned.desc(),
            topics::last_post_at.desc(),
            topics::id.desc(),
        ))
        .limit(TOPICS_PER_PAGE + 1)
        .offset(skip)
        .select(TopicRow::as_select())
        .load(conn)?;
    let has_more = rows.len() as i64 > TOPICS_PER_PAGE;
    let topics = rows
        .into_iter()
        .take(TOPICS_PER_PAGE as usize)
        .filter(|t| access.may_forum(topic_content(access, t), ForumAction::SeePost))
        .map(|t| TopicSummary {
            own: topic_content(access, &t).own,
            id: t.id,
            title: t.title,
            pinned: t.pinned,
            locked: t.locked,
            held: t.held,
            last_post_at: time::rfc3339(t.last_post_at),
        })
        .collect();
    Ok(TopicList {
        announcements: announcements::current(conn, access)?,
        rejected: rejections(conn, access)?,
        topics,
        page,
        has_more,
    })
}

/// My rejected posts' reasons in this group.
pub fn rejections(
    conn: &mut DbConnection,
    access: &GroupAccess,
) -> Result<Vec<RejectionView>, AppError> {
    let Some(me) = access.membership_id() else {
        return Ok(vec![]);
    };
    Ok(post_rejections::table
        .filter(post_rejections::membership_id.eq(me))
        .order(post_rejections::created_on.desc())
        .select((
            post_rejections::id,
            post_rejections::topic_title,
            post_rejections::reason,
            post_rejections::created_on,
        ))
        .limit(20)
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(id, topic_title, reason, on)| RejectionView {
            id,
            topic_title,
            reason,
            on,
        })
        .collect())
}

/// A topic with one page of its posts, as the asker may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopicPage {
    pub topic: TopicView,
    pub posts: Vec<PostView>,
    pub page: u32,
    pub has_more: bool,
    /// The asker may reply here.
    pub may_reply: bool,
    /// Why not, when they may not: `login_required`, `membership_required`, `topic_locked`...
    pub reply_denied: Option<&'static str>,
    /// The asker may pin, lock and delete this topic.
    pub may_moderate: bool,
}

type PageRow = (PostRow, TopicRow, Option<String>, Option<MemberRole>);

/// One page of a topic: after the facts, one indexed query (posts by topic and time, with
/// the topic and each author's name and role joined in). Renders nothing: bodies are stored
/// rendered.
pub fn page(
    conn: &mut DbConnection,
    access: &GroupAccess,
    topic_id: &str,
    page: u32,
) -> Result<TopicPage, AppError> {
    access.check_forum(Content::NONE, ForumAction::ReadForum)?;
    let skip = offset(page, POSTS_PER_PAGE)?;
    let mut query = posts::table
        .inner_join(topics::table)
        .left_join(memberships::table.on(memberships::id.nullable().eq(posts::author_membership)))
        .filter(posts::topic_id.eq(topic_id))
        .filter(topics::group_id.eq(&access.group.id))
        .into_boxed();
    if !access.may_forum(Content::NONE, ForumAction::ViewReviewQueue) {
        let me = access.membership_id().unwrap_or("").to_string();
        query = query.filter(
            posts::state
                .ne(PostState::Held)
                .or(posts::author_membership.eq(me)),
        );
    }
    let rows: Vec<PageRow> = query
        .order(posts::position)
        .limit(POSTS_PER_PAGE + 1)
        .offset(skip)
        .select((
            PostRow::as_select(),
            TopicRow::as_select(),
            memberships::display_name.nullable(),
            memberships::role.nullable(),
        ))
        .load(conn)?;
    let Some((_, topic, _, _)) = rows.first() else {
        return Err(AppError::not_found());
    };
    let topic = topic.clone();
    if !access.may_forum(topic_content(access, &topic), ForumAction::SeePost) {
        return Err(AppError::not_found());
    }
    let has_more = rows.len() as i64 > POSTS_PER_PAGE;
    let me = access.membership_id();
    let reply = access.decide_forum(topic_content(access, &topic), ForumAction::Reply);
    let posts = rows
        .into_iter()
        .take(POSTS_PER_PAGE as usize)
        .filter_map(|(post, _, name, role)| {
            let content = post.content(me, topic.locked, false);
            // A held post of someone else's never reaches a member's page.
            if post.state == PostState::Held && !access.may_forum(content, ForumAction::SeePost) {
                return None;
            }
            Some(post_view(
                access,
                post,
                content,
                name.zip(role),
                reply.is_allowed(),
            ))
        })
        .collect();
    Ok(TopicPage {
        topic: TopicView {
            id: topic.id,
            group: access.group.slug.clone(),
            title: topic.title,
            pinned: topic.pinned,
            locked: topic.locked,
            held: topic.held,
        },
        posts,
        page,
        has_more,
        may_reply: reply.is_allowed(),
        reply_denied: reply.require().err().map(|d| AppError::from(d).code()),
        may_moderate: access.may_forum(Content::NONE, ForumAction::ModerateTopic),
    })
}

/// A visible post of this topic as a quote for a reply: "> **name**:" and its Markdown.
pub fn quote(
    conn: &mut DbConnection,
    access: &GroupAccess,
    topic_id: &str,
    post_id: &str,
) -> Result<Option<String>, AppError> {
    let found: Option<(String, Option<String>, Option<String>)> = posts::table
        .left_join(memberships::table.on(memberships::id.nullable().eq(posts::author_membership)))
        .filter(posts::id.eq(post_id))
        .filter(posts::topic_id.eq(topic_id))
        .filter(posts::group_id.eq(&access.group.id))
        .filter(posts::state.eq(PostState::Visible))
        .select((
            posts::body_markdown,
            posts::guest_name,
            memberships::display_name.nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(found.map(|(markdown, guest, member)| {
        let name = guest.or(member).unwrap_or_default();
        let mut quoted = String::new();
        if !name.is_empty() {
            quoted.push_str(&format!(
                "> **{}**:\n>\n",
                name.replace(['*', '_', '[', ']', '<', '>'], "")
            ));
        }
        for line in markdown.lines() {
            quoted.push_str("> ");
            quoted.push_str(line);
            quoted.push('\n');
        }
        quoted.push('\n');
        quoted
    }))
}

/// A post as `access` may see it, with the actions the policy allows on it.
pub fn post_view(
    access: &GroupAccess,
    post: PostRow,
    content: Content,
    member: Option<(String, MemberRole)>,
    may_reply: bool,
) -> PostView {
    let may = |action| access.may_forum(content, action);
    let mut actions = vec![];
    for (action, name) in [
        (ForumAction::EditPost, "edit"),
        (ForumAction::DeletePost, "delete"),
        (ForumAction::ReportPost, "report"),
        (ForumAction::HidePost, "hide"),
        (ForumAction::ReviewPost, "review"),
    ] {
        if may(action) {
            actions.push(name);
        }
    }
    let visible = may(ForumAction::SeePost);
    if may_reply && visible && post.state == PostState::Visible {
        actions.push("quote");
    }
    let (author, author_kind) = author(post.guest_name, member);
    PostView {
        id: post.id,
        author,
        author_kind,
        body_html: visible.then_some(post.body_html),
        content_warning: post.content_warning.filter(|_| visible),
        state: post.state,
        created_at: time::rfc3339(post.created_at),
        edited: post.edited,
        own: content.own,
        actions,
    }
}

/// A new topic: its title and opening post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTopicBody {
    /// 1-120 characters of plain text.
    #[schema(min_length = 1, max_length = 120)]
    pub title: String,
    /// Markdown, at most 16 KiB.
    pub body: String,
    /// Hides the body until a reader chooses to see it (at most 100 characters).
    pub content_warning: Option<String>,
    /// Guests only (in open groups): the name to show with the post, marked as guest.
    pub guest_name: Option<String>,
}

/// A reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPostBody {
    /// Markdown, at most 16 KiB.
    pub body: String,
    pub content_warning: Option<String>,
    /// Guests only (in open groups).
    pub guest_name: Option<String>,
}

/// Whether a new post by the asker waits for a leader, and how many of their posts were
/// published before.
fn held_for(access: &GroupAccess) -> bool {
    let approved = access
        .membership
        .as_ref()
        .map_or(0, |m| u32::try_from(m.approved_posts).unwrap_or(0));
    held(
        &access.actor,
        access.group.premoderation(),
        access.group.hold_guest_posts,
        approved,
    )
}

/// Counts a published post towards the member's pre-moderation.
pub(crate) fn count_published(
    conn: &mut DbConnection,
    membership: Option<&str>,
) -> Result<(), AppError> {
    if let Some(id) = membership {
        diesel::update(memberships::table.find(id))
            .set(memberships::approved_posts.eq(memberships::approved_posts + 1))
            .execute(conn)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_post(
    conn: &mut DbConnection,
    access: &GroupAccess,
    topic_id: &str,
    body: &PostBody,
    warning: Option<&str>,
    guest: Option<&str>,
    held: bool,
    now: i64,
) -> Result<String, AppError> {
    let id = secrets::new_id();
    diesel::insert_into(posts::table)
        .values(NewPost {
            id: id.clone(),
            topic_id,
            group_id: &access.group.id,
            author_membership: access.membership_id(),
            guest_name: guest,
            body_markdown: &body.markdown,
            body_html: &body.html,
            content_warning: warning,
            state: if held {
                PostState::Held
            } else {
                PostState::Visible
            },
            created_at: now,
            position: super::next_position(conn, topic_id)?,
        })
        .execute(conn)?;
    if !held {
        count_published(conn, access.membership_id())?;
    }
    Ok(id)
}

/// Opens a topic in the group `slug` (guests too, where the mode lets them).
pub async fn create(
    state: &AppState,
    session: Option<&Session>,
    slug: &str,
    new: NewTopicBody,
) -> Result<Written, AppError> {
    let title = super::title(&new.title)?;
    let warning = super::warning(new.content_warning.as_deref())?;
    let body = super::render_body(new.body).await?;
    writing_by(
        state,
        session,
        GroupRef::Slug(slug.to_string()),
        move |conn, access| {
            access.check_forum(Content::NONE, ForumAction::StartTopic)?;
            let guest = super::guest_name(conn, access, new.guest_name.as_deref())?;
            let held = held_for(access);
            let (topic_id, now) = (secrets::new_id(), time::now());
            diesel::insert_into(topics::table)
                .values(NewTopic {
                    id: topic_id.clone(),
                    group_id: &access.group.id,
                    title: &title,
                    held,
                    author_membership: access.membership_id(),
                    created_at: now,
                    last_post_at: now,
                })
                .execute(conn)?;
            let post_id = insert_post(
                conn,
                access,
                &topic_id,
                &body,
                warning.as_deref(),
                guest.as_deref(),
                held,
                now,
            )?;
            Ok(Written {
                topic_id,
                post_id,
                held,
                page: 1,
            })
        },
    )
    .await
}

/// The topic `id` inside a write, if it is in the asker's group.
pub(crate) fn topic_in(
    conn: &mut DbConnection,
    access: &GroupAccess,
    id: &str,
) -> Result<TopicRow, AppError> {
    topics::table
        .find(id)
        .filter(topics::group_id.eq(&access.group.id))
        .select(TopicRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// Replies in topic `topic_id`.
pub async fn reply(
    state: &AppState,
    session: Option<&Session>,
    topic_id: &str,
    new: NewPostBody,
) -> Result<Written, AppError> {
    let warning = super::warning(new.content_warning.as_deref())?;
    let body = super::render_body(new.body).await?;
    let topic_id = topic_id.to_string();
    writing_by(
        state,
        session,
        GroupRef::Topic(topic_id.clone()),
        move |conn, access| {
            access.check_forum(Content::NONE, ForumAction::ReadForum)?;
            let topic = topic_in(conn, access, &topic_id)?;
            let content = topic_content(access, &topic);
            if !access.may_forum(content, ForumAction::SeePost) {
                return Err(AppError::not_found());
            }
            access.check_forum(content, ForumAction::Reply)?;
            let guest = super::guest_name(conn, access, new.guest_name.as_deref())?;
            let held = held_for(access);
            let now = time::now();
            let post_id = insert_post(
                conn,
                access,
                &topic.id,
                &body,
                warning.as_deref(),
                guest.as_deref(),
                held,
                now,
            )?;
            if !held {
                diesel::update(topics::table.find(&topic.id))
                    .set(topics::last_post_at.eq(now))
                    .execute(conn)?;
            }
            let page = super::page_of(conn, &topic.id, &post_id)?;
            Ok(Written {
                topic_id: topic.id,
                post_id,
                held,
                page,
            })
        },
    )
    .await
}

/// A leader's change to a topic.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicChange {
    pub pinned: Option<bool>,
    pub locked: Option<bool>,
}

pub async fn change(
    state: &AppState,
    session: &Session,
    topic_id: &str,
    change: TopicChange,
) -> Result<TopicSummary, AppError> {
    let topic_id = topic_id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Topic(topic_id.clone()),
        move |conn, access| {
            access.check_forum(Content::NONE, ForumAction::ModerateTopic)?;
            let topic = topic_in(conn, access, &topic_id)?;
            let gid = &access.group.id;
            if let Some(pinned) = change.pinned.filter(|p| *p != topic.pinned) {
                diesel::update(topics::table.find(&topic.id))
                    .set(topics::pinned.eq(pinned))
                    .execute(conn)?;
                let action = if pinned {
                    ModlogAction::TopicPinned
                } else {
                    ModlogAction::TopicUnpinned
                };
                modlog::record(conn, gid, action, None, None)?;
            }
            if let Some(locked) = change.locked.filter(|l| *l != topic.locked) {
                diesel::update(topics::table.find(&topic.id))
                    .set(topics::locked.eq(locked))
                    .execute(conn)?;
                let action = if locked {
                    ModlogAction::TopicLocked
                } else {
                    ModlogAction::TopicUnlocked
                };
                modlog::record(conn, gid, action, None, None)?;
            }
            let t = topic_in(conn, access, &topic_id)?;
            Ok(TopicSummary {
                own: topic_content(access, &t).own,
                id: t.id,
                title: t.title,
                pinned: t.pinned,
                locked: t.locked,
                held: t.held,
                last_post_at: time::rfc3339(t.last_post_at),
            })
        },
    )
    .await
}

/// A leader deletes a topic with all its posts (and their reports).
pub async fn delete(state: &AppState, session: &Session, topic_id: &str) -> Result<(), AppError> {
    let topic_id = topic_id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Topic(topic_id.clone()),
        move |conn, access| {
            access.check_forum(Content::NONE, ForumAction::ModerateTopic)?;
            let topic = topic_in(conn, access, &topic_id)?;
            diesel::delete(topics::table.find(&topic.id)).execute(conn)?;
            modlog::record(
                conn,
                &access.group.id,
                ModlogAction::TopicDeleted,
                None,
                None,
            )?;
            Ok(())
        },
    )
    .await
}
