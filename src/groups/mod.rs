//! Groups: directory data and settings, and the facts the access policy judges.
//!
//! Every read or write of a group goes through [`authorize`] (or [`GroupAccess::check`]),
//! which gathers the facts and asks `policy::decide`. This module compares no roles itself.

pub mod invites;
pub mod membership;
pub mod modlog;
pub mod requests;

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::Role;
use crate::db::schema::{groups, join_requests, memberships, steunpunt_admins, steunpunten};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::markdown::{self, SanitizedHtml};
use crate::policy::{
    self, Action, Actor, Decision, GroupFacts, JoinPolicy, Mode, Relation, SteunpuntAction,
    SteunpuntActor,
};
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::text;
use crate::time;

/// The theme categories of the sociale kaart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Somatic,
    MentalHealth,
    Addiction,
    LifeSituation,
    Relatives,
}

text_enum!(Theme {
    Somatic = "somatic",
    MentalHealth = "mental_health",
    Addiction = "addiction",
    LifeSituation = "life_situation",
    Relatives = "relatives",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Starting,
    Active,
    Stopped,
}

text_enum!(Status {
    Starting = "starting",
    Active = "active",
    Stopped = "stopped",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Member,
    Leader,
}

text_enum!(MemberRole {
    Member = "member",
    Leader = "leader",
});

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = groups)]
pub struct GroupRow {
    pub id: String,
    pub steunpunt_id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub theme: String,
    pub region: String,
    pub meeting_rhythm: String,
    pub meeting_place: String,
    pub online_only: i16,
    pub status: String,
    pub mode: String,
    pub join_policy: String,
    pub listed: i16,
    pub house_rules: String,
}

/// A group as the service layer works with it.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub steunpunt_id: String,
    pub steunpunt_slug: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub theme: Theme,
    pub region: String,
    pub meeting_rhythm: String,
    pub meeting_place: String,
    pub online_only: bool,
    pub status: Status,
    pub mode: Mode,
    pub join_policy: JoinPolicy,
    pub listed: bool,
    pub house_rules: String,
}

impl Group {
    fn from_row(row: GroupRow, steunpunt_slug: String) -> Group {
        Group {
            id: row.id,
            steunpunt_id: row.steunpunt_id,
            steunpunt_slug,
            slug: row.slug,
            name: row.name,
            description: row.description,
            theme: Theme::parse(&row.theme).unwrap_or(Theme::LifeSituation),
            region: row.region,
            meeting_rhythm: row.meeting_rhythm,
            meeting_place: row.meeting_place,
            online_only: row.online_only != 0,
            status: Status::parse(&row.status).unwrap_or(Status::Active),
            mode: Mode::parse(&row.mode).unwrap_or(Mode::Closed),
            join_policy: JoinPolicy::parse(&row.join_policy).unwrap_or(JoinPolicy::Approval),
            listed: row.listed != 0,
            house_rules: row.house_rules,
        }
    }

    pub fn facts(&self) -> GroupFacts {
        GroupFacts {
            mode: self.mode,
            join_policy: self.join_policy,
            listed: self.listed,
        }
    }

    pub fn house_rules_html(&self) -> SanitizedHtml {
        markdown::render(&self.house_rules)
    }

    pub fn entry(&self) -> DirectoryEntry {
        DirectoryEntry {
            slug: self.slug.clone(),
            name: self.name.clone(),
            steunpunt: self.steunpunt_slug.clone(),
            description: self.description.clone(),
            theme: self.theme,
            region: self.region.clone(),
            meeting_rhythm: self.meeting_rhythm.clone(),
            meeting_place: self.meeting_place.clone(),
            online_only: self.online_only,
            status: self.status,
            mode: self.mode,
            join_policy: (self.mode == Mode::Closed).then_some(self.join_policy),
            listed: self.listed,
        }
    }
}

/// What the directory shows of a group. No member counts, no dates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryEntry {
    pub slug: String,
    pub name: String,
    /// The hosting steunpunt's slug.
    pub steunpunt: String,
    pub description: String,
    pub theme: Theme,
    pub region: String,
    pub meeting_rhythm: String,
    pub meeting_place: String,
    pub online_only: bool,
    pub status: Status,
    pub mode: Mode,
    /// How a closed group is joined; absent for other modes.
    pub join_policy: Option<JoinPolicy>,
    pub listed: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = memberships)]
