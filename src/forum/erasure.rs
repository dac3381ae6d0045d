//! What a member wrote in the forum, for their export and their erasure. Erasing deletes
//! their posts (a topic they opened goes too, unless others replied: then the replies stay
//! under a neutral title) or keeps them with the author shown as "former member".

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{PostState, ReportReason};
use crate::db::DbConnection;
use crate::db::schema::{post_rejections, posts, reports, topics};
use crate::error::AppError;
use crate::time;

/// What happens to what someone wrote when they erase their account (or leave).
#[derive(Debug, Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PostsChoice {
    Delete,
    Anonymise,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PostExport {
    pub id: String,
    pub topic_id: String,
    pub topic_title: String,
    /// The membership it was written with.
    pub membership_id: String,
    pub body_markdown: String,
    pub content_warning: Option<String>,
    pub state: PostState,
    pub created_at: String,
    pub edited: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportExport {
    pub post_id: String,
    pub reason: ReportReason,
    pub note: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectionExport {
    pub membership_id: String,
    pub topic_title: String,
    pub reason: String,
    pub on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForumExport {
    /// Every post I wrote, with the Markdown I typed.
    pub posts: Vec<PostExport>,
    /// The topics I opened (ids and titles).
    pub topics_opened: Vec<(String, String)>,
    /// The reports I made.
    pub reports: Vec<ReportExport>,
    /// Why leaders did not publish posts of mine (until I dismissed them).
    pub rejected_posts: Vec<RejectionExport>,
}

pub fn export(conn: &mut DbConnection, memberships: &[String]) -> Result<ForumExport, AppError> {
    type Row = (
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        PostState,
        i64,
        bool,
    );
    let rows: Vec<Row> = posts::table
        .inner_join(topics::table)
        .filter(posts::author_membership.eq_any(memberships))
        .order(posts::created_at)
        .select((
            posts::id,
            posts::topic_id,
            topics::title,
            posts::author_membership,
            posts::body_markdown,
            posts::content_warning,
            posts::state,
            posts::created_at,
            posts::edited,
        ))
        .load(conn)?;
    let posts = rows
        .into_iter()
        .map(|r| PostExport {
            id: r.0,
            topic_id: r.1,
            topic_title: r.2,
            membership_id: r.3.unwrap_or_default(),
            body_markdown: r.4,
            content_warning: r.5,
            state: r.6,
            created_at: time::rfc3339(r.7),
            edited: r.8,
        })
        .collect();
    let topics_opened = topics::table
        .filter(topics::author_membership.eq_any(memberships))
        .select((topics::id, topics::title))
        .load(conn)?;
    let reports = reports::table
        .filter(reports::reporter_membership.eq_any(memberships))
        .select((
            reports::post_id,
            reports::reason,
            reports::note,
            reports::created_at,
        ))
        .load::<(String, ReportReason, Option<String>, i64)>(conn)?
        .into_iter()
        .map(|(post_id, reason, note, at)| ReportExport {
            post_id,
            reason,
            note,
            created_at: time::rfc3339(at),
        })
        .collect();
    let rejected_posts = post_rejections::table
        .filter(post_rejections::membership_id.eq_any(memberships))
        .select((
            post_rejections::membership_id,
            post_rejections::topic_title,
            post_rejections::reason,
            post_rejections::created_on,
        ))
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(membership_id, topic_title, reason, on)| RejectionExport {
            membership_id,
            topic_title,
            reason,
            on,
        })
        .collect();
    Ok(ForumExport {
        posts,
        topics_opened,
        reports,
        rejected_posts,
    })
}

/// Erases what `memberships` wrote, as chosen, before the memberships themselves go: their
/// reports and rejection notes always; their posts deleted, or unlinked from them.
pub fn erase(
    conn: &mut DbConnection,
    memberships: &[String],
    choice: PostsChoice,
) -> Result<(), AppError> {
    if memberships.is_empty() {
        return Ok(());
    }
    diesel::delete(reports::table.filter(reports::reporter_membership.eq_any(memberships)))
        .execute(conn)?;
    diesel::delete(
        post_rejections::table.filter(post_rejections::membership_id.eq_any(memberships)),
    )
    .execute(conn)?;
    match choice {
        PostsChoice::Delete => {
            let mine: Vec<String> = posts::table
                .filter(posts::author_membership.eq_any(memberships))
                .order((posts::created_at.desc(), posts::id.desc()))
                .select(posts::id)
                .load(conn)?;
            for id in mine {
                super::remove_post(conn, &id)?;
            }
        }
        PostsChoice::Anonymise => {
            diesel::update(posts::table.filter(posts::author_membership.eq_any(memberships)))
                .set(posts::author_membership.eq(None::<String>))
                .execute(conn)?;
        }
    }
    diesel::update(topics::table.filter(topics::author_membership.eq_any(memberships)))
        .set(topics::author_membership.eq(None::<String>))
        .execute(conn)?;
    Ok(())
}

/// Forum posts past their group's retention are deleted for real (`remove_post`: a topic
/// goes with its last post, and reports with their post): `post_retention_days` after they
/// were written, `pinned_retention_days` in a pinned topic, and a held post no leader
/// decided on after `held_days`. Rejection notices nobody dismissed go after `held_days`.
pub fn purge_expired(conn: &mut DbConnection, held_days: u32) -> Result<usize, AppError> {
    use crate::db::schema::groups;
    let now = time::now();
    let day = 86_400;
    let held_cutoff = now - i64::from(held_days) * day;
    let kept: Vec<(String, i32, i32)> = groups::table
        .select((
            groups::id,
            groups::post_retention_days,
            groups::pinned_retention_days,
        ))
        .load(conn)?;
    let mut gone = 0;
    for (group, days, pinned_days) in kept {
        let (cutoff, pinned_cutoff) = (
            now - i64::from(days) * day,
            now - i64::from(pinned_days) * day,
        );
        let expired: Vec<String> = posts::table
            .inner_join(topics::table)
            .filter(posts::group_id.eq(&group))
            .filter(
                topics::pinned
                    .eq(false)
                    .and(posts::created_at.lt(cutoff))
                    .or(topics::pinned
                        .eq(true)
                        .and(posts::created_at.lt(pinned_cutoff)))
                    .or(posts::state
                        .eq(PostState::Held)
                        .and(posts::created_at.lt(held_cutoff))),
            )
            .select(posts::id)
            .load(conn)?;
        for id in &expired {
            // One transaction per post: its topic's last post and the topic go together.
            crate::db::write(conn, |conn| super::remove_post(conn, id))?;
        }
        gone += expired.len();
    }
    diesel::delete(
        post_rejections::table.filter(post_rejections::created_on.lt(time::days_ago(held_days))),
    )
    .execute(conn)?;
    Ok(gone)
}
