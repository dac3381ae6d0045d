//! A group's settings: creating a group, changing its directory data, house rules and access,
//! and the steunpunt's proposals to make a group more open, which a leader accepts or
//! declines. Every part of a change is put to the policy, inside the transaction that
//! writes it.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{self, GroupAccess};
use super::model::{DirectoryEntry, Group, NewGroupRow, OwnMembership, Status, Theme};
use super::modlog::{self, ModlogAction};
use crate::db::DbConnection;
use crate::db::schema::{access_proposals, groups, steunpunten};
use crate::error::AppError;
use crate::markdown::SanitizedHtml;
use crate::policy::{self, AccessSettings, Action, JoinPolicy, Mode, Openness, SteunpuntAction};
use crate::retention::RetentionChange;
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::text;
use crate::time;

/// The directory data of a new group.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// The hosting steunpunt's slug.
    #[schema(example = "steunpunt")]
    pub steunpunt: String,
    /// 3-48 lowercase letters, digits and dashes; the group's address.
    #[schema(
        min_length = 3,
        max_length = 48,
        pattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
        example = "rouw-eindhoven"
    )]
    pub slug: String,
    /// 3-80 characters after trimming; one line.
    #[schema(min_length = 3, max_length = 80, example = "Rouwgroep Eindhoven")]
    pub name: String,
    pub mode: Mode,
    /// Needed for closed groups; ignored otherwise.
    pub join_policy: Option<JoinPolicy>,
    pub listed: bool,
    /// At most 2000 characters after trimming.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    pub theme: Theme,
    /// At most 80 characters after trimming; one line.
    #[serde(default)]
    #[schema(max_length = 80)]
    pub region: String,
    /// At most 200 characters after trimming; one line.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub meeting_rhythm: String,
    /// Where the group meets; empty when online only. At most 200 characters; one line.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub meeting_place: String,
    #[serde(default)]
    pub online_only: bool,
    pub status: Option<Status>,
    /// Markdown; at most 10000 characters after trimming.
    #[serde(default)]
    #[schema(max_length = 10000)]
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
    let chat_hours = state.settings.chat.default_retention_hours as i32;
    let post_days = state.settings.retention.default_post_days as i32;
    state
        .db
        .write(move |conn| {
            let (steunpunt_id, post_max, chat_max): (String, i32, i32) = steunpunten::table
                .filter(steunpunten::slug.eq(&new.steunpunt))
                .select((
                    steunpunten::id,
                    steunpunten::post_retention_days_max,
                    steunpunten::chat_retention_hours_max,
                ))
                .first(conn)
                .optional()?
                .ok_or_else(AppError::not_found)?;
            // The instance's defaults, within what the steunpunt allows.
            let (post_days, chat_hours) = (post_days.min(post_max), chat_hours.min(chat_max));
            let actor = crate::steunpunten::actor(conn, Some(&steunpunt_id), Some(&session))?;
            policy::decide_steunpunt(&actor, SteunpuntAction::CreateGroup).require()?;
            let row = NewGroupRow {
                id: secrets::new_id(),
                steunpunt_id,
                slug,
                name,
                description,
                theme: new.theme,
                region,
                meeting_rhythm: rhythm,
                meeting_place: place,
                online_only: new.online_only,
                status: new.status.unwrap_or(Status::Starting),
                mode: new.mode,
                join_policy,
                listed: new.listed,
                house_rules: rules,
                post_retention_days: post_days,
                pinned_retention_days: post_days,
                chat_retention_hours: chat_hours,
            };
            diesel::insert_into(groups::table)
                .values(&row)
                .execute(conn)
                .map_err(|e| {
                    crate::db::on_unique_violation(e, || {
                        AppError::conflict("slug_taken", "Another group already has this slug.")
                    })
                })?;
            Ok(load_by_id(conn, &row.id)?.entry())
        })
        .await
}