pub struct MembershipRow {
    pub id: String,
    pub group_id: String,
    pub account_id: String,
    pub display_name: String,
    pub display_key: String,
    pub role: String,
    pub banned_until: Option<i64>,
    pub ban_reason: Option<String>,
    pub muted_until: Option<i64>,
    pub mute_reason: Option<String>,
}

impl MembershipRow {
    pub fn role(&self) -> MemberRole {
        MemberRole::parse(&self.role).unwrap_or(MemberRole::Member)
    }
    pub fn banned(&self, now: i64) -> bool {
        self.banned_until.is_some_and(|until| until > now)
    }
    pub fn muted(&self, now: i64) -> bool {
        self.muted_until.is_some_and(|until| until > now)
    }
}

/// A group together with who is asking and how they relate to it.
#[derive(Debug, Clone)]
pub struct GroupAccess {
    pub group: Group,
    pub actor: Actor,
    /// The asker's account, if logged in.
    pub account_id: Option<String>,
    pub membership: Option<MembershipRow>,
}

impl GroupAccess {
    pub fn decide(&self, action: Action) -> Decision {
        policy::decide(&self.actor, &self.group.facts(), action)
    }
    pub fn check(&self, action: Action) -> Result<(), AppError> {
        self.decide(action).require()
    }
    pub fn may(&self, action: Action) -> bool {
        self.decide(action).is_allowed()
    }
    /// Every action the asker may take here (for clients and pages to show what fits).
    pub fn allowed_actions(&self) -> Vec<Action> {
        Action::EVERY.into_iter().filter(|a| self.may(*a)).collect()
    }
}

fn load_group(conn: &mut DbConnection, slug: &str) -> Result<Option<Group>, AppError> {
    let found = groups::table
        .inner_join(steunpunten::table)
        .filter(groups::slug.eq(slug))
        .select((GroupRow::as_select(), steunpunten::slug))
        .first::<(GroupRow, String)>(conn)
        .optional()?;
    Ok(found.map(|(row, sp)| Group::from_row(row, sp)))
}

