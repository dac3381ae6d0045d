//! Memberships: joining (directly, by introduction, by invite code), leaving, display names,
//! the member list, bans and mutes, and removing a leader.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{GroupAccess, MemberRole, MembershipRow, authorize, invites, modlog, requests};
use crate::db::schema::{join_requests, memberships};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::limits::{Attempt, SourceKey};
use crate::names::{self, CheckedName, NameKind};
use crate::policy::{Action, JoinPolicy, Mode};
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::text;
use crate::time;

/// "For good": a ban or mute without end.
pub const FOREVER: i64 = i64::MAX;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnMembership {
    pub id: String,
    pub display_name: String,
    pub role: MemberRole,
    pub muted: bool,
    pub banned: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequestBody {
    /// The name to be known by in this group only: 3-32 letters, digits, `_` or `-`.
    pub display_name: String,
    /// Needed for a closed group with approval: who you are and why you'd like to join.
    pub introduction: Option<String>,
    /// The code from the face-to-face meeting.
    pub invite_code: Option<String>,
    /// Joining means accepting the group's house rules.
    #[serde(default)]
    pub accept_house_rules: bool,
}

/// What joining led to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Joined {
    /// A member now (201).
    Active { membership: OwnMembership },
    /// Waiting for a leader's decision (202).
    Pending { join_request_id: String },
}

fn display_name(raw: &str) -> Result<CheckedName, AppError> {
    names::check_display(raw).map_err(|e| e.into_app_error(NameKind::Display))
}

fn name_taken() -> AppError {
    AppError::conflict(
        "display_name_taken",
        "Someone in this group already uses this name. Choose another one.",
    )
}

/// Is `key` free in the group (among members and people waiting to join)?
pub(crate) fn name_free(
    conn: &mut DbConnection,
    group_id: &str,
    key: &str,
    except_account: &str,
) -> Result<bool, AppError> {
    let members: i64 = memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::display_key.eq(key))
        .filter(memberships::account_id.ne(except_account))
        .count()
        .get_result(conn)?;
    let waiting: i64 = join_requests::table
        .filter(join_requests::group_id.eq(group_id))
        .filter(join_requests::display_key.eq(key))
        .filter(join_requests::state.eq(requests::PENDING))
        .filter(join_requests::account_id.ne(except_account))
        .count()
        .get_result(conn)?;
    Ok(members == 0 && waiting == 0)
}

