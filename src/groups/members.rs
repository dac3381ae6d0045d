//! Memberships as a group's members and leaders see them: the member list, bans and mutes,
//! the steunpunt's leader list and removing a leader; and the one way a membership is made.
//!
//! Every change here is decided inside the write transaction that makes it, on facts read
//! there (`access::writing`), with the target's own facts handed to the policy.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{self, GroupAccess};
use super::model::{MembershipRow, NewMembership, OwnMembership};
use super::modlog::{self, ModlogAction};
use super::requests;
use crate::db::schema::memberships;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::names::CheckedName;
use crate::policy::{Action, Denial, MemberAction, MemberRole, Target};
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::text;
use crate::time;

/// "For good": a ban or mute without end.
pub const FOREVER: i64 = i64::MAX;

pub(crate) fn name_taken() -> AppError {
    AppError::conflict(
        "display_name_taken",
        "Someone in this group already uses this name (or one that looks the same). Choose another one.",
    )
}

/// Is `key` free among the group's members (other than `except_account`)? Requests do not
/// hold names: a clash between two applicants is settled when a leader approves.
pub(crate) fn name_free(
    conn: &mut DbConnection,
    group_id: &str,
    key: &str,
    except_account: &str,
) -> Result<bool, AppError> {
    let taken: i64 = memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::display_key.eq(key))
        .filter(memberships::account_id.ne(except_account))
        .count()
        .get_result(conn)?;
    Ok(taken == 0)
}

/// Whether `insert_membership` still has to compare the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameCheck {
    Now,
    AlreadyDone,
}

/// Makes `account_id` a member of the group. Whatever request was waiting is settled.
pub(crate) fn insert_membership(
    conn: &mut DbConnection,
    group_id: &str,
    account_id: &str,
    name: &CheckedName,
    role: MemberRole,
    check: NameCheck,
) -> Result<OwnMembership, AppError> {
    if check == NameCheck::Now && !name_free(conn, group_id, &name.key, account_id)? {
        return Err(name_taken());
    }
    requests::settle(conn, group_id, account_id)?;
    let id = secrets::new_id();
    diesel::insert_into(memberships::table)
        .values(NewMembership {
            id: id.clone(),
            group_id,
            account_id,
            display_name: &name.shown,
            display_key: &name.key,
            role,
        })
        .execute(conn)
        .map_err(|e| {
            db::on_unique_violation(e, || {
                // Two joins at once: either the same account twice, or the same name.
                let same_account = memberships::table
                    .filter(memberships::group_id.eq(group_id))
                    .filter(memberships::account_id.eq(account_id))
                    .count()
                    .get_result::<i64>(conn)
                    .is_ok_and(|n| n > 0);
                if same_account {
                    Denial::AlreadyMember.into()
                } else {
                    name_taken()
                }
            })
        })?;
    Ok(OwnMembership {
        id,
        display_name: name.shown.clone(),
        role,
        muted: false,
        banned: false,
    })
}

/// A member as others in the group see them. Ids are per membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub id: String,
    pub display_name: String,
    pub role: MemberRole,
    /// Leaders only: muted until (RFC 3339), or "forever".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<String>,
    /// Leaders only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banned_until: Option<String>,
    /// What the asker may do to this member (policy member-action names); absent for none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub may: Vec<String>,
}

fn until_text(until: Option<i64>, now: i64) -> Option<String> {
    match until {
        Some(FOREVER) => Some("forever".into()),
        Some(t) if t > now => Some(time::rfc3339(t)),
        _ => None,
    }
}

fn view(access: &GroupAccess, m: MembershipRow, now: i64) -> MemberView {
    let leader_view = access.may(Action::ModerateMembers);
    let target = Target { role: m.role };
    MemberView {
        muted_until: until_text(m.muted_until, now).filter(|_| leader_view),
        banned_until: until_text(m.banned_until, now).filter(|_| leader_view),
        may: MemberAction::EVERY
            .into_iter()
            .filter(|a| access.may_on(target, *a))
            .map(MemberAction::name)
            .collect(),
        role: m.role,
        id: m.id,
        display_name: m.display_name,
    }
}