pub(crate) fn load_group_by_id(conn: &mut DbConnection, id: &str) -> Result<Group, AppError> {
    let (row, sp) = groups::table
        .inner_join(steunpunten::table)
        .filter(groups::id.eq(id))
        .select((GroupRow::as_select(), steunpunten::slug))
        .first::<(GroupRow, String)>(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    Ok(Group::from_row(row, sp))
}

pub(crate) fn is_steunpunt_admin(
    conn: &mut DbConnection,
    steunpunt_id: &str,
    account_id: &str,
) -> Result<bool, AppError> {
    let n: i64 = steunpunt_admins::table
        .filter(steunpunt_admins::steunpunt_id.eq(steunpunt_id))
        .filter(steunpunt_admins::account_id.eq(account_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Builds the policy's view of an account from what was loaded about it.
fn make_actor(
    session: &Session,
    membership: Option<&MembershipRow>,
    pending: bool,
    steunpunt_admin: bool,
) -> Actor {
    let now = time::now();
    let relation = match membership {
        Some(m) if m.role() == MemberRole::Leader => Relation::Leader,
        Some(_) => Relation::Member,
        None if pending => Relation::Pending,
        None => Relation::None,
    };
    Actor {
        account: true,
        relation,
        muted: membership.is_some_and(|m| m.muted(now)),
        banned: membership.is_some_and(|m| m.banned(now)),
        steunpunt_admin,
        instance_admin: session.account.role == Role::InstanceAdmin,
    }
}

/// The facts about `session`'s account in `group`.
pub(crate) fn actor_in(
    conn: &mut DbConnection,
    group: &Group,
    session: Option<&Session>,
) -> Result<(Actor, Option<MembershipRow>), AppError> {
    let Some(session) = session else {
        return Ok((Actor::GUEST, None));
    };
    let account_id = &session.account.id;
    let membership = memberships::table
        .filter(memberships::group_id.eq(&group.id))
        .filter(memberships::account_id.eq(account_id))
        .select(MembershipRow::as_select())
        .first(conn)
        .optional()?;
    let pending: i64 = join_requests::table
        .filter(join_requests::group_id.eq(&group.id))
        .filter(join_requests::account_id.eq(account_id))
        .filter(join_requests::state.eq(requests::PENDING))
        .count()
        .get_result(conn)?;
    let admin = is_steunpunt_admin(conn, &group.steunpunt_id, account_id)?;
    let actor = make_actor(session, membership.as_ref(), pending > 0, admin);
    Ok((actor, membership))
}

pub(crate) fn access_blocking(
    conn: &mut DbConnection,
    slug: &str,
    session: Option<&Session>,
) -> Result<GroupAccess, AppError> {
    let group = load_group(conn, slug)?.ok_or_else(AppError::not_found)?;
    let (actor, membership) = actor_in(conn, &group, session)?;
    Ok(GroupAccess {
        group,
        actor,
        account_id: session.map(|s| s.account.id.clone()),
        membership,
    })
}

/// Loads a group by slug with the asker's facts, and checks `action`. An unknown slug and a
/// hidden group answer the same 404.
pub async fn authorize(
    state: &AppState,
    session: Option<&Session>,
    slug: &str,
    action: Action,
) -> Result<GroupAccess, AppError> {
    let (slug, session) = (slug.to_string(), session.cloned());
    let access = state
        .db
        .run(move |conn| access_blocking(conn, &slug, session.as_ref()))
        .await?;
    access.check(action)?;
    Ok(access)
}

/// Directory filters; all optional, combined with AND.
#[derive(Debug, Default, Clone, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DirectoryFilter {
    /// A steunpunt's slug.
    pub steunpunt: Option<String>,
    pub theme: Option<Theme>,
    pub mode: Option<Mode>,
    /// Part of the region's name.
    pub region: Option<String>,
    /// Words to find in the name or description.
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

/// The directory: every group the asker may see there, filtered. Asks the policy per group.
pub async fn directory(
    state: &AppState,
    session: Option<&Session>,
    filter: DirectoryFilter,
) -> Result<Vec<DirectoryEntry>, AppError> {
    let session = session.cloned();
    state
        .db
        .run(move |conn| {
            let mut query = groups::table
                .inner_join(steunpunten::table)
                .select((GroupRow::as_select(), steunpunten::slug))
                .order(groups::name)
                .into_boxed();
            if let Some(sp) = &filter.steunpunt {
                query = query.filter(steunpunten::slug.eq(sp.clone()));
            }
            if let Some(theme) = filter.theme {
                query = query.filter(groups::theme.eq(theme.as_str()));
            }
            if let Some(mode) = filter.mode {
                query = query.filter(groups::mode.eq(mode.as_str()));
            }
            let rows = query.load::<(GroupRow, String)>(conn)?;
            // Everything about the asker in three queries, not three per group.
            let (mine, pending, admin_of) = match &session {
                None => Default::default(),
                Some(s) => {
                    let id = &s.account.id;
                    let mine: HashMap<String, MembershipRow> = memberships::table
                        .filter(memberships::account_id.eq(id))
                        .select(MembershipRow::as_select())
                        .load(conn)?
                        .into_iter()
                        .map(|m| (m.group_id.clone(), m))
                        .collect();
                    let pending: HashSet<String> = join_requests::table
                        .filter(join_requests::account_id.eq(id))
                        .filter(join_requests::state.eq(requests::PENDING))
                        .select(join_requests::group_id)
                        .load(conn)?
                        .into_iter()
                        .collect();
                    let admin_of: HashSet<String> = steunpunt_admins::table
                        .filter(steunpunt_admins::account_id.eq(id))
                        .select(steunpunt_admins::steunpunt_id)
                        .load(conn)?
                        .into_iter()
                        .collect();
                    (mine, pending, admin_of)
                }
            };
            let mut entries = vec![];
            for (row, sp) in rows {
                let group = Group::from_row(row, sp);
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
                let actor = match &session {
                    None => Actor::GUEST,
                    Some(s) => make_actor(
                        s,
                        mine.get(&group.id),
                        pending.contains(&group.id),
                        admin_of.contains(&group.steunpunt_id),
                    ),
                };
                if policy::decide(&actor, &group.facts(), Action::SeeInDirectory).is_allowed() {
                    entries.push(group.entry());
                }
            }
            Ok(entries)
        })
        .await
}

/// A steunpunt's facts about the asker.
pub(crate) fn steunpunt_actor(
    conn: &mut DbConnection,
    steunpunt_id: &str,
    session: Option<&Session>,
) -> Result<SteunpuntActor, AppError> {
    Ok(match session {
        None => SteunpuntActor {
            account: false,
            admin_here: false,
            instance_admin: false,
        },
        Some(s) => SteunpuntActor {
            account: true,
            admin_here: is_steunpunt_admin(conn, steunpunt_id, &s.account.id)?,
            instance_admin: s.account.role == Role::InstanceAdmin,
        },
    })
}

/// The directory data of a new group or of an edit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// The hosting steunpunt's slug.
    pub steunpunt: String,
    /// 3-48 lowercase letters, digits and dashes; the group's address.
    pub slug: String,
    pub name: String,
    pub mode: Mode,
    /// Needed for closed groups; ignored otherwise.
    pub join_policy: Option<JoinPolicy>,
    pub listed: bool,
    #[serde(default)]
    pub description: String,
    pub theme: Theme,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub meeting_rhythm: String,
    /// Where the group meets; empty when online only.
    #[serde(default)]
    pub meeting_place: String,
    #[serde(default)]
    pub online_only: bool,
    pub status: Option<Status>,
    #[serde(default)]
    pub house_rules: String,
}

pub fn check_slug(slug: &str) -> Result<String, AppError> {
    let ok = (3..=48).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug.to_string())
    } else {
        Err(AppError::invalid(
            "invalid_slug",
            "A slug has 3 to 48 lowercase letters, digits and dashes.",
        ))
    }
}

pub const HOUSE_RULES_MAX: usize = 10_000;

pub async fn create(
    state: &AppState,
    session: &Session,
    new: NewGroup,
) -> Result<DirectoryEntry, AppError> {
    let slug = check_slug(&new.slug)?;
    let name = text::checked("name", &new.name, 3, 80, false)?;
    let description = text::checked("description", &new.description, 0, 2000, true)?;
    let region = text::checked("region", &new.region, 0, 80, false)?;
    let rhythm = text::checked("meeting_rhythm", &new.meeting_rhythm, 0, 200, false)?;
    let place = text::checked("meeting_place", &new.meeting_place, 0, 200, false)?;
    let rules = text::checked("house_rules", &new.house_rules, 0, HOUSE_RULES_MAX, true)?;
    let join_policy = match (new.mode, new.join_policy) {
        (Mode::Closed, None) => {
            return Err(AppError::invalid(
                "join_policy_required",
                "A closed group needs a join policy: approval, invite or invite_and_approval.",
            ));
        }
        (_, policy) => policy.unwrap_or(JoinPolicy::Approval),
    };
    let session = session.clone();
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let (steunpunt_id, sp_slug) = steunpunten::table
                    .filter(steunpunten::slug.eq(&new.steunpunt))
                    .select((steunpunten::id, steunpunten::slug))
                    .first::<(String, String)>(conn)
                    .optional()?
                    .ok_or_else(AppError::not_found)?;
                let actor = steunpunt_actor(conn, &steunpunt_id, Some(&session))?;
                policy::decide_steunpunt(&actor, SteunpuntAction::CreateGroup).require()?;
                let taken: i64 = groups::table
                    .filter(groups::slug.eq(&slug))
                    .count()
                    .get_result(conn)?;
                if taken > 0 {
                    return Err(AppError::conflict(
                        "slug_taken",
                        "Another group already has this slug.",
                    ));
                }
                let row = GroupRow {
                    id: secrets::new_id(),
                    steunpunt_id,
                    slug,
                    name,
                    description,
                    theme: new.theme.as_str().into(),
                    region,
                    meeting_rhythm: rhythm,
                    meeting_place: place,
                    online_only: i16::from(new.online_only),
                    status: new.status.unwrap_or(Status::Starting).as_str().into(),
                    mode: new.mode.as_str().into(),
                    join_policy: join_policy.as_str().into(),
                    listed: i16::from(new.listed),
                    house_rules: rules,
                };
                diesel::insert_into(groups::table)
                    .values((
                        groups::id.eq(&row.id),
                        groups::steunpunt_id.eq(&row.steunpunt_id),
                        groups::slug.eq(&row.slug),
                        groups::name.eq(&row.name),
                        groups::description.eq(&row.description),
                        groups::theme.eq(&row.theme),
                        groups::region.eq(&row.region),
                        groups::meeting_rhythm.eq(&row.meeting_rhythm),
                        groups::meeting_place.eq(&row.meeting_place),
                        groups::online_only.eq(row.online_only),
                        groups::status.eq(&row.status),
                        groups::mode.eq(&row.mode),
                        groups::join_policy.eq(&row.join_policy),
                        groups::listed.eq(row.listed),
                        groups::house_rules.eq(&row.house_rules),
                    ))
                    .execute(conn)?;
                Ok(Group::from_row(row, sp_slug).entry())
            })
        })
        .await
}

