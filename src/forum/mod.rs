//! The group forum: topics and posts in safe Markdown, the leaders' notice board
//! (prikbord), pre-moderation, reports and the leaders' review queue.
//!
//! One file per feature: `topics` (the list, a topic's page, writing, pinning and locking),
//! `posts` (editing, deleting, hiding, reviewing one post), `reports`, `announcements`,
//! `erasure` (export and erasure of what a member wrote). Every read and write starts in
//! `groups::access`, which gathers the facts once, and asks the policy
//! (`policy::decide_on_content`) with facts about the content before it touches anything.
//!
//! Posts are rendered and sanitised when they are written (`markdown::render`, on the
//! blocking pool) and stored rendered: a page only prints them. Deleted and rejected posts
//! are deleted rows, not flags. Nothing here counts anything that is shown.

pub mod announcements;
pub mod erasure;
pub mod model;
pub mod posts;
pub mod premoderation;
pub mod reports;
pub mod topics;

pub use model::{
    AnnouncementView, AuthorKind, PostState, PostView, PremoderationMode, RejectionView,
    ReportReason, TopicSummary, TopicView,
};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::db::schema::{memberships, posts as posts_table, topics as topics_table};
use crate::error::AppError;
use crate::groups::access::GroupAccess;
use crate::limits::{Attempt, SourceKey};
use crate::markdown::{self, SanitizedHtml};
use crate::policy::MemberRole;
use crate::sessions::Session;
use crate::state::AppState;
use crate::{names, text};

/// Longest topic title, in characters.
pub const TITLE_MAX: usize = 120;
/// Longest content warning, in characters.
pub const WARNING_MAX: usize = 100;

/// What a write answers: the post (and its topic), and whether it waits for a leader.
#[derive(Debug, Serialize, ToSchema)]
pub struct Written {
    pub topic_id: String,
    pub post_id: String,
    /// The post waits for a leader before others see it (the answer is then 202).
    pub held: bool,
    /// The page of the topic the post stands on.
    pub page: u32,
}

/// The topic page a post stands on (posts are paged in their order in the topic).
pub(crate) fn page_of(
    conn: &mut DbConnection,
    topic_id: &str,
    post_id: &str,
) -> Result<u32, AppError> {
    let position: i64 = posts_table::table
        .find(post_id)
        .select(posts_table::position)
        .first(conn)?;
    let before: i64 = posts_table::table
        .filter(posts_table::topic_id.eq(topic_id))
        .filter(posts_table::position.lt(position))
        .count()
        .get_result(conn)?;
    Ok(u32::try_from(before / topics::POSTS_PER_PAGE + 1).unwrap_or(1))
}

/// The next place in a topic (inside the write that adds the post; the group is locked).
pub(crate) fn next_position(conn: &mut DbConnection, topic_id: &str) -> Result<i64, AppError> {
    let last: Option<i64> = posts_table::table
        .filter(posts_table::topic_id.eq(topic_id))
        .select(diesel::dsl::max(posts_table::position))
        .first(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

/// A post body as typed: Markdown, at most `markdown::MAX_BODY_BYTES`.
#[derive(Debug, Clone)]
pub struct PostBody {
    pub markdown: String,
    pub html: SanitizedHtml,
}

/// Checks a body at the edge and renders it (call on the blocking pool: rendering is CPU).
pub fn post_body(raw: &str) -> Result<PostBody, AppError> {
    let markdown = raw.replace("\r\n", "\n");
    if markdown.len() > markdown::MAX_BODY_BYTES {
        return Err(AppError::invalid(
            "body_too_long",
            format!(
                "A post has at most {} KiB of text.",
                markdown::MAX_BODY_BYTES / 1024
            ),
        ));
    }
    if markdown.trim().is_empty() {
        return Err(AppError::invalid("body_empty", "Write something first."));
    }
    if markdown
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::invalid(
            "invalid_field",
            "body contains characters that are not allowed.",
        ));
    }
    let html = markdown::render(&markdown);
    Ok(PostBody { markdown, html })
}

