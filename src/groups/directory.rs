//! The directory (sociale kaart): every group the asker may see there, filtered; and an
//! account's own groups. The policy is asked per group, on the same facts `access` gathers,
//! loaded in bulk: a few queries for the whole page, not a few per group.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{actor_from, stage, stage_columns};
use super::model::{DirectoryEntry, Group, MembershipRow, Theme};
use super::requests::RequestState;
use crate::db::DbConnection;
use crate::db::schema::{groups, join_requests, memberships, steunpunt_admins, steunpunten};
use crate::error::AppError;
use crate::policy::{self, Action, GroupFacts, MemberRole, Mode};
use crate::sessions::Session;
use crate::state::AppState;

diesel::alias!(
    memberships as anyone: AnyMembership,
    join_requests as any_request: AnyRequest
);

/// Directory filters; all optional, combined with AND.
#[derive(Debug, Default, Clone, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryFilter {
    /// A steunpunt's slug.
    #[param(nullable = false)]
    pub steunpunt: Option<String>,
    #[param(nullable = false)]
    pub theme: Option<Theme>,
    #[param(nullable = false)]
    pub mode: Option<Mode>,
    /// Part of the region's name.
    #[param(nullable = false)]
    pub region: Option<String>,
    /// Words to find in the name or description.
    #[param(nullable = false)]
    pub q: Option<String>,
}

fn matches_text(haystack: &[&str], needle: &str) -> bool {
    let needle = needle.trim().to_lowercase();
    needle.is_empty()
        || needle.split_whitespace().all(|word| {
            haystack
                .iter()
                .any(|field| field.to_lowercase().contains(word))
        })
}

/// The directory, as `session` may see it.
pub async fn directory(
    state: &AppState,
    session: Option<&Session>,
    filter: DirectoryFilter,
) -> Result<Vec<DirectoryEntry>, AppError> {
    let session = session.cloned();
    state
        .db
        .run(move |conn| directory_in(conn, session.as_ref(), &filter))
        .await
}

pub(crate) fn directory_in(
    conn: &mut DbConnection,
    session: Option<&Session>,
    filter: &DirectoryFilter,
) -> Result<Vec<DirectoryEntry>, AppError> {
    let mut query = groups::table
        .inner_join(steunpunten::table)
        .select((Group::as_select(), stage_columns!()))
        .order(groups::name)
        .into_boxed();
    if let Some(sp) = &filter.steunpunt {
        query = query.filter(steunpunten::slug.eq(sp.clone()));
    }
    if let Some(theme) = filter.theme {
        query = query.filter(groups::theme.eq(theme));
    }
    if let Some(mode) = filter.mode {
        query = query.filter(groups::mode.eq(mode));
    }
    let rows = query.load::<(Group, (bool, bool))>(conn)?;
    let asker = Asker::load(conn, session)?;
    let mut entries = vec![];
    for (group, (has_leader, occupied)) in rows {
        if let Some(region) = &filter.region
            && !matches_text(&[&group.region], region)
        {
            continue;
        }
        if let Some(q) = &filter.q
            && !matches_text(&[&group.name, &group.description], q)
        {
            continue;
        }
        let facts = GroupFacts {
            access: group.access_settings(),
            stage: stage(has_leader, occupied),
        };
        let actor = actor_from(
            session,
            asker.memberships.get(&group.id),
            asker.requests.get(&group.id).copied(),
            asker.admin_of.contains(&group.steunpunt_id),
            None,
        );
        if policy::decide(&actor, &facts, Action::SeeInDirectory).is_allowed() {
            entries.push(group.entry());
        }
    }
    Ok(entries)
}

/// Everything about the asker that the directory's decisions need, in three queries.
#[derive(Default)]
struct Asker {
    memberships: HashMap<String, MembershipRow>,
    requests: HashMap<String, RequestState>,
    admin_of: HashSet<String>,
}

impl Asker {
    fn load(conn: &mut DbConnection, session: Option<&Session>) -> Result<Asker, AppError> {
        let Some(session) = session else {
            return Ok(Asker::default());
        };
        let id = &session.account.id;
        Ok(Asker {
            memberships: memberships::table
                .filter(memberships::account_id.eq(id))
                .select(MembershipRow::as_select())
                .load(conn)?
                .into_iter()
                .map(|m: MembershipRow| (m.group_id.clone(), m))
                .collect(),
            requests: join_requests::table
                .filter(join_requests::account_id.eq(id))
                .select((join_requests::group_id, join_requests::state))
                .load::<(String, RequestState)>(conn)?
                .into_iter()
                .collect(),
            admin_of: steunpunt_admins::table
                .filter(steunpunt_admins::account_id.eq(id))
                .select(steunpunt_admins::steunpunt_id)
                .load::<String>(conn)?
                .into_iter()
                .collect(),
        })
    }
}

/// One of my groups, for my own account page only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyGroup {
    pub slug: String,
    pub name: String,
    pub display_name: String,
    /// `member`, `leader`, or for a join request its state (`pending`, `choose_name`,
    /// `declined`).
    pub standing: String,
    /// The membership's or the request's id.
    pub id: String,
}

/// The groups an account belongs to or waits for. Shown to that account alone.
pub async fn mine(state: &AppState, session: &Session) -> Result<Vec<MyGroup>, AppError> {
    let id = session.account.id.clone();
    state.db.run(move |conn| mine_in(conn, &id)).await
}

pub(crate) fn mine_in(conn: &mut DbConnection, id: &str) -> Result<Vec<MyGroup>, AppError> {
    let mut out: Vec<MyGroup> = memberships::table
        .inner_join(groups::table)
        .filter(memberships::account_id.eq(id))
        .select((
            groups::slug,
            groups::name,
            memberships::display_name,
            memberships::role,
            memberships::id,
        ))
        .load::<(String, String, String, MemberRole, String)>(conn)?
        .into_iter()
        .map(|(slug, name, display_name, role, id)| MyGroup {
            slug,
            name,
            display_name,
            standing: role.as_str().into(),
            id,
        })
        .collect();
    let waiting = join_requests::table
        .inner_join(groups::table)
        .filter(join_requests::account_id.eq(id))
        .select((
            groups::slug,
            groups::name,
            join_requests::display_name,
            join_requests::state,
            join_requests::id,
        ))
        .load::<(String, String, String, RequestState, String)>(conn)?;
    out.extend(
        waiting
            .into_iter()
            .map(|(slug, name, display_name, state, id)| MyGroup {
                slug,
                name,
                display_name,
                standing: state.as_str().into(),
                id,
            }),
    );
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