/// A change to a group; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub theme: Option<Theme>,
    pub region: Option<String>,
    pub meeting_rhythm: Option<String>,
    pub meeting_place: Option<String>,
    pub online_only: Option<bool>,
    pub status: Option<Status>,
    /// Markdown. Leaders write the house rules.
    pub house_rules: Option<String>,
    pub mode: Option<Mode>,
    pub join_policy: Option<JoinPolicy>,
    pub listed: Option<bool>,
    /// Must be true to make a group more open: earlier content then reaches a wider
    /// audience than it was written for.
    #[serde(default)]
    pub confirm_wider_audience: bool,
}

impl GroupChange {
    fn touches_directory(&self) -> bool {
        self.name.is_some()
            || self.description.is_some()
            || self.theme.is_some()
            || self.region.is_some()
            || self.meeting_rhythm.is_some()
            || self.meeting_place.is_some()
            || self.online_only.is_some()
            || self.status.is_some()
    }
}

/// Checks every part of `change` against the policy, for `access` as it is now.
fn check_change(access: &GroupAccess, change: &GroupChange) -> Result<GroupFacts, AppError> {
    let old = access.group.facts();
    let new = GroupFacts {
        mode: change.mode.unwrap_or(old.mode),
        join_policy: change.join_policy.unwrap_or(old.join_policy),
        listed: change.listed.unwrap_or(old.listed),
    };
    let mut asked = false;
    if change.touches_directory() {
        access.check(Action::EditDirectoryEntry)?;
        asked = true;
    }
    if change.house_rules.is_some() {
        access.check(Action::EditHouseRules)?;
        asked = true;
    }
    match policy::openness_change(old, new) {
        policy::Openness::Same => {}
        policy::Openness::MoreClosed => {
            access.check(Action::MakeMoreClosed)?;
            asked = true;
        }
        policy::Openness::MoreOpen => {
            access.check(Action::MakeMoreOpen)?;
            if !change.confirm_wider_audience {
                return Err(AppError::conflict(
                    "confirmation_required",
                    "Making the group more open shows earlier content to a wider audience than \
                     it was written for. Send confirm_wider_audience: true to go ahead.",
                ));
            }
            asked = true;
        }
    }
    if !asked {
        // Nothing to change (or only settings as they already are): still, only those who
        // may change something here get an answer beyond the entry.
        access.check(Action::MakeMoreClosed)?;
    }
    Ok(new)
}

