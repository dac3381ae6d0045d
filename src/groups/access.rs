//! The facts the policy judges, gathered once per request, in one query where the backend
//! allows: the group (with its steunpunt), the asker's membership, their join request,
//! whether they administer the group's steunpunt, whether the group has a leader and whether
//! anyone is in it. An invite code, when one comes along, is looked up by its hash.
//!
//! Owns loading facts and handing them, with the open connection, to the service that acts.
//! A missing group and a hidden one cost the same work: one query (and one invite look-up
//! when a code is presented), inside the same kind of transaction. Decides nothing itself.

use diesel::prelude::*;

use super::model::{Group, MembershipRow};
use super::requests::RequestState;
use crate::db::DbConnection;
use crate::db::schema::{
    announcements, groups, invites, join_requests, memberships, messages, posts, reports, rooms,
    steunpunt_admins, steunpunten, topics,
};
use crate::error::AppError;
use crate::policy::{
    self, Action, Actor, Content, Decision, ForumAction, GroupFacts, MemberAction, MemberRole,
    Relation, Stage, Target,
};
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::time;
use crate::web::auth::Asker;

diesel::alias!(
    memberships as anyone: AnyMembership,
    join_requests as any_request: AnyRequest
);

/// How a request names its group: by slug, or by the id of a topic or post in it.
#[derive(Debug, Clone)]
pub enum GroupRef {
    Slug(String),
    Topic(String),
    Post(String),
    Report(String),
    Announcement(String),
    /// A chat room, and a chat message.
    Room(String),
    Message(String),
}

/// A group together with who is asking and how they relate to it.
#[derive(Debug, Clone)]
pub struct GroupAccess {
    pub group: Group,
    pub facts: GroupFacts,
    pub actor: Actor,
    /// The asker's account, if logged in.
    pub account_id: Option<String>,
    pub membership: Option<MembershipRow>,
    /// The asker's own join request here, if any.
    pub request: Option<RequestState>,
    /// The usable invite that came with the request: its id and role.
    pub invite: Option<(String, MemberRole)>,
}

impl GroupAccess {
    pub fn decide(&self, action: Action) -> Decision {
        policy::decide(&self.actor, &self.facts, action)
    }
    pub fn check(&self, action: Action) -> Result<(), AppError> {
        Ok(self.decide(action).require()?)
    }
    pub fn may(&self, action: Action) -> bool {
        self.decide(action).is_allowed()
    }
    pub fn check_on(&self, target: Target, action: MemberAction) -> Result<(), AppError> {
        Ok(policy::decide_on_member(&self.actor, &self.facts, target, action).require()?)
    }
    pub fn may_on(&self, target: Target, action: MemberAction) -> bool {
        policy::decide_on_member(&self.actor, &self.facts, target, action).is_allowed()
    }
    pub fn decide_forum(&self, content: Content, action: ForumAction) -> Decision {
        policy::decide_on_content(&self.actor, &self.facts, content, action)
    }
    pub fn check_forum(&self, content: Content, action: ForumAction) -> Result<(), AppError> {
        Ok(self.decide_forum(content, action).require()?)
    }
    pub fn may_forum(&self, content: Content, action: ForumAction) -> bool {
        self.decide_forum(content, action).is_allowed()
    }
    /// The asker's membership id here, if any.
    pub fn membership_id(&self) -> Option<&str> {
        self.membership.as_ref().map(|m| m.id.as_str())
    }
    /// Every action the asker may take here (for clients and pages to show what fits).
    pub fn allowed_actions(&self) -> Vec<Action> {
        Action::EVERY.into_iter().filter(|a| self.may(*a)).collect()
    }
    /// The asker's account id; only for actions the policy allowed to accounts alone.
    pub fn account(&self) -> Result<&str, AppError> {
        self.account_id
            .as_deref()
            .ok_or_else(AppError::unauthorized)
    }
}

