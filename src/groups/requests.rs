//! Join requests to closed groups: the applicant's introduction, a leader's decision.
//!
//! The introduction is deleted once decided. A decline and its reason stay for the applicant
//! until they read it (or retention removes it); an approval becomes a membership at once.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    GroupAccess, MemberRole, access_blocking, authorize, load_group_by_id, membership, modlog,
};
use crate::db::schema::join_requests;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::names::CheckedName;
use crate::policy::Action;
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::text;
use crate::time;

pub const PENDING: &str = "pending";
pub const DECLINED: &str = "declined";

pub(crate) fn insert(
    conn: &mut DbConnection,
    group_id: &str,
    account_id: &str,
    name: &CheckedName,
    introduction: Option<&str>,
    role: MemberRole,
) -> Result<String, AppError> {
    // A decline read or not, a new request replaces it.
    diesel::delete(
        join_requests::table
            .filter(join_requests::group_id.eq(group_id))
            .filter(join_requests::account_id.eq(account_id)),
    )
    .execute(conn)?;
    let free = membership::name_free(conn, group_id, &name.key, account_id)?;
    if !free {
        return Err(AppError::conflict(
            "display_name_taken",
            "Someone in this group already uses this name. Choose another one.",
        ));
    }
    let id = secrets::new_id();
    diesel::insert_into(join_requests::table)
        .values((
            join_requests::id.eq(&id),
            join_requests::group_id.eq(group_id),
            join_requests::account_id.eq(account_id),
            join_requests::display_name.eq(&name.shown),
            join_requests::display_key.eq(&name.key),
            join_requests::introduction.eq(introduction),
            join_requests::state.eq(PENDING),
            join_requests::role.eq(role.as_str()),
        ))
        .execute(conn)
        .map_err(|e| db::on_unique_violation(e, || crate::policy::Denial::AlreadyPending.into()))?;
    Ok(id)
}

/// A request as leaders see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingRequest {
    pub id: String,
    pub display_name: String,
    pub introduction: String,
}

pub async fn pending(
    state: &AppState,
    session: &Session,
    slug: &str,
) -> Result<Vec<PendingRequest>, AppError> {
    let access = authorize(state, Some(session), slug, Action::ViewJoinRequests).await?;
    let group_id = access.group.id;
    state
        .db
        .run(move |conn| {
            let rows = join_requests::table
                .filter(join_requests::group_id.eq(&group_id))
                .filter(join_requests::state.eq(PENDING))
                .order(join_requests::display_key)
                .select((
                    join_requests::id,
                    join_requests::display_name,
                    join_requests::introduction,
                ))
                .load::<(String, String, Option<String>)>(conn)?;
            Ok(rows
                .into_iter()
                .map(|(id, display_name, introduction)| PendingRequest {
                    id,
                    display_name,
                    introduction: introduction.unwrap_or_default(),
                })
                .collect())
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub approve: bool,
    /// Needed when declining: the applicant reads it.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Decided {
    pub approved: bool,
    /// The new member's id, when approved.
    pub membership_id: Option<String>,
}

/// A leader decides a join request (found by its own id; the group follows from it).
pub async fn decide(
    state: &AppState,
    session: &Session,
    request_id: &str,
    decision: Decision,
) -> Result<Decided, AppError> {
    let reason = match (decision.approve, decision.reason.as_deref()) {
        (false, reason) => Some(text::checked("reason", reason.unwrap_or(""), 3, 500, true)?),
        (true, _) => None,
    };
    let (id, session) = (request_id.to_string(), session.clone());
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let found = join_requests::table
                    .find(&id)
                    .filter(join_requests::state.eq(PENDING))
                    .select((
                        join_requests::group_id,
                        join_requests::account_id,
                        join_requests::display_name,
                        join_requests::role,
                    ))
                    .first::<(String, String, String, String)>(conn)
                    .optional()?;
                let Some((group_id, account_id, display_name, role)) = found else {
                    return Err(AppError::not_found());
                };
                let slug = load_group_by_id(conn, &group_id)?.slug;
                let access: GroupAccess = access_blocking(conn, &slug, Some(&session))?;
                // Someone who may not decide learns nothing about the request.
                if !access.may(Action::DecideJoinRequest) {
                    return Err(AppError::not_found());
                }
                if decision.approve {
                    diesel::delete(join_requests::table.find(&id)).execute(conn)?;
                    if access_blocking_member(conn, &group_id, &account_id)? {
                        return Err(crate::policy::Denial::AlreadyMember.into());
                    }
                    let name = crate::names::check_display(&display_name)
                        .map_err(|e| e.into_app_error(crate::names::NameKind::Display))?;
                    let role = MemberRole::parse(&role).unwrap_or(MemberRole::Member);
                    let member =
                        membership::insert_membership(conn, &group_id, &account_id, &name, role)?;
                    modlog::record(
                        conn,
                        &group_id,
                        modlog::JOIN_APPROVED,
                        Some(&display_name),
                        None,
                    )?;
                    Ok(Decided {
                        approved: true,
                        membership_id: Some(member.id),
                    })
                } else {
                    diesel::update(join_requests::table.find(&id))
                        .set((
                            join_requests::state.eq(DECLINED),
                            join_requests::introduction.eq(None::<String>),
                            join_requests::reason.eq(reason.as_deref()),
                            join_requests::decided_at.eq(Some(time::now())),
                        ))
                        .execute(conn)?;
                    // Not named: someone who never became a member stays out of the log.
                    modlog::record(conn, &group_id, modlog::JOIN_DECLINED, None, None)?;
                    Ok(Decided {
                        approved: false,
                        membership_id: None,
                    })
                }
            })
        })
        .await
}

