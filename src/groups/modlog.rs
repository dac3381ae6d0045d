//! The moderation log: what leaders did, by display name and day, for the group's own eyes.
//! Leaders see all of it; members see a neutral summary (what happened, not to whom or why).
//!
//! A line names a member only while that membership exists: leaving or erasing the account
//! clears the name and the reason of every line about it, and lines are purged after
//! `retention.modlog_days`.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::GroupAccess;
use super::model::OwnMembership;
use crate::db::DbConnection;
use crate::db::schema::modlog;
use crate::error::AppError;
use crate::forum::ReportReason;
use crate::policy::Action;
use crate::secrets;
use crate::time;

text_enum! {
    /// What a line of the log records.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ModlogAction {
        MemberBanned = "member_banned",
        MemberUnbanned = "member_unbanned",
        MemberMuted = "member_muted",
        MemberUnmuted = "member_unmuted",
        JoinRequestApproved = "join_request_approved",
        JoinRequestDeclined = "join_request_declined",
        LeaderJoined = "leader_joined",
        LeaderRemoved = "leader_removed",
        HouseRulesChanged = "house_rules_changed",
        AccessChanged = "access_changed",
        AccessProposed = "access_proposed",
        AccessProposalDeclined = "access_proposal_declined",
        TopicPinned = "topic_pinned",
        TopicUnpinned = "topic_unpinned",
        TopicLocked = "topic_locked",
        TopicUnlocked = "topic_unlocked",
        TopicDeleted = "topic_deleted",
        PostDeleted = "post_deleted",
        PostHidden = "post_hidden",
        PostShown = "post_shown",
        PostApproved = "post_approved",
        PostRejected = "post_rejected",
        ReportDismissed = "report_dismissed",
        ReportEscalated = "report_escalated",
        AnnouncementPosted = "announcement_posted",
        AnnouncementRemoved = "announcement_removed",
        PremoderationChanged = "premoderation_changed",
        RetentionChanged = "retention_changed",
        RoomCreated = "room_created",
        RoomChanged = "room_changed",
        RoomLocked = "room_locked",
        RoomUnlocked = "room_unlocked",
        RoomDeleted = "room_deleted",
        SessionOpened = "session_opened",
        SessionClosed = "session_closed",
        MessageDeleted = "message_deleted",
        ParticipantMuted = "participant_muted",
        ParticipantUnmuted = "participant_unmuted",
        ParticipantRemoved = "participant_removed",
    }
}

#[derive(Insertable)]
#[diesel(table_name = modlog)]
struct NewLine<'a> {
    id: String,
    group_id: &'a str,
    action: ModlogAction,
    target_name: Option<&'a str>,
    target_membership: Option<&'a str>,
    reason: Option<&'a str>,
    category: Option<ReportReason>,
    created_on: String,
}

/// A line about the group itself, or about nobody in particular.
pub fn record(
    conn: &mut DbConnection,
    group_id: &str,
    action: ModlogAction,
    target_name: Option<&str>,
    reason: Option<&str>,
) -> Result<(), AppError> {
    insert(conn, group_id, action, target_name, None, reason, None)
}

/// A line about forum content: its author (membership id and name) if still a member, the
/// leader's reason (leaders only), and the report category members see in the summary.
pub fn record_content(
    conn: &mut DbConnection,
    group_id: &str,
    action: ModlogAction,
    author: Option<(&str, &str)>,
    reason: Option<&str>,
    category: Option<ReportReason>,
) -> Result<(), AppError> {
    insert(
        conn,
        group_id,
        action,
        author.map(|(_, name)| name),
        author.map(|(id, _)| id),
        reason,
        category,
    )
}

/// A line about one member, tied to their membership so it can be neutralised.
pub fn record_about(
    conn: &mut DbConnection,
    group_id: &str,
    action: ModlogAction,
    target: &OwnMembership,
    reason: Option<&str>,
) -> Result<(), AppError> {
    insert(
        conn,
        group_id,
        action,
        Some(&target.display_name),
        Some(&target.id),
        reason,
        None,
    )
}

fn insert(
    conn: &mut DbConnection,
    group_id: &str,
    action: ModlogAction,
    target_name: Option<&str>,
    target_membership: Option<&str>,
    reason: Option<&str>,
    category: Option<ReportReason>,
) -> Result<(), AppError> {
    diesel::insert_into(modlog::table)
        .values(NewLine {
            id: secrets::new_id(),
            group_id,
            action,
            target_name,
            target_membership,
            reason,
            category,
            created_on: time::today(),
        })
        .execute(conn)?;
    Ok(())
}

/// Clears what the log says about memberships that are gone: the name and the reason (a
/// leader's free text may name them too). What happened, and when, stays.
pub fn forget_memberships(
    conn: &mut DbConnection,
    membership_ids: &[String],
) -> Result<usize, AppError> {
    if membership_ids.is_empty() {
        return Ok(0);
    }
    Ok(
        diesel::update(modlog::table.filter(modlog::target_membership.eq_any(membership_ids)))
            .set((
                modlog::target_name.eq(None::<String>),
                modlog::reason.eq(None::<String>),
                modlog::target_membership.eq(None::<String>),
            ))
            .execute(conn)?,
    )
}

/// Lines older than `days` are deleted (retention).
pub fn purge(conn: &mut DbConnection, days: u32) -> Result<usize, AppError> {
    Ok(
        diesel::delete(modlog::table.filter(modlog::created_on.lt(time::days_ago(days))))
            .execute(conn)?,
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModlogEntry {
    pub action: ModlogAction,
    /// Display name in this group; leaders only. Absent once that member has left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Leaders only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For forum moderation: the kind of report it answered ("shares private information"),
    /// shown to members too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<ReportReason>,
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
            modlog::category,
            modlog::created_on,
        ))
        .limit(500)
        .load::<(
            ModlogAction,
            Option<String>,
            Option<String>,
            Option<ReportReason>,
            String,
        )>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(action, target, reason, category, on)| ModlogEntry {
            action,
            target: target.filter(|_| full),
            reason: reason.filter(|_| full),
            category,
            on,
        })
        .collect())
}

/// The lines that name one of `membership_ids`, for their owner's export.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineAboutMe {
    pub membership_id: String,
    pub action: ModlogAction,
    pub name: Option<String>,
    pub reason: Option<String>,
    pub on: String,
}

pub fn about(
    conn: &mut DbConnection,
    membership_ids: &[String],
) -> Result<Vec<LineAboutMe>, AppError> {
    let rows = modlog::table
        .filter(modlog::target_membership.eq_any(membership_ids))
        .order(modlog::created_on.desc())
        .select((
            modlog::target_membership.assume_not_null(),
            modlog::action,
            modlog::target_name,
            modlog::reason,
            modlog::created_on,
        ))
        .load::<(String, ModlogAction, Option<String>, Option<String>, String)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(membership_id, action, name, reason, on)| LineAboutMe {
            membership_id,
            action,
            name,
            reason,
            on,
        })
        .collect())
}
