//! Joining (directly, by introduction, by invite code), leaving, and one's own display name.
//!
//! The policy picks the path (`policy::join_path`); each join is decided and written in one
//! transaction, so a group that closes while someone joins cannot take them in unapproved.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{self, GroupAccess};
use super::members::{self, NameCheck};
use super::model::OwnMembership;
use super::modlog::{self, ModlogAction};
use super::requests;
use crate::db::DbConnection;
use crate::db::schema::{invites, memberships};
use crate::error::AppError;
use crate::limits::{Attempt, SourceKey};
use crate::names::{self, CheckedName, NameKind};
use crate::policy::{self, Action, Actor, JoinPath, MemberRole};
use crate::sessions::Session;
use crate::state::AppState;
use crate::text;
use crate::time;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequestBody {
    /// The name to be known by in this group only: 3-32 letters (of any script), digits, `_`
    /// or `-`, counted after trimming and Unicode NFKC normalisation; no invisible or
    /// direction-changing characters.
    #[schema(min_length = 3, max_length = 32, example = "Zonnebloem")]
    pub display_name: String,
    /// Needed for a closed group with approval: who you are and why you'd like to join,
    /// 10-2000 characters after trimming. Ignored where no leader decides.
    #[schema(example = "Ik ben Anna en ik zoek mensen die hetzelfde meemaken.")]
    pub introduction: Option<String>,
    /// The code from the face-to-face meeting.
    pub invite_code: Option<String>,
    /// Joining means accepting the group's house rules.
    #[serde(default)]
    #[schema(example = true)]
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

pub(crate) fn display_name(raw: &str) -> Result<CheckedName, AppError> {
    names::check_display(raw).map_err(|e| e.into_app_error(NameKind::Display))
}

/// An invite code as typed, or `None` when the field was left empty.
pub fn presented_code(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

pub const INTRODUCTION_MAX: usize = 2000;

/// Joins a group as the group's mode, join policy and the invite code (if any) say.
pub async fn join(
    state: &AppState,
    session: &Session,
    source: SourceKey,
    slug: &str,
    body: JoinRequestBody,
) -> Result<Joined, AppError> {
    let code = presented_code(body.invite_code.as_deref());
    if code.is_some() {
        // Counted first, before anything else can fail and before the group is looked up:
        // a hidden group and a missing one answer alike however many codes are tried.
        state
            .limits
            .check(Attempt::Invite, source, Some(&session.account.id))?;
    }
    let name = display_name(&body.display_name)?;
    let action = match code {
        Some(_) => Action::JoinWithInvite,
        None => Action::Join,
    };
    let joined = access::writing(state, session, slug, code, move |conn, access| {
        access.check(action)?;
        if !body.accept_house_rules {
            return Err(AppError::invalid(
                "house_rules_not_accepted",
                "Joining means accepting the group's house rules: read them and say yes.",
            ));
        }
        let invite_role = access.invite.as_ref().map(|(_, role)| *role);
        if let Some((invite_id, _)) = &access.invite {
            spend(conn, access, invite_id)?;
        }
        let group_id = &access.group.id;
        let account_id = access.account()?;
        match policy::join_path(&access.facts, invite_role) {
            JoinPath::Introduction => {
                let introduction = text::checked(
                    "introduction",
                    body.introduction.as_deref().unwrap_or(""),
                    10,
                    INTRODUCTION_MAX,
                    true,
                )?;
                let id = requests::insert(conn, group_id, account_id, &name, &introduction)?;
                Ok(Joined::Pending {
                    join_request_id: id,
                })
            }
            JoinPath::Direct(role) => {
                let membership = match &access.membership {
                    // The policy lets an existing member in again only with a leader invite.
                    Some(existing) => {
                        diesel::update(memberships::table.find(&existing.id))
                            .set(memberships::role.eq(MemberRole::Leader))
                            .execute(conn)?;
                        OwnMembership {
                            role: MemberRole::Leader,
                            ..existing.own()
                        }
                    }
                    None => members::insert_membership(
                        conn,
                        group_id,
                        account_id,
                        &name,
                        role,
                        NameCheck::Now,
                    )?,
                };
                if membership.role == MemberRole::Leader {
                    let logged = ModlogAction::LeaderJoined;
                    modlog::record_about(conn, group_id, logged, &membership, None)?;
                }
                Ok(Joined::Active { membership })
            }
        }
    })
    .await?;
    if let Joined::Active { membership } = &joined
        && membership.role == MemberRole::Leader
    {
        // A member who became a leader: their chat connections count as a leader's now.
        crate::chat::bus::tell_member(state, &membership.id, "role_changed", None).await;
    }
    Ok(joined)
}

/// Spends one use of the invite, only while one is left: two people redeeming the last use
/// at once cannot both get it (PostgreSQL re-checks the row it locks). A lost race answers
/// as the policy answers someone without a usable code.
fn spend(conn: &mut DbConnection, access: &GroupAccess, invite_id: &str) -> Result<(), AppError> {
    let spent = diesel::update(
        invites::table
            .find(invite_id)
            .filter(invites::uses.lt(invites::max_uses))
            .filter(invites::revoked.eq(false))
            .filter(invites::expires_at.gt(time::now())),
    )
    .set(invites::uses.eq(invites::uses + 1))
    .execute(conn)?;
    if spent == 1 {
        return Ok(());
    }
    let without = Actor {
        invite: None,
        ..access.actor
    };
    policy::decide(&without, &access.facts, Action::JoinWithInvite).require()?;
    Err(crate::policy::Denial::InvalidInvite.into())
}

/// Checks an invite code for a group without using it, for the page that asks for the code:
/// a valid code opens the group's page (with its house rules) to the one who holds it.
pub async fn with_code(
    state: &AppState,
    session: &Session,
    source: SourceKey,
    slug: &str,
    code: String,
) -> Result<GroupAccess, AppError> {
    state
        .limits
        .check(Attempt::Invite, source, Some(&session.account.id))?;
    access::reading(state, Some(session), slug, Some(code), |_, access| {
        access.check(Action::ViewGroup)?;
        if access.invite.is_none() {
            return Err(crate::policy::Denial::InvalidInvite.into());
        }
        Ok(access.clone())
    })
    .await
}

/// Leaves a group: the membership (or the request) is erased, and the moderation log stops
/// naming it.
/// Leaves the group: the membership (or waiting request) is erased, and what the member
/// wrote is deleted or kept under "former member", as they choose.
pub async fn leave(
    state: &AppState,
    session: &Session,
    slug: &str,
    posts: crate::forum::erasure::PostsChoice,
) -> Result<(), AppError> {
    let left = access::writing(state, session, slug, None, move |conn, access| {
        access.check(Action::Leave)?;
        let account_id = access.account()?;
        let left = access.membership.as_ref().map(|m| m.id.clone());
        if let Some(membership) = &access.membership {
            crate::forum::erasure::erase(conn, std::slice::from_ref(&membership.id), posts)?;
            crate::chat::erasure::erase(conn, std::slice::from_ref(&membership.id), posts)?;
            diesel::delete(memberships::table.find(&membership.id)).execute(conn)?;
            modlog::forget_memberships(conn, std::slice::from_ref(&membership.id))?;
        }
        requests::settle(conn, &access.group.id, account_id)?;
        Ok(left)
    })
    .await?;
    if let Some(membership) = left {
        crate::chat::bus::tell_member(state, &membership, "left", None).await;
    }
    Ok(())
}

pub async fn rename(
    state: &AppState,
    session: &Session,
    slug: &str,
    new_name: &str,
) -> Result<OwnMembership, AppError> {
    let name = display_name(new_name)?;
    access::writing(state, session, slug, None, move |conn, access| {
        access.check(Action::ChangeDisplayName)?;
        let membership = access.membership.as_ref().ok_or_else(AppError::not_found)?;
        if !members::name_free(
            conn,
            &membership.group_id,
            &name.key,
            &membership.account_id,
        )? {
            return Err(members::name_taken());
        }
        diesel::update(memberships::table.find(&membership.id))
            .set((
                memberships::display_name.eq(&name.shown),
                memberships::display_key.eq(&name.key),
            ))
            .execute(conn)
            .map_err(|e| crate::db::on_unique_violation(e, members::name_taken))?;
        Ok(OwnMembership {
            display_name: name.shown.clone(),
            ..membership.own()
        })
    })
    .await
}
