//! Join requests to closed groups: the applicant's introduction, a leader's decision.
//!
//! The answer to a request never depends on who is in the group: names are compared only
//! when a leader approves, and a clash then asks the applicant to choose another name. The
//! introduction is deleted once decided. A decline and its reason stay for the applicant
//! until they read it (or retention removes it); an approval becomes a membership.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{self, GroupAccess};
use super::members::{self, NameCheck};
use super::model::OwnMembership;
use super::modlog::{self, ModlogAction};
use crate::db::DbConnection;
use crate::db::schema::join_requests;
use crate::error::AppError;
use crate::names::CheckedName;
use crate::policy::{Action, MemberRole};
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::text;
use crate::time;

text_enum! {
    /// Where a join request stands.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum RequestState {
        /// Waiting for a leader's decision.
        Pending = "pending",
        /// Approved, but the chosen name is in use: the applicant chooses another.
        ChooseName = "choose_name",
        /// Declined; the reason waits for the applicant to read it once.
        Declined = "declined",
    }
}

#[derive(Insertable)]
#[diesel(table_name = join_requests)]
struct NewRequest<'a> {
    id: String,
    group_id: &'a str,
    account_id: &'a str,
    display_name: &'a str,
    display_key: &'a str,
    introduction: Option<&'a str>,
    state: RequestState,
    role: MemberRole,
    requested_on: String,
}

/// Files a request (replacing any earlier one of this account, a decline read or not).
pub(crate) fn insert(
    conn: &mut DbConnection,
    group_id: &str,
    account_id: &str,
    name: &CheckedName,
    introduction: &str,
) -> Result<String, AppError> {
    diesel::delete(
        join_requests::table
            .filter(join_requests::group_id.eq(group_id))
            .filter(join_requests::account_id.eq(account_id)),
    )
    .execute(conn)?;
    let id = secrets::new_id();
    diesel::insert_into(join_requests::table)
        .values(NewRequest {
            id: id.clone(),
            group_id,
            account_id,
            display_name: &name.shown,
            display_key: &name.key,
            introduction: Some(introduction),
            state: RequestState::Pending,
            role: MemberRole::Member,
            requested_on: time::today(),
        })
        .execute(conn)
        .map_err(|e| {
            crate::db::on_unique_violation(e, || crate::policy::Denial::AlreadyPending.into())
        })?;
    Ok(id)
}

