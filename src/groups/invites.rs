//! Invite codes: made by a leader (member invites) or the steunpunt (leader invites), handed
//! out at the face-to-face meeting. At least 80 random bits, stored only as a hash, compared
//! by that hash, not linked to whoever made them; redemption (`joining`) is rate-limited.
//! Used-up, expired and revoked codes are purged.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{self, GroupAccess};
use crate::db::DbConnection;
use crate::db::schema::invites;
use crate::error::AppError;
use crate::policy::{Action, MemberRole};
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::time;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// How many people may use it (1-500; leader invites: 1). Default 1.
    #[schema(minimum = 1, maximum = 500, example = 10)]
    pub max_uses: Option<i32>,
    /// Days until it expires (1-90). Default 14.
    #[schema(minimum = 1, maximum = 90, example = 14)]
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

#[derive(Insertable)]
#[diesel(table_name = invites)]
struct NewInviteRow<'a> {
    id: &'a str,
    group_id: &'a str,
    code_hash: String,
    role: MemberRole,
    max_uses: i32,
    uses: i32,
    expires_at: i64,
    revoked: bool,
}

pub async fn create(
    state: &AppState,
    session: &Session,
    slug: &str,
    new: NewInvite,
) -> Result<CreatedInvite, AppError> {
    let role = new.role.unwrap_or(MemberRole::Member);
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
    let code_hash = secrets::sha256_hex(&secrets::normalise_code(&code));
    let expires_at = time::now() + days * 24 * 3600;
    let id = secrets::new_id();
    let stored_id = id.clone();
    access::writing(state, session, slug, None, move |conn, access| {
        access.check(action_for(role))?;
        diesel::insert_into(invites::table)
            .values(NewInviteRow {
                id: &stored_id,
                group_id: &access.group.id,
                code_hash,
                role,
                max_uses,
                uses: 0,
                expires_at,
                revoked: false,
            })
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
pub fn list(conn: &mut DbConnection, access: &GroupAccess) -> Result<Vec<InviteView>, AppError> {
    let roles: Vec<MemberRole> = MemberRole::ALL
        .iter()
        .copied()
        .filter(|r| access.may(action_for(*r)))
        .collect();
    if roles.is_empty() {
        access.check(Action::ManageInvites)?;
    }
    let rows = invites::table
        .filter(invites::group_id.eq(&access.group.id))
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
        .load::<(String, MemberRole, i32, i32, i64, bool)>(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, role, max_uses, uses, expires_at, revoked)| InviteView {
                id,
                role,
                max_uses,
                uses,
                expires_at: time::rfc3339(expires_at),
                revoked,
            },
        )
        .collect())
}

pub async fn revoke(
    state: &AppState,
    session: &Session,
    slug: &str,
    invite_id: &str,
) -> Result<(), AppError> {
    let id = invite_id.to_string();
    access::writing(state, session, slug, None, move |conn, access| {
        if !MemberRole::ALL.iter().any(|r| access.may(action_for(*r))) {
            access.check(Action::ManageInvites)?;
        }
        let role: MemberRole = invites::table
            .find(&id)
            .filter(invites::group_id.eq(&access.group.id))
            .select(invites::role)
            .first(conn)
            .optional()?
            .ok_or_else(AppError::not_found)?;
        access.check(action_for(role))?;
        diesel::update(invites::table.find(&id))
            .set(invites::revoked.eq(true))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// Invites that can no longer be used (expired, used up, revoked) are deleted (retention).
pub fn purge_spent(conn: &mut DbConnection) -> Result<usize, AppError> {
    Ok(diesel::delete(
        invites::table.filter(
            invites::expires_at
                .le(time::now())
                .or(invites::uses.ge(invites::max_uses))
                .or(invites::revoked.eq(true)),
        ),
    )
    .execute(conn)?)
}
