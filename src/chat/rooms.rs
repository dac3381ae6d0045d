//! A group's chat rooms: creating and changing them (leaders), their state (open now, locked,
//! slow mode), and the facts about a room and the asker in it that the policy judges.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::bus::{self, Emit, Event};
use super::schedule::{self, Schedule};
use crate::db::DbConnection;
use crate::db::schema::{room_sanctions, rooms};
use crate::error::AppError;
use crate::groups::access::{self, GroupAccess, GroupRef};
use crate::groups::model::Group;
use crate::groups::modlog::{self, ModlogAction};
use crate::policy::{ChatAction, Decision, RoomFacts};
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::{text, time};

/// Longest room name, in characters.
pub const NAME_MAX: usize = 60;
/// Rooms one group may have.
pub const MAX_ROOMS: i64 = 20;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rooms)]
pub struct RoomRow {
    pub id: String,
    pub group_id: String,
    pub name: String,
    pub leaders_only: bool,
    pub schedule: String,
    pub retention_hours: i32,
    pub locked: bool,
    pub slow_mode_secs: i32,
    pub opened_until: Option<i64>,
    pub closed_until: Option<i64>,
    pub last_seq: i64,
    pub created_at: i64,
}

/// A room as clients see it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RoomView {
    pub id: String,
    /// The group's slug.
    pub group: String,
    pub name: String,
    pub leaders_only: bool,
    /// The weekly meetings, e.g. "tue 20:00-21:30"; empty when the room is always open.
    pub schedule: String,
    /// The time zone the schedule is read in (the steunpunt's).
    pub time_zone: String,
    /// Messages are deleted this many hours after they were sent.
    pub retention_hours: i32,
    pub locked: bool,
    /// Seconds a member waits between two messages; 0 for none.
    pub slow_mode_secs: i32,
    /// Open for writing now.
    pub open: bool,
    /// RFC 3339: when it opens next (if closed and a meeting is coming).
    pub opens_at: Option<String>,
    /// RFC 3339: when it closes (if open and that is known).
    pub closes_at: Option<String>,
    /// A leader opened or closed the session by hand (it is not just the schedule).
    pub by_hand: bool,
}

impl RoomRow {
    pub fn opening(&self, group: &Group, now: i64) -> schedule::Opening {
        // A stored schedule was checked when it was written.
        let plan = Schedule::parse(&self.schedule).unwrap_or_default();
        schedule::opening(
            &plan,
            &schedule::time_zone(&group.time_zone),
            self.opened_until,
            self.closed_until,
            now,
        )
    }

    pub fn view(&self, group: &Group) -> RoomView {
        let now = time::now();
        let opening = self.opening(group, now);
        RoomView {
            id: self.id.clone(),
            group: group.slug.clone(),
            name: self.name.clone(),
            leaders_only: self.leaders_only,
            schedule: self.schedule.clone(),
            time_zone: group.time_zone.clone(),
            retention_hours: self.retention_hours,
            locked: self.locked,
            slow_mode_secs: self.slow_mode_secs,
            open: opening.open,
            opens_at: opening.opens_at.map(time::rfc3339),
            closes_at: opening.closes_at.map(time::rfc3339),
            by_hand: self.opened_until.is_some_and(|t| t > now)
                || self.closed_until.is_some_and(|t| t > now),
        }
    }
}

/// A room together with the group's facts and the asker's standing in the room.
pub struct RoomAccess {
    pub access: GroupAccess,
    pub room: RoomRow,
    pub facts: RoomFacts,
    pub view: RoomView,
}

impl RoomAccess {
    pub fn decide(&self, action: ChatAction) -> Decision {
        self.decide_on(self.facts, action)
    }
    pub fn decide_on(&self, facts: RoomFacts, action: ChatAction) -> Decision {
        crate::policy::decide_on_room(&self.access.actor, &self.access.facts, facts, action)
    }
    pub fn check(&self, action: ChatAction) -> Result<(), AppError> {
        Ok(self.decide(action).require()?)
    }
    pub fn may(&self, action: ChatAction) -> bool {
        self.decide(action).is_allowed()
    }
}

/// The facts about `room` for whoever `access` describes (their sanctions in it).
pub fn facts_for(
    conn: &mut DbConnection,
    access: &GroupAccess,
    room: &RoomRow,
) -> Result<RoomFacts, AppError> {
    let now = time::now();
    let sanctions: Vec<String> = match access.membership_id() {
        Some(membership) => room_sanctions::table
            .filter(room_sanctions::room_id.eq(&room.id))
            .filter(room_sanctions::membership_id.eq(membership))
            .filter(room_sanctions::until.gt(now))
            .select(room_sanctions::kind)
            .load(conn)?,
        None => vec![],
    };
    Ok(RoomFacts {
        leaders_only: room.leaders_only,
        locked: room.locked,
        open: room.opening(&access.group, now).open,
        muted_here: sanctions.iter().any(|k| k == "mute"),
        removed_here: sanctions.iter().any(|k| k == "remove"),
        own: false,
    })
}