/// Settles whatever request this account had here (it became a member another way).
pub(crate) fn settle(
    conn: &mut DbConnection,
    group_id: &str,
    account_id: &str,
) -> Result<(), AppError> {
    diesel::delete(
        join_requests::table
            .filter(join_requests::group_id.eq(group_id))
            .filter(join_requests::account_id.eq(account_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// A request as leaders see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingRequest {
    pub id: String,
    pub display_name: String,
    pub introduction: String,
}

/// The requests waiting for a decision.
pub fn pending(
    conn: &mut DbConnection,
    access: &GroupAccess,
) -> Result<Vec<PendingRequest>, AppError> {
    access.check(Action::ViewJoinRequests)?;
    let rows = join_requests::table
        .filter(join_requests::group_id.eq(&access.group.id))
        .filter(join_requests::state.eq(RequestState::Pending))
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
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub approve: bool,
    /// Needed when declining, 3-500 characters after trimming: the applicant reads it.
    /// Ignored when approving.
    #[schema(example = "De groep is op dit moment vol.")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Decided {
    pub approved: bool,
    /// The new member's id, when approved and the name was free.
    pub membership_id: Option<String>,
    /// Approved, but the name is in use: the applicant is asked to choose another.
    pub waiting_for_new_name: bool,
}

/// A leader decides a join request (found by its own id; the group follows from it). The
/// decision is taken on facts read inside the transaction that writes it.
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
        .write(move |conn| {
            // The group first, then its lock, then the request as it is now: a decision that
            // waited for another leader's sees that one's outcome.
            let group_id: Option<String> = join_requests::table
                .find(&id)
                .select(join_requests::group_id)
                .first(conn)
                .optional()?;
            let Some(group_id) = group_id else {
                return Err(AppError::not_found());
            };
            let slug = access::slug_of(conn, &group_id)?;
            let access = access::reload(conn, &slug, &session)?;
            // Someone who may not decide learns nothing about the request.
            if !access.may(Action::DecideJoinRequest) {
                return Err(AppError::not_found());
            }
            let found = join_requests::table
                .find(&id)
                .filter(join_requests::state.eq(RequestState::Pending))
                .select((join_requests::account_id, join_requests::display_name))
                .first::<(String, String)>(conn)
                .optional()?;
            let Some((account_id, display_name)) = found else {
                return Err(AppError::not_found());
            };
            if let Some(reason) = reason {
                diesel::update(join_requests::table.find(&id))
                    .set((
                        join_requests::state.eq(RequestState::Declined),
                        join_requests::introduction.eq(None::<String>),
                        join_requests::reason.eq(Some(&reason)),
                        join_requests::decided_at.eq(Some(time::now())),
                    ))
                    .execute(conn)?;
                // Not named: someone who never became a member stays out of the log.
                modlog::record(
                    conn,
                    &group_id,
                    ModlogAction::JoinRequestDeclined,
                    None,
                    None,
                )?;
                return Ok(Decided {
                    approved: false,
                    membership_id: None,
                    waiting_for_new_name: false,
                });
            }
            let name = crate::names::check_display(&display_name)
                .map_err(|e| e.into_app_error(crate::names::NameKind::Display))?;
            if !members::name_free(conn, &group_id, &name.key, &account_id)? {
                diesel::update(join_requests::table.find(&id))
                    .set((
                        join_requests::state.eq(RequestState::ChooseName),
                        join_requests::introduction.eq(None::<String>),
                        join_requests::decided_at.eq(Some(time::now())),
                    ))
                    .execute(conn)?;
                return Ok(Decided {
                    approved: true,
                    membership_id: None,
                    waiting_for_new_name: true,
                });
            }
            let member = members::insert_membership(
                conn,
                &group_id,
                &account_id,
                &name,
                MemberRole::Member,
                NameCheck::AlreadyDone,
            )?;
            modlog::record_about(
                conn,
                &group_id,
                ModlogAction::JoinRequestApproved,
                &member,
                None,
            )?;
            Ok(Decided {
                approved: true,
                membership_id: Some(member.id),
                waiting_for_new_name: false,
            })
        })
        .await
}

/// An approved applicant whose name was taken chooses another, and becomes a member.
pub async fn choose_name(
    state: &AppState,
    session: &Session,
    slug: &str,
    name: CheckedName,
) -> Result<OwnMembership, AppError> {
    access::writing(state, session, slug, None, move |conn, access| {
        access.check(Action::ViewOwnJoinRequest)?;
        if access.request != Some(RequestState::ChooseName) {
            return Err(AppError::conflict(
                "no_name_to_choose",
                "There is no approved request of yours waiting for a name here.",
            ));
        }
        let account_id = access.account()?;
        let member = members::insert_membership(
            conn,
            &access.group.id,
            account_id,
            &name,
            MemberRole::Member,
            NameCheck::Now,
        )?;
        modlog::record_about(
            conn,
            &access.group.id,
            ModlogAction::JoinRequestApproved,
            &member,
            None,
        )?;
        Ok(member)
    })
    .await
}

/// The applicant's own view of their request.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnRequest {
    pub id: String,
    pub state: RequestState,
    pub display_name: String,
    /// The leader's reason, when declined.
    pub reason: Option<String>,
}

/// Shows the applicant their request. A decline is shown once, then forgotten.
pub fn own(conn: &mut DbConnection, access: &GroupAccess) -> Result<Option<OwnRequest>, AppError> {
    access.check(Action::ViewOwnJoinRequest)?;
    if access.request.is_none() {
        return Ok(None);
    }
    let found = join_requests::table
        .filter(join_requests::group_id.eq(&access.group.id))
        .filter(join_requests::account_id.eq(access.account()?))
        .select((
            join_requests::id,
            join_requests::state,
            join_requests::display_name,
            join_requests::reason,
        ))
        .first::<(String, RequestState, String, Option<String>)>(conn)
        .optional()?;
    if let Some((id, RequestState::Declined, _, _)) = &found {
        // Read once: a single delete, no transaction needed on this read path.
        diesel::delete(join_requests::table.find(id)).execute(conn)?;
    }
    Ok(found.map(|(id, state, display_name, reason)| OwnRequest {
        id,
        state,
        display_name,
        reason,
    }))
}

/// Deletes requests no leader decided on within `days` days of being made, introduction
/// and all; the applicant may ask again.
pub fn purge_undecided(conn: &mut DbConnection, days: u32) -> Result<usize, AppError> {
    Ok(diesel::delete(
        join_requests::table
            .filter(join_requests::state.eq(RequestState::Pending))
            .filter(join_requests::requested_on.lt(time::days_ago(days))),
    )
    .execute(conn)?)
}

/// Decided requests nobody settled within `days` are forgotten (retention): unread declines,
/// and approvals still waiting for a new name.
pub fn purge_decided(conn: &mut DbConnection, days: u32) -> Result<usize, AppError> {
    let cutoff = time::now() - i64::from(days) * 24 * 3600;
    Ok(diesel::delete(
        join_requests::table
            .filter(join_requests::state.ne(RequestState::Pending))
            .filter(join_requests::decided_at.lt(cutoff)),
    )
    .execute(conn)?)
}
