//! Retention: what Kring no longer may keep, deleted for real.
//!
//! Owns deciding what has expired and deleting it (rows deleted, SQLite's WAL checkpointed
//! so the old pages are overwritten). `scheduler` runs it in the background, `kring purge`
//! by hand. On PostgreSQL, one process purges at a time (an advisory lock).

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts;
use crate::configuration::Settings;
use crate::db::schema::accounts as accounts_table;
use crate::db::{self, Db, DbConnection};
use crate::error::AppError;
use crate::groups::{invites, members, modlog, requests};
use crate::sessions;
use crate::time;

/// How long a group keeps what is written in it (its leaders choose, within
/// [`RetentionBounds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct GroupRetention {
    /// Forum posts are deleted this many days after they were written.
    pub post_days: i32,
    /// Posts in a pinned topic: this many days.
    pub pinned_days: i32,
    /// Chat messages are deleted this many hours after the meeting session they were sent in
    /// (in a room that is always open: after they were sent). A room may keep them shorter.
    pub chat_hours: i32,
}

/// The longest a group of this steunpunt may keep content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionBounds {
    pub post_days_max: i32,
    pub chat_hours_max: i32,
}

/// A leader's change to the group's retention; absent fields stay as they are.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionChange {
    /// 1 to the steunpunt's bound (days).
    #[schema(minimum = 1)]
    pub post_days: Option<u32>,
    /// 1 to the steunpunt's bound (days).
    #[schema(minimum = 1)]
    pub pinned_days: Option<u32>,
    /// 1 to the steunpunt's bound (hours).
    #[schema(minimum = 1)]
    pub chat_hours: Option<u32>,
}

impl RetentionChange {
    pub fn is_empty(&self) -> bool {
        self.post_days.is_none() && self.pinned_days.is_none() && self.chat_hours.is_none()
    }

    /// The group's retention after the change, if it stays within `bounds`.
    pub fn applied(
        &self,
        now: GroupRetention,
        bounds: RetentionBounds,
    ) -> Result<GroupRetention, AppError> {
        let within = |field: &str, value: Option<u32>, old: i32, max: i32, unit: &str| match value {
            None => Ok(old),
            Some(v) if v >= 1 && i64::from(v) <= i64::from(max) => Ok(v as i32),
            Some(_) => Err(AppError::invalid(
                "retention_out_of_bounds",
                format!("{field} must be 1 to {max} {unit}: the steunpunt's bound."),
            )),
        };
        Ok(GroupRetention {
            post_days: within(
                "post_days",
                self.post_days,
                now.post_days,
                bounds.post_days_max,
                "days",
            )?,
            pinned_days: within(
                "pinned_days",
                self.pinned_days,
                now.pinned_days,
                bounds.post_days_max,
                "days",
            )?,
            chat_hours: within(
                "chat_hours",
                self.chat_hours,
                now.chat_hours,
                bounds.chat_hours_max,
                "hours",
            )?,
        })
    }
}

/// Serialises purges when several processes share one PostgreSQL database.
pub const PURGE_LOCK_KEY: i64 = 0x006b_7269_6e67_0001;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// False when another process was purging already (PostgreSQL).
    pub ran: bool,
    pub sessions: usize,
    pub accounts: usize,
    /// Declines nobody read, and approvals nobody chose a new name for.
    pub decided_requests: usize,
    /// Requests no leader decided on in time.
    pub undecided_requests: usize,
    pub ended_sanctions: usize,
    pub spent_invites: usize,
    pub modlog_lines: usize,
    /// Notice-board announcements past their end.
    pub expired_announcements: usize,
    /// Reports past `retention.report_days`, escalated or not.
    pub old_reports: usize,
    /// Forum posts past their group's retention, and held posts nobody decided on.
    pub forum_posts: usize,
    /// Chat messages past their room's retention, and room sanctions past their end.
    pub chat_messages: usize,
    pub ended_room_sanctions: usize,
}

impl std::fmt::Display for PurgeReport {
    /// What `kring purge` prints: every count, named.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.ran {
            return f.write_str("another process is purging right now; nothing was purged here");
        }
        let counts = [
            (self.sessions, "expired sessions"),
            (self.accounts, "inactive accounts"),
            (self.decided_requests, "decided join requests"),
            (self.undecided_requests, "undecided join requests"),
            (self.ended_sanctions, "ended sanctions"),
            (self.spent_invites, "spent or expired invites"),
            (self.modlog_lines, "moderation log lines"),
            (self.expired_announcements, "expired announcements"),
            (self.old_reports, "old reports"),
            (self.forum_posts, "forum posts"),
            (self.chat_messages, "chat messages"),
            (self.ended_room_sanctions, "ended room sanctions"),
        ];
        f.write_str("purged ")?;
        for (i, (count, what)) in counts.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{count} {what}")?;
        }
        Ok(())
    }
}