/// Loads a room, its group's facts and the asker's standing in it. A missing room is a 404,
/// like a hidden group's. Whether the asker may read it is the policy's to say, on the
/// facts loaded here: a leaders-only room is refused (403 `forbidden`) to everyone but the
/// group's leaders.
pub fn load(
    conn: &mut DbConnection,
    room_id: &str,
    session: Option<&Session>,
) -> Result<RoomAccess, AppError> {
    let access = access::load_by(conn, &GroupRef::Room(room_id.to_string()), session, None)?;
    with_access(conn, access, room_id)
}

/// A room of the group `access` describes, with the asker's standing in it.
pub fn with_access(
    conn: &mut DbConnection,
    access: GroupAccess,
    room_id: &str,
) -> Result<RoomAccess, AppError> {
    let room: RoomRow = rooms::table
        .find(room_id)
        .select(RoomRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    let facts = facts_for(conn, &access, &room)?;
    let view = room.view(&access.group);
    Ok(RoomAccess {
        access,
        room,
        facts,
        view,
    })
}

/// Like [`load`] inside a write transaction: the group is locked first.
pub fn load_for_write(
    conn: &mut DbConnection,
    room_id: &str,
    session: Option<&Session>,
) -> Result<RoomAccess, AppError> {
    let group_id: String = rooms::table
        .find(room_id)
        .select(rooms::group_id)
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    let slug = access::slug_of(conn, &group_id)?;
    crate::db::lock_group(conn, &slug)?;
    let access = access::load(conn, &slug, session, None)?;
    with_access(conn, access, room_id)
}

/// The rooms of a group the asker may see, oldest first.
pub fn list(conn: &mut DbConnection, access: &GroupAccess) -> Result<Vec<RoomView>, AppError> {
    let rows: Vec<RoomRow> = rooms::table
        .filter(rooms::group_id.eq(&access.group.id))
        .order((rooms::created_at, rooms::id))
        .select(RoomRow::as_select())
        .load(conn)?;
    let mut out = vec![];
    for room in rows {
        let facts = facts_for(conn, access, &room)?;
        let decision = crate::policy::decide_on_room(
            &access.actor,
            &access.facts,
            facts,
            ChatAction::ReadRoom,
        );
        // A room one was removed from is still listed (it says so when one tries to join).
        if decision.is_allowed() || (facts.removed_here && !room.leaders_only) {
            out.push(room.view(&access.group));
        }
    }
    Ok(out)
}

/// A new room, as a leader fills it in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    #[schema(max_length = 60)]
    pub name: String,
    /// Only the group's leaders see and use it.
    #[serde(default)]
    pub leaders_only: bool,
    /// Weekly meetings, e.g. "tue 20:00-21:30, thu 19:00-20:30" (days mon-sun or ma-zo),
    /// in the steunpunt's time zone; empty or absent for a room that is always open.
    #[serde(default)]
    pub schedule: String,
    /// Hours a message is kept after its meeting session (1 to the group's
    /// `retention.chat_hours`, which is also the default).
    pub retention_hours: Option<u32>,
    /// Seconds between two messages of one member (0 to 600).
    #[serde(default)]
    pub slow_mode_secs: u32,
}

/// A change to a room: only the fields given change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomChange {
    #[schema(max_length = 60)]
    pub name: Option<String>,
    pub schedule: Option<String>,
    pub retention_hours: Option<u32>,
    pub slow_mode_secs: Option<u32>,
    pub locked: Option<bool>,
}

fn name(raw: &str) -> Result<String, AppError> {
    text::checked("name", raw, 1, NAME_MAX, false)
}

fn retention(state: &AppState, hours: u32) -> Result<i32, AppError> {
    let max = state.settings.chat.max_retention_hours;
    if hours == 0 || hours > max {
        return Err(AppError::invalid(
            "invalid_field",
            format!("retention_hours must be 1 to {max}."),
        ));
    }
    Ok(hours as i32)
}

/// A room's retention: as asked, or else the group's; never longer than the group's.
fn within_group(asked: Option<i32>, group: &Group) -> Result<i32, AppError> {
    match asked {
        None => Ok(group.chat_retention_hours),
        Some(hours) if hours <= group.chat_retention_hours => Ok(hours),
        Some(_) => Err(AppError::invalid(
            "retention_out_of_bounds",
            format!(
                "retention_hours must be 1 to {}: the group keeps messages no longer.",
                group.chat_retention_hours
            ),
        )),
    }
}