/// Renders a body off the async workers (writes may take a second trip; reads never render).
pub async fn render_body(raw: String) -> Result<PostBody, AppError> {
    crate::blocking::run(move || post_body(&raw)).await?
}

pub fn title(raw: &str) -> Result<String, AppError> {
    text::checked("title", raw, 1, TITLE_MAX, false)
}

/// A content warning: absent or empty means none.
pub fn warning(raw: Option<&str>) -> Result<Option<String>, AppError> {
    match raw.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(None),
        Some(w) => Ok(Some(text::checked(
            "content_warning",
            w,
            1,
            WARNING_MAX,
            false,
        )?)),
    }
}

/// Counts a write against the posting limits: by source, and by account when logged in.
pub fn count_write(
    state: &AppState,
    source: SourceKey,
    session: Option<&Session>,
    attempt: Attempt,
) -> Result<(), AppError> {
    state
        .limits
        .check(attempt, source, session.map(|s| s.account.id.as_str()))
}

/// A guest's name for one post: a display name's rules, and not the name of a member here
/// (a guest may not pass for a member).
pub(crate) fn guest_name(
    conn: &mut DbConnection,
    access: &GroupAccess,
    raw: Option<&str>,
) -> Result<Option<String>, AppError> {
    if access.account_id.is_some() {
        return Ok(None);
    }
    let checked = names::check_display(raw.unwrap_or(""))
        .map_err(|e| e.into_app_error(names::NameKind::Display))?;
    let taken: i64 = memberships::table
        .filter(memberships::group_id.eq(&access.group.id))
        .filter(memberships::display_key.eq(&checked.key))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AppError::conflict(
            "display_name_taken",
            "A member of this group uses that name; choose another.",
        ));
    }
    Ok(Some(checked.shown))
}

/// Who wrote a post, as readers see it, from the post's guest name and its author's
/// membership (name and role), if that still exists.
pub fn author(
    guest_name: Option<String>,
    member: Option<(String, MemberRole)>,
) -> (String, AuthorKind) {
    match (guest_name, member) {
        (Some(name), _) => (name, AuthorKind::Guest),
        (None, Some((name, MemberRole::Leader))) => (name, AuthorKind::Leader),
        (None, Some((name, MemberRole::Member))) => (name, AuthorKind::Member),
        (None, None) => (String::new(), AuthorKind::FormerMember),
    }
}

/// Deletes a post for real. The topic goes with its last post. When the opening post goes
/// (its writer deleted it, a leader removed it, or its retention ran out) and replies stay,
/// the title goes with it: it is the opener's writing too. The topic shows a neutral title
/// and no opener from then on.
pub(crate) fn remove_post(conn: &mut DbConnection, post_id: &str) -> Result<(), AppError> {
    let Some(topic_id) = posts_table::table
        .find(post_id)
        .select(posts_table::topic_id)
        .first::<String>(conn)
        .optional()?
    else {
        return Ok(());
    };
    let opener: Option<String> = posts_table::table
        .filter(posts_table::topic_id.eq(&topic_id))
        .order(posts_table::position)
        .select(posts_table::id)
        .first(conn)
        .optional()?;
    diesel::delete(posts_table::table.find(post_id)).execute(conn)?;
    let left: i64 = posts_table::table
        .filter(posts_table::topic_id.eq(&topic_id))
        .count()
        .get_result(conn)?;
    if left == 0 {
        diesel::delete(topics_table::table.find(&topic_id)).execute(conn)?;
    } else if opener.as_deref() == Some(post_id) {
        diesel::update(topics_table::table.find(&topic_id))
            .set((
                topics_table::title.eq(""),
                topics_table::author_membership.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Leaders' removal of content: an optional reason (for the leaders' log) and the report
/// category members see in the log's neutral summary.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    /// For the leaders' log only.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// What members read in the log's summary ("a post was removed: shares private
    /// information").
    pub category: Option<ReportReason>,
}

impl Removal {
    pub(crate) fn reason(&self) -> Result<Option<String>, AppError> {
        match self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            None => Ok(None),
            Some(r) => Ok(Some(text::checked("reason", r, 1, 500, true)?)),
        }
    }
}