pub async fn update(
    state: &AppState,
    session: &Session,
    slug: &str,
    change: GroupChange,
) -> Result<DirectoryEntry, AppError> {
    // Validate the text first; the access decision is taken inside the write transaction,
    // against the group as it is then, so a concurrent change cannot slip between.
    let checked = |field, value: &Option<String>, min, max, multi| {
        value
            .as_deref()
            .map(|v| text::checked(field, v, min, max, multi))
            .transpose()
    };
    let name = checked("name", &change.name, 3, 80, false)?;
    let description = checked("description", &change.description, 0, 2000, true)?;
    let region = checked("region", &change.region, 0, 80, false)?;
    let rhythm = checked("meeting_rhythm", &change.meeting_rhythm, 0, 200, false)?;
    let place = checked("meeting_place", &change.meeting_place, 0, 200, false)?;
    let rules = checked("house_rules", &change.house_rules, 0, HOUSE_RULES_MAX, true)?;
    let (slug, session) = (slug.to_string(), session.clone());
    state
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                let access = access_blocking(conn, &slug, Some(&session))?;
                access.check(Action::ViewGroup)?;
                let old = access.group.facts();
                let new_facts = check_change(&access, &change)?;
                let group_id = access.group.id.clone();
                let rules_changed = rules.is_some();
                let columns = GroupColumns {
                    name,
                    description,
                    theme: change.theme.map(|v| v.as_str().to_string()),
                    region,
                    meeting_rhythm: rhythm,
                    meeting_place: place,
                    online_only: change.online_only.map(i16::from),
                    status: change.status.map(|v| v.as_str().to_string()),
                    house_rules: rules,
                    mode: (new_facts.mode != old.mode).then(|| new_facts.mode.as_str().into()),
                    join_policy: (new_facts.join_policy != old.join_policy)
                        .then(|| new_facts.join_policy.as_str().into()),
                    listed: (new_facts.listed != old.listed).then(|| i16::from(new_facts.listed)),
                };
                if columns != GroupColumns::default() {
                    // One statement; absent fields are left out of the SET clause.
                    diesel::update(groups::table.find(&group_id))
                        .set(&columns)
                        .execute(conn)?;
                }
                if rules_changed {
                    modlog::record(conn, &group_id, modlog::HOUSE_RULES_CHANGED, None, None)?;
                }
                if new_facts != old {
                    modlog::record(conn, &group_id, modlog::ACCESS_CHANGED, None, None)?;
                }
                Ok(load_group_by_id(conn, &group_id)?.entry())
            })
        })
        .await
}