/// The group now keeps messages at most `hours`: its rooms keep them no longer.
pub fn cap_retention(conn: &mut DbConnection, group_id: &str, hours: i32) -> Result<(), AppError> {
    diesel::update(
        rooms::table
            .filter(rooms::group_id.eq(group_id))
            .filter(rooms::retention_hours.gt(hours)),
    )
    .set(rooms::retention_hours.eq(hours))
    .execute(conn)?;
    Ok(())
}

fn slow_mode(secs: u32) -> Result<i32, AppError> {
    if secs > 600 {
        return Err(AppError::invalid(
            "invalid_field",
            "slow_mode_secs must be 0 to 600.",
        ));
    }
    Ok(secs as i32)
}

fn checked_schedule(raw: &str) -> Result<String, AppError> {
    if raw.len() > 400 {
        return Err(AppError::invalid(
            "invalid_schedule",
            "The schedule is too long.",
        ));
    }
    Ok(Schedule::parse(raw)?.text())
}

#[derive(Insertable)]
#[diesel(table_name = rooms)]
struct NewRoomRow {
    id: String,
    group_id: String,
    name: String,
    leaders_only: bool,
    schedule: String,
    retention_hours: i32,
    slow_mode_secs: i32,
    created_at: i64,
}

pub async fn create(
    state: &std::sync::Arc<AppState>,
    session: &Session,
    slug: &str,
    new: NewRoom,
) -> Result<RoomView, AppError> {
    let row = NewRoomRow {
        id: secrets::new_id(),
        group_id: String::new(),
        name: name(&new.name)?,
        leaders_only: new.leaders_only,
        schedule: checked_schedule(&new.schedule)?,
        // Set below, within what the group keeps.
        retention_hours: 0,
        slow_mode_secs: slow_mode(new.slow_mode_secs)?,
        created_at: time::now(),
    };
    let asked = new
        .retention_hours
        .map(|h| retention(state, h))
        .transpose()?;
    let id = row.id.clone();
    let slug = slug.to_string();
    let session = session.clone();
    bus::write(state, move |conn, _| {
        crate::db::lock_group(conn, &slug)?;
        let access = access::load(conn, &slug, Some(&session), None)?;
        let may = crate::policy::decide_on_room(
            &access.actor,
            &access.facts,
            RoomFacts::OPEN,
            ChatAction::ManageRooms,
        );
        may.require()?;
        let count: i64 = rooms::table
            .filter(rooms::group_id.eq(&access.group.id))
            .count()
            .get_result(conn)?;
        if count >= MAX_ROOMS {
            return Err(AppError::conflict(
                "too_many_rooms",
                format!("A group has at most {MAX_ROOMS} rooms."),
            ));
        }
        let name = row.name.clone();
        diesel::insert_into(rooms::table)
            .values(NewRoomRow {
                group_id: access.group.id.clone(),
                retention_hours: within_group(asked, &access.group)?,
                ..row
            })
            .execute(conn)?;
        modlog::record(
            conn,
            &access.group.id,
            ModlogAction::RoomCreated,
            None,
            Some(&name),
        )?;
        let room: RoomRow = rooms::table
            .find(&id)
            .select(RoomRow::as_select())
            .first(conn)?;
        Ok(room.view(&access.group))
    })
    .await
}

/// Whether the room's state as members see it changed: then they are told.
fn announce(emitted: &mut Vec<Emit>, before: &RoomView, after: &RoomView, kind: &'static str) {
    if before != after {
        emitted.push(bus::room_changed(after, kind));
    }
}

/// A leader's change to a room (name, schedule, retention, slow mode, lock).
pub async fn change(
    state: &std::sync::Arc<AppState>,
    session: &Session,
    room_id: &str,
    change: RoomChange,
) -> Result<RoomView, AppError> {
    let name = change.name.as_deref().map(name).transpose()?;
    let schedule = change
        .schedule
        .as_deref()
        .map(checked_schedule)
        .transpose()?;
    let retention = change
        .retention_hours
        .map(|h| retention(state, h))
        .transpose()?;
    let slow = change.slow_mode_secs.map(slow_mode).transpose()?;
    let (room_id, session) = (room_id.to_string(), session.clone());
    bus::write(state, move |conn, emitted| {
        let ra = load_for_write(conn, &room_id, Some(&session))?;
        ra.check(ChatAction::ManageRooms)?;
        let group_id = ra.access.group.id.clone();
        diesel::update(rooms::table.find(&room_id))
            .set((
                rooms::name.eq(name.unwrap_or(ra.room.name.clone())),
                rooms::schedule.eq(schedule.unwrap_or(ra.room.schedule.clone())),
                rooms::retention_hours.eq(match retention {
                    Some(asked) => within_group(Some(asked), &ra.access.group)?,
                    None => ra.room.retention_hours,
                }),
                rooms::slow_mode_secs.eq(slow.unwrap_or(ra.room.slow_mode_secs)),
                rooms::locked.eq(change.locked.unwrap_or(ra.room.locked)),
            ))
            .execute(conn)?;
        let after = reread(conn, &ra)?;
        let kind = match (ra.room.locked, after.locked) {
            (false, true) => "locked",
            (true, false) => "unlocked",
            _ if ra.room.slow_mode_secs != after.slow_mode_secs => "slow_mode",
            _ => "changed",
        };
        let action = match kind {
            "locked" => ModlogAction::RoomLocked,
            "unlocked" => ModlogAction::RoomUnlocked,
            _ => ModlogAction::RoomChanged,
        };
        modlog::record(conn, &group_id, action, None, Some(&after.name))?;
        announce(emitted, &ra.view, &after, kind);
        Ok(after)
    })
    .await
}