/// The policy's view of an account, from what was loaded about it.
pub(crate) fn actor_from(
    session: Option<&Session>,
    membership: Option<&MembershipRow>,
    request: Option<RequestState>,
    steunpunt_admin: bool,
    invite: Option<MemberRole>,
) -> Actor {
    let Some(session) = session else {
        return Actor::GUEST;
    };
    let now = time::now();
    let relation = match (membership, request) {
        (Some(m), _) if m.role == MemberRole::Leader => Relation::Leader,
        (Some(_), _) => Relation::Member,
        (None, Some(RequestState::Declined)) => Relation::Declined,
        (None, Some(_)) => Relation::Applicant,
        (None, None) => Relation::None,
    };
    Actor {
        account: Some(session.account.role),
        relation,
        muted: membership.is_some_and(|m| m.muted(now)),
        banned: membership.is_some_and(|m| m.banned(now)),
        steunpunt_admin,
        invite,
    }
}

/// The group's own stage, from whether it has a leader and whether anyone is in it.
pub(crate) fn stage(has_leader: bool, occupied: bool) -> Stage {
    match (has_leader, occupied) {
        (true, _) => Stage::Led,
        (false, false) => Stage::New,
        (false, true) => Stage::Leaderless,
    }
}

/// Whether a group (joined as `groups`) has a leader, and whether anyone is in it: two
/// subqueries to select beside the group, for `stage`. "Anyone" is a membership or a join
/// request or a forum topic or a chat room, so that a group with content never counts as
/// new.
macro_rules! stage_columns {
    () => {
        (
            diesel::dsl::exists(
                anyone
                    .filter(anyone.field(memberships::group_id).eq(groups::id))
                    .filter(anyone.field(memberships::role).eq(MemberRole::Leader))
                    .select(anyone.field(memberships::id)),
            ),
            diesel::dsl::exists(
                anyone
                    .filter(anyone.field(memberships::group_id).eq(groups::id))
                    .select(anyone.field(memberships::id)),
            )
            .or(diesel::dsl::exists(
                any_request
                    .filter(any_request.field(join_requests::group_id).eq(groups::id))
                    .select(any_request.field(join_requests::id)),
            ))
            .or(diesel::dsl::exists(
                crate::db::schema::topics::table
                    .filter(crate::db::schema::topics::group_id.eq(groups::id))
                    .select(crate::db::schema::topics::id),
            ))
            .or(diesel::dsl::exists(
                crate::db::schema::rooms::table
                    .filter(crate::db::schema::rooms::group_id.eq(groups::id))
                    .select(crate::db::schema::rooms::id),
            )),
        )
    };
}
pub(crate) use stage_columns;

type FactsRow = (
    Group,
    Option<MembershipRow>,
    Option<RequestState>,
    Option<String>,
    (bool, bool),
);

/// Loads the facts for `slug` as `session` sees it, with `code` checked if given. An unknown
/// slug is a 404, like a hidden group's.
pub fn load(
    conn: &mut DbConnection,
    slug: &str,
    session: Option<&Session>,
    code: Option<&str>,
) -> Result<GroupAccess, AppError> {
    load_by(conn, &GroupRef::Slug(slug.to_string()), session, code)
}