/// The columns a change writes; `None` leaves a column as it is.
#[derive(Debug, Default, PartialEq, AsChangeset)]
#[diesel(table_name = groups)]
struct GroupColumns {
    name: Option<String>,
    description: Option<String>,
    theme: Option<String>,
    region: Option<String>,
    meeting_rhythm: Option<String>,
    meeting_place: Option<String>,
    online_only: Option<i16>,
    status: Option<String>,
    house_rules: Option<String>,
    mode: Option<String>,
    join_policy: Option<String>,
    listed: Option<i16>,
}

/// What a group page or `GET /groups/{slug}` shows the asker.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    #[serde(flatten)]
    pub entry: DirectoryEntry,
    /// The house rules as sanitised HTML.
    #[schema(value_type = String)]
    pub house_rules_html: SanitizedHtml,
    /// The asker's own membership here, if any.
    pub me: Option<membership::OwnMembership>,
    /// What the asker may do here (policy action names).
    pub may: Vec<String>,
}

pub fn action_name(action: Action) -> String {
    let camel = format!("{action:?}");
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

pub fn view(access: &GroupAccess) -> GroupView {
    let now = time::now();
    GroupView {
        entry: access.group.entry(),
        house_rules_html: access.group.house_rules_html(),
        me: access
            .membership
            .as_ref()
            .map(|m| membership::OwnMembership {
                id: m.id.clone(),
                display_name: m.display_name.clone(),
                role: m.role(),
                muted: m.muted(now),
                banned: m.banned(now),
            }),
        may: access
            .allowed_actions()
            .into_iter()
            .map(action_name)
            .collect(),
    }
}

/// One of my groups, for my own account page only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyGroup {
    pub slug: String,
    pub name: String,
    pub display_name: String,
    /// `member`, `leader`, or `pending` while a leader decides.
    pub standing: String,
}

/// The groups an account belongs to or waits for. Shown to that account alone.
pub async fn mine(state: &AppState, session: &Session) -> Result<Vec<MyGroup>, AppError> {
    let id = session.account.id.clone();
    state.db.run(move |conn| mine_blocking(conn, &id)).await
}

pub(crate) fn mine_blocking(conn: &mut DbConnection, id: &str) -> Result<Vec<MyGroup>, AppError> {
    let mut out: Vec<MyGroup> = memberships::table
        .inner_join(groups::table)
        .filter(memberships::account_id.eq(id))
        .select((
            groups::slug,
            groups::name,
            memberships::display_name,
            memberships::role,
        ))
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(slug, name, display_name, standing)| MyGroup {
            slug,
            name,
            display_name,
            standing,
        })
        .collect();
    let waiting = join_requests::table
        .inner_join(groups::table)
        .filter(join_requests::account_id.eq(id))
        .filter(join_requests::state.eq(requests::PENDING))
        .select((groups::slug, groups::name, join_requests::display_name))
        .load::<(String, String, String)>(conn)?;
    out.extend(
        waiting
            .into_iter()
            .map(|(slug, name, display_name)| MyGroup {
                slug,
                name,
                display_name,
                standing: "pending".into(),
            }),
    );
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