fn load_by_id(conn: &mut DbConnection, id: &str) -> Result<Group, AppError> {
    groups::table
        .inner_join(steunpunten::table)
        .filter(groups::id.eq(id))
        .select(Group::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// A change to a group; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    /// 3-80 characters after trimming; one line.
    #[schema(min_length = 3, max_length = 80)]
    pub name: Option<String>,
    /// At most 2000 characters after trimming.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub theme: Option<Theme>,
    /// At most 80 characters after trimming; one line.
    #[schema(max_length = 80)]
    pub region: Option<String>,
    /// At most 200 characters after trimming; one line.
    #[schema(max_length = 200)]
    pub meeting_rhythm: Option<String>,
    /// At most 200 characters after trimming; one line.
    #[schema(max_length = 200)]
    pub meeting_place: Option<String>,
    pub online_only: Option<bool>,
    pub status: Option<Status>,
    /// Markdown, at most 10000 characters after trimming. Leaders write the house rules.
    #[schema(max_length = 10000)]
    pub house_rules: Option<String>,
    /// Leaders may make a group more closed at once. Making it more open is a proposal of
    /// the steunpunt that a leader accepts (at once only while the group is new: no leader,
    /// no members, no content).
    pub mode: Option<Mode>,
    pub join_policy: Option<JoinPolicy>,
    pub listed: Option<bool>,
    /// How long the group keeps posts and messages (leaders; within the steunpunt's bounds).
    pub retention: Option<RetentionChange>,
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

/// What a change did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Changed {
    #[serde(flatten)]
    pub entry: DirectoryEntry,
    /// Set when the change would open the group: it now waits for a leader (202).
    pub proposal: Option<ProposalView>,
}

/// The columns a change writes; `None` leaves a column as it is.
#[derive(Debug, Default, PartialEq, AsChangeset)]
#[diesel(table_name = groups)]
struct GroupColumns {
    name: Option<String>,
    description: Option<String>,
    theme: Option<Theme>,
    region: Option<String>,
    meeting_rhythm: Option<String>,
    meeting_place: Option<String>,
    online_only: Option<bool>,
    status: Option<Status>,
    house_rules: Option<String>,
    mode: Option<Mode>,
    join_policy: Option<JoinPolicy>,
    listed: Option<bool>,
    post_retention_days: Option<i32>,
    pinned_retention_days: Option<i32>,
    chat_retention_hours: Option<i32>,
}

impl GroupColumns {
    fn access(old: AccessSettings, new: AccessSettings) -> GroupColumns {
        GroupColumns {
            mode: (new.mode != old.mode).then_some(new.mode),
            join_policy: (new.join_policy != old.join_policy).then_some(new.join_policy),
            listed: (new.listed != old.listed).then_some(new.listed),
            ..Default::default()
        }
    }
}

/// How a change of access goes, as the policy decides it.
enum AccessStep {
    Keep,
    Apply,
    Propose,
}

fn access_step(access: &GroupAccess, new: AccessSettings) -> Result<AccessStep, AppError> {
    Ok(
        match policy::openness_change(access.group.access_settings(), new) {
            Openness::Same => AccessStep::Keep,
            Openness::MoreClosed => {
                access.check(Action::MakeMoreClosed)?;
                AccessStep::Apply
            }
            Openness::MoreOpen if access.may(Action::SetAccessFreely) => AccessStep::Apply,
            Openness::MoreOpen => {
                access.check(Action::ProposeMoreOpen)?;
                AccessStep::Propose
            }
        },
    )
}

pub async fn update(
    state: &AppState,
    session: &Session,
    slug: &str,
    change: GroupChange,
) -> Result<Changed, AppError> {
    let checked = |field, value: &Option<String>, min, max, multi| {
        value
            .as_deref()
            .map(|v| text::checked(field, v, min, max, multi))
            .transpose()
    };
    let mut columns = GroupColumns {
        name: checked("name", &change.name, 3, 80, false)?,
        description: checked("description", &change.description, 0, 2000, true)?,
        theme: change.theme,
        region: checked("region", &change.region, 0, 80, false)?,
        meeting_rhythm: checked("meeting_rhythm", &change.meeting_rhythm, 0, 200, false)?,
        meeting_place: checked("meeting_place", &change.meeting_place, 0, 200, false)?,
        online_only: change.online_only,
        status: change.status,
        house_rules: checked("house_rules", &change.house_rules, 0, HOUSE_RULES_MAX, true)?,
        ..Default::default()
    };
    let retention = change.retention.filter(|r| !r.is_empty());
    let settings = state.settings.clone();
    // Who may read the group's rooms follows its mode, listing and status.
    let openness = change.mode.is_some() || change.listed.is_some() || change.status.is_some();
    let (changed, group_id) = access::writing(state, session, slug, None, move |conn, access| {
        access.check(Action::ViewGroup)?;
        let old = access.group.access_settings();
        let new = AccessSettings {
            mode: change.mode.unwrap_or(old.mode),
            join_policy: change.join_policy.unwrap_or(old.join_policy),
            listed: change.listed.unwrap_or(old.listed),
        };
        if change.touches_directory() {
            access.check(Action::EditDirectoryEntry)?;
        }
        if change.house_rules.is_some() {
            access.check(Action::EditHouseRules)?;
        }
        let kept = match retention {
            Some(retention) => {
                access.check(Action::SetRetention)?;
                let group = &access.group;
                let kept =
                    retention.applied(group.retention(), group.retention_bounds(&settings))?;
                columns.post_retention_days = Some(kept.post_days);
                columns.pinned_retention_days = Some(kept.pinned_days);
                columns.chat_retention_hours = Some(kept.chat_hours);
                Some(kept)
            }
            None => None,
        };
        let step = access_step(access, new)?;
        if matches!(step, AccessStep::Keep)
            && !change.touches_directory()
            && change.house_rules.is_none()
            && kept.is_none()
        {
            // Nothing to change: still, only those who may change something get an answer.
            access.check(Action::MakeMoreClosed)?;
        }
        let group_id = access.group.id.clone();
        if matches!(step, AccessStep::Apply) {
            let access_columns = GroupColumns::access(old, new);
            columns.mode = access_columns.mode;
            columns.join_policy = access_columns.join_policy;
            columns.listed = access_columns.listed;
        }
        let rules_changed = columns.house_rules.is_some();
        if columns != GroupColumns::default() {
            // One statement; absent fields are left out of the SET clause.
            diesel::update(groups::table.find(&group_id))
                .set(&columns)
                .execute(conn)?;
        }
        if rules_changed {
            modlog::record(conn, &group_id, ModlogAction::HouseRulesChanged, None, None)?;
        }
        if let Some(kept) = kept {
            // The group's chat retention bounds its rooms': none keeps longer.
            crate::chat::rooms::cap_retention(conn, &group_id, kept.chat_hours)?;
            modlog::record(conn, &group_id, ModlogAction::RetentionChanged, None, None)?;
        }
        let proposal = match step {
            AccessStep::Keep => None,
            AccessStep::Apply => {
                // A proposal made for the group as it was no longer fits it: it goes.
                diesel::delete(access_proposals::table.find(&group_id)).execute(conn)?;
                modlog::record(conn, &group_id, ModlogAction::AccessChanged, None, None)?;
                None
            }
            AccessStep::Propose => Some(propose(conn, &group_id, new)?),
        };
        let changed = Changed {
            entry: load_by_id(conn, &group_id)?.entry(),
            proposal,
        };
        Ok((changed, group_id))
    })
    .await?;
    if openness {
        crate::chat::bus::tell_group(state, &group_id).await;
    }
    Ok(changed)
}

/// A proposal to make a group more open, waiting for a leader.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalView {
    pub mode: Mode,
    /// For a closed group: how it would be joined.
    pub join_policy: Option<JoinPolicy>,
    pub listed: bool,
    /// The day it was proposed.
    pub proposed_on: String,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = access_proposals)]