/// Like [`load`], for the group named by `key`: an unknown topic or post is a 404 too.
pub fn load_by(
    conn: &mut DbConnection,
    key: &GroupRef,
    session: Option<&Session>,
    code: Option<&str>,
) -> Result<GroupAccess, AppError> {
    // A guest matches no account row: the joins come back empty.
    let account_id = session.map(|s| s.account.id.clone()).unwrap_or_default();
    let query = groups::table
        .inner_join(steunpunten::table)
        .left_join(
            memberships::table.on(memberships::group_id
                .eq(groups::id)
                .and(memberships::account_id.eq(account_id.clone()))),
        )
        .left_join(
            join_requests::table.on(join_requests::group_id
                .eq(groups::id)
                .and(join_requests::account_id.eq(account_id.clone()))),
        )
        .left_join(
            steunpunt_admins::table.on(steunpunt_admins::steunpunt_id
                .eq(groups::steunpunt_id)
                .and(steunpunt_admins::account_id.eq(account_id))),
        )
        .select((
            Group::as_select(),
            Option::<MembershipRow>::as_select(),
            join_requests::state.nullable(),
            steunpunt_admins::account_id.nullable(),
            stage_columns!(),
        ))
        .into_boxed();
    let query = match key {
        GroupRef::Slug(slug) => query.filter(groups::slug.eq(slug.clone())),
        GroupRef::Topic(id) => query.filter(
            groups::id.eq_any(
                topics::table
                    .filter(topics::id.eq(id.clone()))
                    .select(topics::group_id),
            ),
        ),
        GroupRef::Post(id) => query.filter(
            groups::id.eq_any(
                posts::table
                    .filter(posts::id.eq(id.clone()))
                    .select(posts::group_id),
            ),
        ),
        GroupRef::Room(id) => query.filter(
            groups::id.eq_any(
                rooms::table
                    .filter(rooms::id.eq(id.clone()))
                    .select(rooms::group_id),
            ),
        ),
        GroupRef::Message(id) => query.filter(
            groups::id.eq_any(
                rooms::table
                    .filter(
                        rooms::id.eq_any(
                            messages::table
                                .filter(messages::id.eq(id.clone()))
                                .select(messages::room_id),
                        ),
                    )
                    .select(rooms::group_id),
            ),
        ),
        // Reports and announcements are written, not read, by their own id.
        GroupRef::Report(_) | GroupRef::Announcement(_) => return Err(AppError::not_found()),
    };
    let found: Option<FactsRow> = query.first(conn).optional()?;
    // The invite is looked up whether or not the group exists: equal work for both.
    let invite = match (session, code) {
        (Some(_), Some(code)) => usable_invite(conn, code)?,
        _ => None,
    };
    let Some((group, membership, request, admin, (has_leader, occupied))) = found else {
        return Err(AppError::not_found());
    };
    let invite = invite.filter(|(_, group_id, _)| *group_id == group.id);
    let facts = GroupFacts {
        access: group.access_settings(),
        stage: stage(has_leader, occupied),
    };
    let actor = actor_from(
        session,
        membership.as_ref(),
        request,
        admin.is_some(),
        invite.as_ref().map(|(_, _, role)| *role),
    );
    Ok(GroupAccess {
        group,
        facts,
        actor,
        account_id: session.map(|s| s.account.id.clone()),
        membership,
        request,
        invite: invite.map(|(id, _, role)| (id, role)),
    })
}

/// The invite a code stands for, if it can still be used: (id, group id, role). Looked up
/// by the code's hash (80 random bits: a timing difference in the index says nothing useful).
fn usable_invite(
    conn: &mut DbConnection,
    code: &str,
) -> Result<Option<(String, String, MemberRole)>, AppError> {
    let hash = secrets::sha256_hex(&secrets::normalise_code(code));
    Ok(invites::table
        .filter(invites::code_hash.eq(hash))
        .filter(invites::revoked.eq(false))
        .filter(invites::expires_at.gt(time::now()))
        .filter(invites::uses.lt(invites::max_uses))
        .select((invites::id, invites::group_id, invites::role))
        .first::<(String, String, MemberRole)>(conn)
        .optional()?)
}

/// Loads the facts for `slug` and checks `action`: for a read that needs nothing more.
pub async fn authorize(
    state: &AppState,
    session: Option<&Session>,
    slug: &str,
    action: Action,
) -> Result<GroupAccess, AppError> {
    with_access(state, session, slug, move |_, access| {
        access.check(action)?;
        Ok(access.clone())
    })
    .await
}

/// Loads the facts for `slug` and runs `work` with them, in one trip to the blocking pool.
/// `work` asks the policy before it reads anything.
pub async fn with_access<T, F>(
    state: &AppState,
    session: Option<&Session>,
    slug: &str,
    work: F,
) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &GroupAccess) -> Result<T, AppError> + Send + 'static,
{
    reading(state, session, slug, None, work).await
}

/// Like [`with_access`], with an invite code that came with the request.
pub async fn reading<T, F>(
    state: &AppState,
    session: Option<&Session>,
    slug: &str,
    code: Option<String>,
    work: F,
) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &GroupAccess) -> Result<T, AppError> + Send + 'static,
{
    let asker = Asker::Resolved(session.cloned());
    reading_with(state, asker, slug, code, work).await?.1
}

/// Like [`reading`] for someone whose session is not looked up yet: the session and the
/// facts come in one trip to the blocking pool (the hot read paths). Answers the session
/// beside what `work` made of the facts, so a page can say "logged in" even on a refusal.
pub async fn reading_with<T, F>(
    state: &AppState,
    asker: Asker,
    slug: &str,
    code: Option<String>,
    work: F,
) -> Result<(Option<Session>, Result<T, AppError>), AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &GroupAccess) -> Result<T, AppError> + Send + 'static,
{
    reading_by(state, asker, GroupRef::Slug(slug.to_string()), code, work).await
}