fn access_blocking_member(
    conn: &mut DbConnection,
    group_id: &str,
    account_id: &str,
) -> Result<bool, AppError> {
    use crate::db::schema::memberships;
    let n: i64 = memberships::table
        .filter(memberships::group_id.eq(group_id))
        .filter(memberships::account_id.eq(account_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The applicant's own view of their request.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnRequest {
    pub id: String,
    /// `pending` or `declined`.
    pub state: String,
    pub display_name: String,
    /// The leader's reason, when declined.
    pub reason: Option<String>,
}

/// Shows the applicant their request. A decline is shown once, then forgotten.
pub async fn own(
    state: &AppState,
    session: &Session,
    slug: &str,
) -> Result<Option<OwnRequest>, AppError> {
    let access = authorize(state, Some(session), slug, Action::ViewOwnJoinRequest).await?;
    let (group_id, account_id) = (access.group.id, session.account.id.clone());
    state
        .db
        .run(move |conn| {
            let found = join_requests::table
                .filter(join_requests::group_id.eq(&group_id))
                .filter(join_requests::account_id.eq(&account_id))
                .select((
                    join_requests::id,
                    join_requests::state,
                    join_requests::display_name,
                    join_requests::reason,
                ))
                .first::<(String, String, String, Option<String>)>(conn)
                .optional()?;
            if let Some((id, state, _, _)) = &found
                && state == DECLINED
            {
                // Read once: a single delete, no transaction needed on this read path.
                diesel::delete(join_requests::table.find(id)).execute(conn)?;
            }
            Ok(found.map(|(id, state, display_name, reason)| OwnRequest {
                id,
                state,
                display_name,
                reason,
            }))
        })
        .await
}

/// Declines nobody read within `days` are forgotten (retention).
pub fn purge_declined(conn: &mut DbConnection, days: u32) -> Result<usize, AppError> {
    let cutoff = time::now() - i64::from(days) * 24 * 3600;
    Ok(diesel::delete(
        join_requests::table
            .filter(join_requests::state.eq(DECLINED))
            .filter(join_requests::decided_at.lt(cutoff)),
    )
    .execute(conn)?)
}