/// The member list: members and leaders see it; banned members only leaders see.
pub fn list(conn: &mut DbConnection, access: &GroupAccess) -> Result<Vec<MemberView>, AppError> {
    access.check(Action::ListMembers)?;
    let leader_view = access.may(Action::ModerateMembers);
    let now = time::now();
    let rows = memberships::table
        .filter(memberships::group_id.eq(&access.group.id))
        .order(memberships::display_key)
        .select(MembershipRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|m| leader_view || !m.banned(now))
        .map(|m| view(access, m, now))
        .collect())
}

/// Leaders of a group, for the steunpunt's view (structure, not content).
pub fn leaders(conn: &mut DbConnection, access: &GroupAccess) -> Result<Vec<MemberView>, AppError> {
    access.check(Action::ViewLeaders)?;
    let now = time::now();
    let rows = memberships::table
        .filter(memberships::group_id.eq(&access.group.id))
        .filter(memberships::role.eq(MemberRole::Leader))
        .select(MembershipRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|m| view(access, m, now)).collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sanction {
    /// Why; the member sees it. 3-500 characters after trimming.
    #[schema(
        min_length = 3,
        max_length = 500,
        example = "Herhaaldelijk kwetsend tegen anderen."
    )]
    pub reason: String,
    /// Until when (RFC 3339, in the future); absent means for good.
    #[schema(format = DateTime)]
    pub until: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanctionKind {
    Ban,
    Mute,
}