/// Like [`reading_with`], for the group named by `key` (a topic's page, say).
pub async fn reading_by<T, F>(
    state: &AppState,
    asker: Asker,
    key: GroupRef,
    code: Option<String>,
    work: F,
) -> Result<(Option<Session>, Result<T, AppError>), AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &GroupAccess) -> Result<T, AppError> + Send + 'static,
{
    let idle = crate::sessions::idle_secs(state);
    state
        .db
        .run(move |conn| {
            let session = match asker {
                Asker::Resolved(session) => session,
                Asker::Token(Some(token)) => crate::sessions::resolve_in(conn, &token, idle)?,
                Asker::Token(None) => None,
            };
            let result = match load_by(conn, &key, session.as_ref(), code.as_deref()) {
                Ok(access) => work(conn, &access),
                Err(e) => Err(e),
            };
            Ok((session, result))
        })
        .await
}

/// Like [`with_access`] inside a write transaction: the group is locked, the facts read, the
/// policy asked and the change written in one transaction, so no change can slip between
/// decision and write.
/// `code` is an invite code that came with the request.
pub async fn writing<T, F>(
    state: &AppState,
    session: &Session,
    slug: &str,
    code: Option<String>,
    work: F,
) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &GroupAccess) -> Result<T, AppError> + Send + 'static,
{
    let (slug, session) = (slug.to_string(), session.clone());
    state
        .db
        .write(move |conn| {
            crate::db::lock_group(conn, &slug)?;
            let access = load(conn, &slug, Some(&session), code.as_deref())?;
            work(conn, &access)
        })
        .await
}

/// Like [`writing`], for the group named by `key`: the group is found, locked and its facts
/// read in the one write transaction.
/// `session` is `None` for a guest (who writes only where the policy lets guests write).
pub async fn writing_by<T, F>(
    state: &AppState,
    session: Option<&Session>,
    key: GroupRef,
    work: F,
) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &GroupAccess) -> Result<T, AppError> + Send + 'static,
{
    let session = session.cloned();
    state
        .db
        .write(move |conn| {
            let group_id: Option<String> = match &key {
                GroupRef::Slug(slug) => Some(
                    groups::table
                        .filter(groups::slug.eq(slug))
                        .select(groups::id)
                        .first(conn)
                        .optional()?
                        .unwrap_or_default(),
                ),
                GroupRef::Topic(id) => topics::table
                    .find(id)
                    .select(topics::group_id)
                    .first(conn)
                    .optional()?,
                GroupRef::Post(id) => posts::table
                    .find(id)
                    .select(posts::group_id)
                    .first(conn)
                    .optional()?,
                GroupRef::Report(id) => reports::table
                    .find(id)
                    .select(reports::group_id)
                    .first(conn)
                    .optional()?,
                GroupRef::Announcement(id) => announcements::table
                    .find(id)
                    .select(announcements::group_id)
                    .first(conn)
                    .optional()?,
                GroupRef::Room(id) => rooms::table
                    .find(id)
                    .select(rooms::group_id)
                    .first(conn)
                    .optional()?,
                GroupRef::Message(id) => messages::table
                    .inner_join(rooms::table)
                    .filter(messages::id.eq(id))
                    .select(rooms::group_id)
                    .first(conn)
                    .optional()?,
            };
            let slug = slug_of(conn, &group_id.ok_or_else(AppError::not_found)?)?;
            crate::db::lock_group(conn, &slug)?;
            let access = load(conn, &slug, session.as_ref(), None)?;
            work(conn, &access)
        })
        .await
}

/// Loads the facts inside a write transaction that already runs (after finding a group by
/// an object's id, say), with the group locked as [`writing`] locks it.
pub(crate) fn reload(
    conn: &mut DbConnection,
    slug: &str,
    session: &Session,
) -> Result<GroupAccess, AppError> {
    crate::db::lock_group(conn, slug)?;
    load(conn, slug, Some(session), None)
}

/// The slug of a group by its id, for actions addressed by an object's own id.
pub(crate) fn slug_of(conn: &mut DbConnection, group_id: &str) -> Result<String, AppError> {
    groups::table
        .find(group_id)
        .select(groups::slug)
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}