pub(crate) fn insert_membership(
    conn: &mut DbConnection,
    group_id: &str,
    account_id: &str,
    name: &CheckedName,
    role: MemberRole,
) -> Result<OwnMembership, AppError> {
    if !name_free(conn, group_id, &name.key, account_id)? {
        return Err(name_taken());
    }
    // Whatever request was waiting is settled by becoming a member: its introduction goes.
    diesel::delete(
        join_requests::table
            .filter(join_requests::group_id.eq(group_id))
            .filter(join_requests::account_id.eq(account_id)),
    )
    .execute(conn)?;
    let id = secrets::new_id();
    diesel::insert_into(memberships::table)
        .values((
            memberships::id.eq(&id),
            memberships::group_id.eq(group_id),
            memberships::account_id.eq(account_id),
            memberships::display_name.eq(&name.shown),
            memberships::display_key.eq(&name.key),
            memberships::role.eq(role.as_str()),
        ))
        .execute(conn)
        .map_err(|e| {
            db::on_unique_violation(e, || {
                // Two joins at once: either the same account twice, or the same name.
                let same_account = memberships::table
                    .filter(memberships::group_id.eq(group_id))
                    .filter(memberships::account_id.eq(account_id))
                    .count()
                    .get_result::<i64>(conn)
                    .map(|n| n > 0)
                    .unwrap_or(false);
                if same_account {
                    crate::policy::Denial::AlreadyMember.into()
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

pub const INTRODUCTION_MAX: usize = 2000;

/// Joins a group as the group's mode and join policy say.
pub async fn join(
    state: &AppState,
    session: &Session,
    source: SourceKey,
    slug: &str,
    body: JoinRequestBody,
) -> Result<Joined, AppError> {
    let name = display_name(&body.display_name)?;
    let code = body
        .invite_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let action = if code.is_some() {
        Action::JoinWithInvite
    } else {
        Action::Join
    };
    if code.is_some() {
        // Counted before the group is even looked up, so a hidden group and a missing one
        // answer alike however many codes are tried.
        state
            .limits
            .check(Attempt::Invite, source, Some(&session.account.id))?;
    }
    let access = authorize(state, Some(session), slug, action).await?;
    if let Some(code) = code {
        return invites::redeem(state, session, access, name, &code, body).await;
    }
    require_rules_accepted(&body)?;
    let group = access.group.clone();
    let account_id = session.account.id.clone();
    let needs_approval = group.mode == Mode::Closed;
    let introduction = if needs_approval {
        Some(text::checked(
            "introduction",
            body.introduction.as_deref().unwrap_or(""),
            10,
            INTRODUCTION_MAX,
            true,
        )?)
    } else {
        None
    };
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| match introduction {
                Some(introduction) => {
                    let id = requests::insert(
                        conn,
                        &group.id,
                        &account_id,
                        &name,
                        Some(&introduction),
                        MemberRole::Member,
                    )?;
                    Ok(Joined::Pending {
                        join_request_id: id,
                    })
                }
                None => Ok(Joined::Active {
                    membership: insert_membership(
                        conn,
                        &group.id,
                        &account_id,
                        &name,
                        MemberRole::Member,
                    )?,
                }),
            })
        })
        .await
}

pub(crate) fn require_rules_accepted(body: &JoinRequestBody) -> Result<(), AppError> {
    if body.accept_house_rules {
        Ok(())
    } else {
        Err(AppError::invalid(
            "house_rules_not_accepted",
            "Joining means accepting the group's house rules: read them and say yes.",
        ))
    }
}

/// Which way an invite code leads, given the group's policy.
pub(crate) fn needs_approval_after_invite(access: &GroupAccess) -> bool {
    access.group.mode == Mode::Closed && access.group.join_policy == JoinPolicy::InviteAndApproval
}

/// Leaves a group: the membership (or the waiting request) is erased.
pub async fn leave(state: &AppState, session: &Session, slug: &str) -> Result<(), AppError> {
    let access = authorize(state, Some(session), slug, Action::Leave).await?;
    let (group_id, account_id) = (access.group.id, session.account.id.clone());
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                diesel::delete(
                    memberships::table
                        .filter(memberships::group_id.eq(&group_id))
                        .filter(memberships::account_id.eq(&account_id)),
                )
                .execute(conn)?;
                diesel::delete(
                    join_requests::table
                        .filter(join_requests::group_id.eq(&group_id))
                        .filter(join_requests::account_id.eq(&account_id)),
                )
                .execute(conn)?;
                Ok(())
            })
        })
        .await
}

pub async fn rename(
    state: &AppState,
    session: &Session,
    slug: &str,
    new_name: &str,
) -> Result<OwnMembership, AppError> {
    let name = display_name(new_name)?;
    let access = authorize(state, Some(session), slug, Action::ChangeDisplayName).await?;
    let membership = access.membership.clone().ok_or_else(AppError::not_found)?;
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                if !name_free(
                    conn,
                    &membership.group_id,
                    &name.key,
                    &membership.account_id,
                )? {
                    return Err(name_taken());
                }
                diesel::update(memberships::table.find(&membership.id))
                    .set((
                        memberships::display_name.eq(&name.shown),
                        memberships::display_key.eq(&name.key),
                    ))
                    .execute(conn)?;
                let now = time::now();
                Ok(OwnMembership {
                    id: membership.id.clone(),
                    display_name: name.shown.clone(),
                    role: membership.role(),
                    muted: membership.muted(now),
                    banned: membership.banned(now),
                })
            })
        })
        .await
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
}

fn until_text(until: Option<i64>, now: i64) -> Option<String> {
    match until {
        Some(FOREVER) => Some("forever".into()),
        Some(t) if t > now => Some(time::rfc3339(t)),
        _ => None,
    }
}

