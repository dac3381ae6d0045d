//! Invite codes: made by a leader (member invites) or the steunpunt (leader invites), handed
//! out at the face-to-face meeting. At least 80 random bits, stored only as a hash, compared
//! in constant time, not linked to whoever made them; redemption is rate-limited.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::membership::{self, JoinRequestBody, Joined};
use super::{GroupAccess, MemberRole, authorize, modlog, requests};
use crate::db::schema::{invites, memberships};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::names::CheckedName;
use crate::policy::Action;
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::text;
use crate::time;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// How many people may use it (1-500; leader invites: 1). Default 1.
    pub max_uses: Option<i32>,
    /// Days until it expires (1-90). Default 14.
    pub expires_in_days: Option<i64>,
    /// `member` (a leader makes these) or `leader` (the steunpunt admin). Default member.
    pub role: Option<MemberRole>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedInvite {
    pub id: String,
    /// The code itself: shown now only, Kring keeps just its hash.
    pub code: String,
    pub role: MemberRole,
    pub max_uses: i32,
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteView {
    pub id: String,
    pub role: MemberRole,
    pub max_uses: i32,
    pub uses: i32,
    pub expires_at: String,
    pub revoked: bool,
}

/// The action that governs invites of `role`.
fn action_for(role: MemberRole) -> Action {
    match role {
        MemberRole::Member => Action::ManageInvites,
        MemberRole::Leader => Action::AppointLeader,
    }
}

pub async fn create(
    state: &AppState,
    session: &Session,
    slug: &str,
    new: NewInvite,
) -> Result<CreatedInvite, AppError> {
    let role = new.role.unwrap_or(MemberRole::Member);
    let access = authorize(state, Some(session), slug, action_for(role)).await?;
    let max_uses = new.max_uses.unwrap_or(1);
    let days = new.expires_in_days.unwrap_or(14);
    if !(1..=500).contains(&max_uses) || (role == MemberRole::Leader && max_uses != 1) {
        return Err(AppError::invalid(
            "invalid_max_uses",
            "max_uses is 1 to 500, and exactly 1 for a leader invite.",
        ));
    }
    if !(1..=90).contains(&days) {
        return Err(AppError::invalid(
            "invalid_expiry",
            "expires_in_days is 1 to 90.",
        ));
    }
    let code = secrets::new_code(4);
    let hash = secrets::sha256_hex(&secrets::normalise_code(&code));
    let expires_at = time::now() + days * 24 * 3600;
    let (group_id, id) = (access.group.id, secrets::new_id());
    let stored_id = id.clone();
    state
        .db
        .run(move |conn| {
            diesel::insert_into(invites::table)
                .values((
                    invites::id.eq(&stored_id),
                    invites::group_id.eq(&group_id),
                    invites::code_hash.eq(&hash),
                    invites::role.eq(role.as_str()),
                    invites::max_uses.eq(max_uses),
                    invites::uses.eq(0),
                    invites::expires_at.eq(expires_at),
                    invites::revoked.eq(0i16),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(CreatedInvite {
        id,
        code,
        role,
        max_uses,
        expires_at: time::rfc3339(expires_at),
    })
}

/// The invites the asker may manage: member invites for leaders, leader invites for the
/// steunpunt.
pub async fn list(
    state: &AppState,
    session: &Session,
    slug: &str,
) -> Result<Vec<InviteView>, AppError> {
    let access = authorize(state, Some(session), slug, Action::ViewGroup).await?;
    let roles: Vec<&str> = [MemberRole::Member, MemberRole::Leader]
        .into_iter()
        .filter(|r| access.may(action_for(*r)))
        .map(MemberRole::as_str)
        .collect();
    if roles.is_empty() {
        access.check(Action::ManageInvites)?;
    }
    let group_id = access.group.id;
    state
        .db
        .run(move |conn| {
            let rows = invites::table
                .filter(invites::group_id.eq(&group_id))
                .filter(invites::role.eq_any(roles))
                .order(invites::expires_at.desc())
                .select((
                    invites::id,
                    invites::role,
                    invites::max_uses,
                    invites::uses,
                    invites::expires_at,
                    invites::revoked,
                ))
                .load::<(String, String, i32, i32, i64, i16)>(conn)?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, role, max_uses, uses, expires_at, revoked)| InviteView {
                        id,
                        role: MemberRole::parse(&role).unwrap_or(MemberRole::Member),
                        max_uses,
                        uses,
                        expires_at: time::rfc3339(expires_at),
                        revoked: revoked != 0,
                    },
                )
                .collect())
        })
        .await
}

pub async fn revoke(
    state: &AppState,
    session: &Session,
    slug: &str,
    invite_id: &str,
) -> Result<(), AppError> {
    let access = authorize(state, Some(session), slug, Action::ViewGroup).await?;
    let (group_id, id) = (access.group.id.clone(), invite_id.to_string());
    state
        .db
        .run(move |conn| {
            let role: String = invites::table
                .find(&id)
                .filter(invites::group_id.eq(&group_id))
                .select(invites::role)
                .first(conn)
                .optional()?
                .ok_or_else(AppError::not_found)?;
            access.check(action_for(
                MemberRole::parse(&role).unwrap_or(MemberRole::Member),
            ))?;
            diesel::update(invites::table.find(&id))
                .set(invites::revoked.eq(1i16))
                .execute(conn)?;
            Ok(())
        })
        .await
}

/// The usable invite of this group whose code matches, compared in constant time.
fn find_usable(
    conn: &mut DbConnection,
    group_id: &str,
    code: &str,
) -> Result<Option<(String, MemberRole)>, AppError> {
    let presented = secrets::sha256_hex(&secrets::normalise_code(code));
    let candidates = invites::table
        .filter(invites::group_id.eq(group_id))
        .filter(invites::revoked.eq(0i16))
        .filter(invites::expires_at.gt(time::now()))
        .filter(invites::uses.lt(invites::max_uses))
        .select((invites::id, invites::code_hash, invites::role))
        .load::<(String, String, String)>(conn)?;
    let mut found = None;
    for (id, hash, role) in candidates {
        if bool::from(hash.as_bytes().ct_eq(presented.as_bytes())) {
            found = Some((id, MemberRole::parse(&role).unwrap_or(MemberRole::Member)));
        }
    }
    Ok(found)
}

/// Joins with an invite code; a leader invite also lifts an existing member to leader.
pub(crate) async fn redeem(
    state: &AppState,
    session: &Session,
    access: GroupAccess,
    name: CheckedName,
    code: &str,
    body: JoinRequestBody,
) -> Result<Joined, AppError> {
    let code = code.to_string();
    let needs_approval = membership::needs_approval_after_invite(&access);
    let visible = access.may(Action::SeeInDirectory);
    let introduction = body.introduction.clone();
    let account_id = session.account.id.clone();
    let rules = membership::require_rules_accepted(&body);
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let group_id = &access.group.id;
                let refused = || {
                    if visible {
                        AppError::invalid(
                            "invalid_invite",
                            "This invite code does not work (any more). Ask a leader for a new one.",
                        )
                    } else {
                        AppError::not_found()
                    }
                };
                let Some((invite_id, role)) = find_usable(conn, group_id, &code)? else {
                    return Err(refused());
                };
                rules?;
                // One use, counted only while one is left: two people redeeming the last
                // use at once cannot both get it (PostgreSQL re-checks the row it locks).
                let spend = |conn: &mut DbConnection| -> Result<(), AppError> {
                    let spent = diesel::update(
                        invites::table
                            .find(&invite_id)
                            .filter(invites::uses.lt(invites::max_uses))
                            .filter(invites::revoked.eq(0i16))
                            .filter(invites::expires_at.gt(time::now())),
                    )
                    .set(invites::uses.eq(invites::uses + 1))
                    .execute(conn)?;
                    if spent == 1 { Ok(()) } else { Err(refused()) }
                };
                match (role, &access.membership) {
                    (MemberRole::Leader, Some(existing)) => {
                        spend(conn)?;
                        diesel::update(memberships::table.find(&existing.id))
                            .set(memberships::role.eq(MemberRole::Leader.as_str()))
                            .execute(conn)?;
                        modlog::record(conn, group_id, modlog::LEADER_JOINED, Some(&existing.display_name), None)?;
                        Ok(Joined::Active {
                            membership: membership::OwnMembership {
                                id: existing.id.clone(),
                                display_name: existing.display_name.clone(),
                                role: MemberRole::Leader,
                                muted: false,
                                banned: false,
                            },
                        })
                    }
                    (MemberRole::Leader, None) => {
                        spend(conn)?;
                        let joined = membership::insert_membership(
                            conn, group_id, &account_id, &name, MemberRole::Leader,
                        )?;
                        modlog::record(conn, group_id, modlog::LEADER_JOINED, Some(&name.shown), None)?;
                        Ok(Joined::Active { membership: joined })
                    }
                    (MemberRole::Member, Some(_)) => Err(crate::policy::Denial::AlreadyMember.into()),
                    (MemberRole::Member, None) if needs_approval => {
                        spend(conn)?;
                        let introduction = text::checked(
                            "introduction",
                            introduction.as_deref().unwrap_or(""),
                            10,
                            membership::INTRODUCTION_MAX,
                            true,
                        )?;
                        let id = requests::insert(
                            conn, group_id, &account_id, &name, Some(&introduction), MemberRole::Member,
                        )?;
                        Ok(Joined::Pending { join_request_id: id })
                    }
                    (MemberRole::Member, None) => {
                        spend(conn)?;
                        let joined = membership::insert_membership(
                            conn, group_id, &account_id, &name, MemberRole::Member,
                        )?;
                        Ok(Joined::Active { membership: joined })
                    }
                }
            })
        })
        .await
}
