//! The moderation log: what leaders did, by display name and day, for the group's own eyes.
//! Leaders see all of it; members see a neutral summary (what happened, not to whom or why).

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::db::schema::modlog;
use crate::error::AppError;
use crate::policy::Action;
use crate::secrets;
use crate::time;

use super::GroupAccess;

pub const MEMBER_BANNED: &str = "member_banned";
pub const MEMBER_UNBANNED: &str = "member_unbanned";
pub const MEMBER_MUTED: &str = "member_muted";
pub const MEMBER_UNMUTED: &str = "member_unmuted";
pub const JOIN_APPROVED: &str = "join_request_approved";
pub const JOIN_DECLINED: &str = "join_request_declined";
pub const LEADER_JOINED: &str = "leader_joined";
pub const LEADER_REMOVED: &str = "leader_removed";
pub const HOUSE_RULES_CHANGED: &str = "house_rules_changed";
pub const ACCESS_CHANGED: &str = "access_changed";

pub fn record(
    conn: &mut DbConnection,
    group_id: &str,
    action: &str,
    target_name: Option<&str>,
    reason: Option<&str>,
) -> Result<(), AppError> {
    diesel::insert_into(modlog::table)
        .values((
            modlog::id.eq(secrets::new_id()),
            modlog::group_id.eq(group_id),
            modlog::action.eq(action),
            modlog::target_name.eq(target_name),
            modlog::reason.eq(reason),
            modlog::created_on.eq(time::today()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModlogEntry {
    pub action: String,
    /// Display name in this group; leaders only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Leaders only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The day, not the time.
    pub on: String,
}

/// The log as `access` may see it: in full for leaders, as a neutral summary for members.
pub fn list(conn: &mut DbConnection, access: &GroupAccess) -> Result<Vec<ModlogEntry>, AppError> {
    let full = access.may(Action::ViewModlog);
    if !full {
        access.check(Action::ViewModlogSummary)?;
    }
    let rows = modlog::table
        .filter(modlog::group_id.eq(&access.group.id))
        .order(modlog::created_on.desc())
        .select((
            modlog::action,
            modlog::target_name,
            modlog::reason,
            modlog::created_on,
        ))
        .limit(500)
        .load::<(String, Option<String>, Option<String>, String)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(action, target, reason, on)| ModlogEntry {
            action,
            target: target.filter(|_| full),
            reason: reason.filter(|_| full),
            on,
        })
        .collect())
}