pub async fn list(
    state: &AppState,
    session: Option<&Session>,
    slug: &str,
) -> Result<Vec<MemberView>, AppError> {
    let access = authorize(state, session, slug, Action::ListMembers).await?;
    let leader_view = access.may(Action::ModerateMembers);
    let group_id = access.group.id;
    state
        .db
        .run(move |conn| {
            let now = time::now();
            let rows = memberships::table
                .filter(memberships::group_id.eq(&group_id))
                .order(memberships::display_key)
                .select(MembershipRow::as_select())
                .load(conn)?;
            Ok(rows
                .into_iter()
                .filter(|m| leader_view || !m.banned(now))
                .map(|m| MemberView {
                    muted_until: until_text(m.muted_until, now).filter(|_| leader_view),
                    banned_until: until_text(m.banned_until, now).filter(|_| leader_view),
                    role: m.role(),
                    id: m.id,
                    display_name: m.display_name,
                })
                .collect())
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sanction {
    /// Why; the member sees it.
    pub reason: String,
    /// Until when (RFC 3339); absent means for good.
    pub until: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanctionKind {
    Ban,
    Mute,
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
    let access = authorize(state, Some(session), slug, Action::ModerateMembers).await?;
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
    let (group_id, id) = (access.group.id, membership_id.to_string());
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let target = find_member(conn, &group_id, &id)?;
                if target.role() == MemberRole::Leader {
                    return Err(AppError::forbidden(
                        "cannot_sanction_leader",
                        "A leader cannot be banned or muted; the steunpunt can remove a leader.",
                    ));
                }
                let row = memberships::table.find(&id);
                let action = match kind {
                    SanctionKind::Ban => {
                        diesel::update(row)
                            .set((
                                memberships::banned_until.eq(Some(until)),
                                memberships::ban_reason.eq(Some(&reason)),
                            ))
                            .execute(conn)?;
                        modlog::MEMBER_BANNED
                    }
                    SanctionKind::Mute => {
                        diesel::update(row)
                            .set((
                                memberships::muted_until.eq(Some(until)),
                                memberships::mute_reason.eq(Some(&reason)),
                            ))
                            .execute(conn)?;
                        modlog::MEMBER_MUTED
                    }
                };
                modlog::record(
                    conn,
                    &group_id,
                    action,
                    Some(&target.display_name),
                    Some(&reason),
                )?;
                member_view(conn, &group_id, &id)
            })
        })
        .await
}

pub async fn lift(
    state: &AppState,
    session: &Session,
    slug: &str,
    membership_id: &str,
    kind: SanctionKind,
) -> Result<(), AppError> {
    let access = authorize(state, Some(session), slug, Action::ModerateMembers).await?;
    let (group_id, id) = (access.group.id, membership_id.to_string());
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let target = find_member(conn, &group_id, &id)?;
                let row = memberships::table.find(&id);
                let action = match kind {
                    SanctionKind::Ban => {
                        diesel::update(row)
                            .set((
                                memberships::banned_until.eq(None::<i64>),
                                memberships::ban_reason.eq(None::<String>),
                            ))
                            .execute(conn)?;
                        modlog::MEMBER_UNBANNED
                    }
                    SanctionKind::Mute => {
                        diesel::update(row)
                            .set((
                                memberships::muted_until.eq(None::<i64>),
                                memberships::mute_reason.eq(None::<String>),
                            ))
                            .execute(conn)?;
                        modlog::MEMBER_UNMUTED
                    }
                };
                modlog::record(conn, &group_id, action, Some(&target.display_name), None)
            })
        })
        .await
}

/// The steunpunt takes a leader's role away; they stay a member.
pub async fn remove_leader(
    state: &AppState,
    session: &Session,
    slug: &str,
    membership_id: &str,
) -> Result<(), AppError> {
    let access = authorize(state, Some(session), slug, Action::RemoveLeader).await?;
    let (group_id, id) = (access.group.id, membership_id.to_string());
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let target = find_member(conn, &group_id, &id)?;
                if target.role() != MemberRole::Leader {
                    return Err(AppError::conflict(
                        "not_a_leader",
                        "This member is not a leader.",
                    ));
                }
                diesel::update(memberships::table.find(&id))
                    .set(memberships::role.eq(MemberRole::Member.as_str()))
                    .execute(conn)?;
                modlog::record(
                    conn,
                    &group_id,
                    modlog::LEADER_REMOVED,
                    Some(&target.display_name),
                    None,
                )
            })
        })
        .await
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

fn member_view(conn: &mut DbConnection, group_id: &str, id: &str) -> Result<MemberView, AppError> {
    let m = find_member(conn, group_id, id)?;
    let now = time::now();
    Ok(MemberView {
        muted_until: until_text(m.muted_until, now),
        banned_until: until_text(m.banned_until, now),
        role: m.role(),
        id: m.id,
        display_name: m.display_name,
    })
}

/// Leaders of a group, for the steunpunt's view (structure, not content).
pub async fn leaders(
    state: &AppState,
    session: &Session,
    slug: &str,
) -> Result<Vec<MemberView>, AppError> {
    let access = authorize(state, Some(session), slug, Action::RemoveLeader).await?;
    let group_id = access.group.id;
    state
        .db
        .run(move |conn| {
            let rows = memberships::table
                .filter(memberships::group_id.eq(&group_id))
                .filter(memberships::role.eq(MemberRole::Leader.as_str()))
                .select(MembershipRow::as_select())
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|m| MemberView {
                    role: m.role(),
                    id: m.id,
                    display_name: m.display_name,
                    muted_until: None,
                    banned_until: None,
                })
                .collect())
        })
        .await
}