fn reread(conn: &mut DbConnection, ra: &RoomAccess) -> Result<RoomView, AppError> {
    let room: RoomRow = rooms::table
        .find(&ra.room.id)
        .select(RoomRow::as_select())
        .first(conn)?;
    Ok(room.view(&ra.access.group))
}

/// A leader opens the session now (for `chat.session_hours`, or until closed), or closes it
/// (until the end of the meeting under way, if any; a room without a schedule until a leader
/// opens it again).
pub async fn set_session(
    state: &std::sync::Arc<AppState>,
    session: &Session,
    room_id: &str,
    open: bool,
) -> Result<RoomView, AppError> {
    let hours = i64::from(state.settings.chat.session_hours);
    let (room_id, session) = (room_id.to_string(), session.clone());
    bus::write(state, move |conn, emitted| {
        let ra = load_for_write(conn, &room_id, Some(&session))?;
        ra.check(ChatAction::ManageRooms)?;
        let now = time::now();
        let (opened, closed) = if open {
            (Some(now + hours * 3600), None)
        } else {
            // Closed until the scheduled meeting under way would have ended (or for now).
            let plain = RoomRow {
                opened_until: None,
                closed_until: None,
                ..ra.room.clone()
            };
            let until = match plain.opening(&ra.access.group, now).closes_at {
                Some(end) => end,
                // A room without a schedule would be open again a second later: it stays
                // closed until a leader opens it.
                None if plain.schedule.is_empty() => i64::MAX,
                // Between meetings it is closed already; the next one opens as planned.
                None => now + 1,
            };
            (None, Some(until.max(now + 1)))
        };
        diesel::update(rooms::table.find(&room_id))
            .set((
                rooms::opened_until.eq(opened),
                rooms::closed_until.eq(closed),
            ))
            .execute(conn)?;
        let after = reread(conn, &ra)?;
        let action = if open {
            ModlogAction::SessionOpened
        } else {
            ModlogAction::SessionClosed
        };
        modlog::record(conn, &ra.access.group.id, action, None, Some(&after.name))?;
        let kind = if after.open { "opened" } else { "closed" };
        emitted.push(bus::room_changed(&after, kind));
        Ok(after)
    })
    .await
}

/// A leader deletes a room with its messages; whoever is in it is told and disconnected.
pub async fn delete(
    state: &std::sync::Arc<AppState>,
    session: &Session,
    room_id: &str,
) -> Result<(), AppError> {
    let (room_id, session) = (room_id.to_string(), session.clone());
    bus::write(state, move |conn, emitted| {
        let ra = load_for_write(conn, &room_id, Some(&session))?;
        ra.check(ChatAction::ManageRooms)?;
        diesel::delete(rooms::table.find(&room_id)).execute(conn)?;
        modlog::record(
            conn,
            &ra.access.group.id,
            ModlogAction::RoomDeleted,
            None,
            Some(&ra.room.name),
        )?;
        emitted.push(Emit::event(Event::RoomGone { r: room_id.clone() }));
        Ok(())
    })
    .await
}

/// A room's state by its id, for whoever already may see it (the listener, the upkeep).
pub fn view_by_id(conn: &mut DbConnection, room_id: &str) -> Result<Option<RoomView>, AppError> {
    use crate::db::schema::{groups, steunpunten};
    let found: Option<(RoomRow, Group)> = rooms::table
        .inner_join(groups::table.inner_join(steunpunten::table))
        .filter(rooms::id.eq(room_id))
        .select((RoomRow::as_select(), Group::as_select()))
        .first(conn)
        .optional()?;
    Ok(found.map(|(room, group)| room.view(&group)))
}
