//! Retention: what Kring no longer may keep, deleted for real.
//!
//! Owns deciding what has expired and deleting it (rows deleted, SQLite's WAL checkpointed
//! so the old pages are overwritten). `scheduler` runs it in the background, `kring purge`
//! by hand. On PostgreSQL, one process purges at a time (an advisory lock).

use diesel::prelude::*;

use crate::accounts;
use crate::configuration::Settings;
use crate::db::schema::accounts as accounts_table;
use crate::db::{self, Db, DbConnection};
use crate::error::AppError;
use crate::groups::{invites, members, modlog, requests};
use crate::sessions;
use crate::time;

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
    pub ended_sanctions: usize,
    pub spent_invites: usize,
    pub modlog_lines: usize,
    /// Notice-board announcements past their end.
    pub expired_announcements: usize,
    /// Chat messages past their room's retention, and room sanctions past their end.
    pub chat_messages: usize,
    pub ended_room_sanctions: usize,
}

/// Runs every purge once (blocking: call from a blocking thread or the CLI).
pub fn purge_blocking(db: &Db, settings: &Settings) -> Result<PurgeReport, AppError> {
    let report = db
        .exclusive(PURGE_LOCK_KEY, |conn| purge_in(conn, settings))?
        .unwrap_or_default();
    db.checkpoint_blocking().map_err(AppError::internal)?;
    Ok(report)
}

fn purge_in(conn: &mut DbConnection, settings: &Settings) -> Result<PurgeReport, AppError> {
    let retention = &settings.retention;
    let idle = settings.sessions.idle_timeout().as_secs() as i64;
    let sessions = sessions::purge_expired(conn, idle)?;
    let decided_requests = requests::purge_decided(conn, retention.declined_request_days)?;
    let ended_sanctions = members::purge_ended_sanctions(conn)?;
    let spent_invites = invites::purge_spent(conn)?;
    let modlog_lines = modlog::purge(conn, retention.modlog_days)?;
    let expired_announcements = crate::forum::announcements::purge_expired(conn)?;
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
        ended_sanctions,
        spent_invites,
        modlog_lines,
        expired_announcements,
        chat_messages,
        ended_room_sanctions,
    })
}