struct ProposalRow {
    group_id: String,
    mode: Mode,
    join_policy: JoinPolicy,
    listed: bool,
    proposed_on: String,
}

impl ProposalRow {
    fn settings(&self) -> AccessSettings {
        AccessSettings {
            mode: self.mode,
            join_policy: self.join_policy,
            listed: self.listed,
        }
    }
    fn view(&self) -> ProposalView {
        ProposalView {
            mode: self.mode,
            join_policy: (self.mode == Mode::Closed).then_some(self.join_policy),
            listed: self.listed,
            proposed_on: self.proposed_on.clone(),
        }
    }
}

fn propose(
    conn: &mut DbConnection,
    group_id: &str,
    new: AccessSettings,
) -> Result<ProposalView, AppError> {
    let row = ProposalRow {
        group_id: group_id.to_string(),
        mode: new.mode,
        join_policy: new.join_policy,
        listed: new.listed,
        proposed_on: time::today(),
    };
    // One proposal per group: a new one replaces the last.
    diesel::delete(access_proposals::table.find(group_id)).execute(conn)?;
    diesel::insert_into(access_proposals::table)
        .values(&row)
        .execute(conn)?;
    modlog::record(conn, group_id, ModlogAction::AccessProposed, None, None)?;
    Ok(row.view())
}