fn find_member(
    conn: &mut DbConnection,
    group_id: &str,
    id: &str,
) -> Result<MembershipRow, AppError> {
    memberships::table
        .find(id)
        .filter(memberships::group_id.eq(group_id))
        .select(MembershipRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// Looks up the target and asks the policy about it; someone who may not moderate here
/// learns nothing about whether the membership exists.
fn target_of(
    conn: &mut DbConnection,
    access: &GroupAccess,
    id: &str,
    action: MemberAction,
) -> Result<MembershipRow, AppError> {
    let group_action = match action {
        MemberAction::RemoveLeaderRole => Action::ViewLeaders,
        _ => Action::ModerateMembers,
    };
    access.check(group_action)?;
    let target = find_member(conn, &access.group.id, id)?;
    access.check_on(Target { role: target.role }, action)?;
    Ok(target)
}

/// Bans or mutes a member (not a leader: the steunpunt removes leaders).
pub async fn sanction(
    state: &AppState,
    session: &Session,
    slug: &str,
    membership_id: &str,
    kind: SanctionKind,
    body: Sanction,
) -> Result<MemberView, AppError> {
    let reason = text::checked("reason", &body.reason, 3, 500, true)?;
    let until = match body.until.as_deref() {
        None => FOREVER,
        Some(text) => {
            let t = time::parse_rfc3339(text).ok_or_else(|| {
                AppError::invalid(
                    "invalid_until",
                    "until must be an RFC 3339 time, e.g. 2026-12-31T20:00:00Z.",
                )
            })?;
            if t <= time::now() {
                return Err(AppError::invalid(
                    "invalid_until",
                    "until must lie in the future.",
                ));
            }
            t
        }
    };
    let id = membership_id.to_string();
    let why = reason.clone();
    let done = access::writing(state, session, slug, None, move |conn, access| {
        let action = match kind {
            SanctionKind::Ban => MemberAction::Ban,
            SanctionKind::Mute => MemberAction::Mute,
        };
        let target = target_of(conn, access, &id, action)?;
        let row = memberships::table.find(&id);
        let logged = match kind {
            SanctionKind::Ban => {
                diesel::update(row)
                    .set((
                        memberships::banned_until.eq(Some(until)),
                        memberships::ban_reason.eq(Some(&reason)),
                    ))
                    .execute(conn)?;
                ModlogAction::MemberBanned
            }
            SanctionKind::Mute => {
                diesel::update(row)
                    .set((
                        memberships::muted_until.eq(Some(until)),
                        memberships::mute_reason.eq(Some(&reason)),
                    ))
                    .execute(conn)?;
                ModlogAction::MemberMuted
            }
        };
        let group_id = &access.group.id;
        modlog::record_about(conn, group_id, logged, &target.own(), Some(&reason))?;
        Ok(view(access, find_member(conn, group_id, &id)?, time::now()))
    })
    .await?;
    // Their chat connections check their access again now, on every process.
    let kind = match kind {
        SanctionKind::Ban => "banned",
        SanctionKind::Mute => "muted",
    };
    crate::chat::bus::tell_member(state, membership_id, kind, Some(why)).await;
    Ok(done)
}

/// Lifts a ban or mute: its end and its reason go with it.
pub async fn lift(
    state: &AppState,
    session: &Session,
    slug: &str,
    membership_id: &str,
    kind: SanctionKind,
) -> Result<(), AppError> {
    let id = membership_id.to_string();
    access::writing(state, session, slug, None, move |conn, access| {
        let target = target_of(conn, access, &id, MemberAction::LiftSanction)?;
        let logged = clear_sanction(conn, &id, kind)?;
        modlog::record_about(conn, &access.group.id, logged, &target.own(), None)
    })
    .await?;
    let kind = match kind {
        SanctionKind::Ban => "unbanned",
        SanctionKind::Mute => "unmuted",
    };
    crate::chat::bus::tell_member(state, membership_id, kind, None).await;
    Ok(())
}

fn clear_sanction(
    conn: &mut DbConnection,
    id: &str,
    kind: SanctionKind,
) -> Result<ModlogAction, AppError> {
    let row = memberships::table.find(id);
    Ok(match kind {
        SanctionKind::Ban => {
            diesel::update(row)
                .set((
                    memberships::banned_until.eq(None::<i64>),
                    memberships::ban_reason.eq(None::<String>),
                ))
                .execute(conn)?;
            ModlogAction::MemberUnbanned
        }
        SanctionKind::Mute => {
            diesel::update(row)
                .set((
                    memberships::muted_until.eq(None::<i64>),
                    memberships::mute_reason.eq(None::<String>),
                ))
                .execute(conn)?;
            ModlogAction::MemberUnmuted
        }
    })
}

/// Sanctions whose time is up end for real: the end and the reason are cleared (retention).
pub fn purge_ended_sanctions(conn: &mut DbConnection) -> Result<usize, AppError> {
    let now = time::now();
    let bans = diesel::update(memberships::table.filter(memberships::banned_until.le(now)))
        .set((
            memberships::banned_until.eq(None::<i64>),
            memberships::ban_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    let mutes = diesel::update(memberships::table.filter(memberships::muted_until.le(now)))
        .set((
            memberships::muted_until.eq(None::<i64>),
            memberships::mute_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(bans + mutes)
}

/// The steunpunt takes a leader's role away; they stay a member.
pub async fn remove_leader(
    state: &AppState,
    session: &Session,
    slug: &str,
    membership_id: &str,
) -> Result<(), AppError> {
    let id = membership_id.to_string();
    access::writing(state, session, slug, None, move |conn, access| {
        let target = target_of(conn, access, &id, MemberAction::RemoveLeaderRole)?;
        diesel::update(memberships::table.find(&id))
            .set(memberships::role.eq(MemberRole::Member))
            .execute(conn)?;
        modlog::record_about(
            conn,
            &access.group.id,
            ModlogAction::LeaderRemoved,
            &target.own(),
            None,
        )
    })
    .await?;
    // Their chat connections stop counting as a leader's now (and leave leaders' rooms).
    crate::chat::bus::tell_member(state, membership_id, "role_changed", None).await;
    Ok(())
}