/// Runs every purge once (blocking: call from a blocking thread or the CLI).
pub fn purge_blocking(db: &Db, settings: &Settings) -> Result<PurgeReport, AppError> {
    let report = db
        .exclusive(PURGE_LOCK_KEY, |conn| purge_in(conn, settings))?
        .unwrap_or_default();
    db.checkpoint_blocking().map_err(AppError::internal)?;
    if report.ran {
        db.vacuum_content_blocking().map_err(AppError::internal)?;
    }
    Ok(report)
}

fn purge_in(conn: &mut DbConnection, settings: &Settings) -> Result<PurgeReport, AppError> {
    let retention = &settings.retention;
    let idle = settings.sessions.idle_timeout().as_secs() as i64;
    let sessions = sessions::purge_expired(conn, idle)?;
    let decided_requests = requests::purge_decided(conn, retention.declined_request_days)?;
    let undecided_requests = requests::purge_undecided(conn, retention.pending_request_days)?;
    let ended_sanctions = members::purge_ended_sanctions(conn)?;
    let spent_invites = invites::purge_spent(conn)?;
    let modlog_lines = modlog::purge(conn, retention.modlog_days)?;
    let expired_announcements = crate::forum::announcements::purge_expired(conn)?;
    let old_reports = crate::forum::reports::purge_old(conn, retention.report_days)?;
    let forum_posts = crate::forum::erasure::purge_expired(conn, retention.held_post_days)?;
    let chat_messages = crate::chat::erasure::purge_expired(conn)?;
    let ended_room_sanctions = crate::chat::moderation::purge_ended(conn)?;
    let cutoff = time::days_ago(retention.inactive_account_days);
    let inactive: Vec<String> = accounts_table::table
        .filter(accounts_table::last_seen_on.lt(cutoff))
        .select(accounts_table::id)
        .load(conn)?;
    for id in &inactive {
        db::write(conn, |conn| {
            accounts::erase_blocking(conn, id, accounts::PostsChoice::Anonymise)
        })?;
    }
    Ok(PurgeReport {
        ran: true,
        sessions,
        accounts: inactive.len(),
        decided_requests,
        undecided_requests,
        ended_sanctions,
        spent_invites,
        modlog_lines,
        expired_announcements,
        old_reports,
        forum_posts,
        chat_messages,
        ended_room_sanctions,
    })
}

/// When the group's oldest forum post and oldest chat message go (unix seconds), as the
/// purge will find them: what its leaders' page shows. `None`: nothing waits.
pub fn first_to_go(
    conn: &mut DbConnection,
    group: &crate::groups::model::Group,
    held_days: u32,
) -> Result<(Option<i64>, Option<i64>), AppError> {
    use crate::db::schema::{messages, posts, rooms, topics};
    let day = 86_400;
    let oldest = |conn: &mut DbConnection, pinned: bool| -> Result<Option<i64>, AppError> {
        Ok(posts::table
            .inner_join(topics::table)
            .filter(posts::group_id.eq(&group.id))
            .filter(topics::pinned.eq(pinned))
            .select(diesel::dsl::min(posts::created_at))
            .first::<Option<i64>>(conn)?)
    };
    let held: Option<i64> = posts::table
        .filter(posts::group_id.eq(&group.id))
        .filter(posts::state.eq(crate::forum::PostState::Held))
        .select(diesel::dsl::min(posts::created_at))
        .first(conn)?;
    let post = [
        oldest(conn, false)?.map(|t| t + i64::from(group.post_retention_days) * day),
        oldest(conn, true)?.map(|t| t + i64::from(group.pinned_retention_days) * day),
        held.map(|t| t + i64::from(held_days) * day),
    ]
    .into_iter()
    .flatten()
    .min();
    // A message's clock starts when its meeting session ends (when it was sent, in a room
    // that is always open).
    let per_room: Vec<(i32, Option<i64>)> = rooms::table
        .inner_join(messages::table)
        .filter(rooms::group_id.eq(&group.id))
        .group_by((rooms::id, rooms::retention_hours))
        .select((
            rooms::retention_hours,
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "MIN(COALESCE(messages.session_ends_at, messages.sent_at))",
            ),
        ))
        .load(conn)?;
    let message = per_room
        .into_iter()
        .filter_map(|(hours, start)| Some(start? + i64::from(hours) * 3600))
        .min();
    Ok((post, message))
}