fn proposal_row(conn: &mut DbConnection, group_id: &str) -> Result<Option<ProposalRow>, AppError> {
    Ok(access_proposals::table
        .find(group_id)
        .select(ProposalRow::as_select())
        .first(conn)
        .optional()?)
}

/// The proposal waiting in this group, for those who may see it.
pub fn proposal(
    conn: &mut DbConnection,
    access: &GroupAccess,
) -> Result<Option<ProposalView>, AppError> {
    if !access.may(Action::SeeProposal) {
        return Ok(None);
    }
    Ok(proposal_row(conn, &access.group.id)?.map(|row| row.view()))
}

fn no_proposal() -> AppError {
    AppError::conflict(
        "no_proposal",
        "There is no proposal waiting for this group.",
    )
}

/// A leader accepts the steunpunt's proposal, confirming that earlier content may reach a
/// wider audience than it was written for.
pub async fn accept_proposal(
    state: &AppState,
    session: &Session,
    slug: &str,
    confirm_wider_audience: bool,
) -> Result<DirectoryEntry, AppError> {
    let (entry, group_id) = access::writing(state, session, slug, None, move |conn, access| {
        access.check(Action::AcceptProposal)?;
        let row = proposal_row(conn, &access.group.id)?.ok_or_else(no_proposal)?;
        if !confirm_wider_audience {
            return Err(AppError::conflict(
                "confirmation_required",
                "Accepting makes the group more open: earlier content reaches a wider audience \
                 than it was written for. Send confirm_wider_audience: true to go ahead.",
            ));
        }
        let columns = GroupColumns::access(access.group.access_settings(), row.settings());
        if columns != GroupColumns::default() {
            diesel::update(groups::table.find(&access.group.id))
                .set(&columns)
                .execute(conn)?;
        }
        diesel::delete(access_proposals::table.find(&access.group.id)).execute(conn)?;
        modlog::record(
            conn,
            &access.group.id,
            ModlogAction::AccessChanged,
            None,
            None,
        )?;
        Ok((
            load_by_id(conn, &access.group.id)?.entry(),
            access.group.id.clone(),
        ))
    })
    .await?;
    crate::chat::bus::tell_group(state, &group_id).await;
    Ok(entry)
}

/// A leader declines the proposal, or the steunpunt withdraws it.
pub async fn drop_proposal(
    state: &AppState,
    session: &Session,
    slug: &str,
) -> Result<(), AppError> {
    access::writing(state, session, slug, None, |conn, access| {
        access.check(Action::SeeProposal)?;
        let gone = diesel::delete(access_proposals::table.find(&access.group.id)).execute(conn)?;
        if gone == 0 {
            return Err(no_proposal());
        }
        modlog::record(
            conn,
            &access.group.id,
            ModlogAction::AccessProposalDeclined,
            None,
            None,
        )
    })
    .await
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
    pub me: Option<OwnMembership>,
    /// What the asker may do here (policy action names).
    pub may: Vec<String>,
    /// A proposal to make the group more open, for its leaders and its steunpunt.
    pub access_proposal: Option<ProposalView>,
}

pub fn view(conn: &mut DbConnection, access: &GroupAccess) -> Result<GroupView, AppError> {
    access.check(Action::ViewGroup)?;
    Ok(GroupView {
        entry: access.group.entry(),
        house_rules_html: access.group.house_rules_html(),
        me: access.membership.as_ref().map(|m| m.own()),
        may: access
            .allowed_actions()
            .into_iter()
            .map(Action::name)
            .collect(),
        access_proposal: proposal(conn, access)?,
    })
}
