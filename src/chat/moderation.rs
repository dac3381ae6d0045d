//! A leader's hand in a room: mute a participant there (they read but do not write), or
//! remove them from it, for a while; and lift a mute. The participant's connection is told
//! why at once, on whichever process holds it. Leaders are not muted or removed (the
//! member policy says so), and a guest can only be removed (its connection closes).

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::bus::{self, Emit, Event};
use super::rooms;
use crate::db::schema::{memberships, room_sanctions};
use crate::error::AppError;
use crate::groups::model::MembershipRow;
use crate::groups::modlog::{self, ModlogAction};
use crate::policy::{ChatAction, MemberAction, Target};
use crate::sessions::Session;
use crate::state::AppState;
use crate::{text, time};

/// Longest sanction in a room: a week.
pub const MAX_MINUTES: u32 = 7 * 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomSanction {
    Mute,
    Remove,
}

impl RoomSanction {
    fn kind(self) -> &'static str {
        match self {
            RoomSanction::Mute => "mute",
            RoomSanction::Remove => "remove",
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantSanction {
    /// How long, in minutes (1 to 10080; default 60).
    pub minutes: Option<u32>,
    /// Why; the participant sees it. Up to 500 characters.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Mutes or removes `participant` (a membership id, or `guest:` and a guest connection's id)
/// in a room.
pub async fn sanction(
    state: &std::sync::Arc<AppState>,
    session: &Session,
    room_id: &str,
    participant: &str,
    what: RoomSanction,
    body: ParticipantSanction,
) -> Result<(), AppError> {
    let minutes = body.minutes.unwrap_or(60);
    if minutes == 0 || minutes > MAX_MINUTES {
        return Err(AppError::invalid(
            "invalid_field",
            format!("minutes must be 1 to {MAX_MINUTES}."),
        ));
    }
    let reason = match body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        None => None,
        Some(r) => Some(text::checked("reason", r, 1, 500, true)?),
    };
    let (room_id, participant, session) = (
        room_id.to_string(),
        participant.to_string(),
        session.clone(),
    );
    bus::write(state, move |conn, emitted| {
        let ra = rooms::load_for_write(conn, &room_id, Some(&session))?;
        ra.check(ChatAction::ModerateParticipant)?;
        let group_id = ra.access.group.id.clone();
        if let Some(guest) = participant.strip_prefix("guest:") {
            if what == RoomSanction::Mute {
                return Err(AppError::conflict(
                    "guest_participant",
                    "A guest cannot be muted; remove them from the room instead.",
                ));
            }
            modlog::record(
                conn,
                &group_id,
                ModlogAction::ParticipantRemoved,
                None,
                reason.as_deref(),
            )?;
            emitted.push(Emit::event(Event::Guest {
                r: room_id.clone(),
                c: guest.to_string(),
                why: reason,
            }));
            return Ok(());
        }
        let target: MembershipRow = memberships::table
            .find(&participant)
            .filter(memberships::group_id.eq(&group_id))
            .select(MembershipRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(AppError::not_found)?;
        ra.access
            .check_on(Target { role: target.role }, MemberAction::Mute)?;
        let until = time::now() + i64::from(minutes) * 60;
        diesel::delete(
            room_sanctions::table
                .filter(room_sanctions::room_id.eq(&room_id))
                .filter(room_sanctions::membership_id.eq(&participant))
                .filter(room_sanctions::kind.eq(what.kind())),
        )
        .execute(conn)?;
        diesel::insert_into(room_sanctions::table)
            .values((
                room_sanctions::room_id.eq(&room_id),
                room_sanctions::membership_id.eq(&participant),
                room_sanctions::kind.eq(what.kind()),
                room_sanctions::until.eq(until),
            ))
            .execute(conn)?;
        let action = match what {
            RoomSanction::Mute => ModlogAction::ParticipantMuted,
            RoomSanction::Remove => ModlogAction::ParticipantRemoved,
        };
        modlog::record_about(conn, &group_id, action, &target.own(), reason.as_deref())?;
        emitted.push(Emit::event(Event::Member {
            m: participant.clone(),
            r: Some(room_id.clone()),
            kind: match what {
                RoomSanction::Mute => "muted".into(),
                RoomSanction::Remove => "removed".into(),
            },
            why: reason,
        }));
        Ok(())
    })
    .await
}

/// Lifts a participant's mute and removal in a room.
pub async fn lift(
    state: &std::sync::Arc<AppState>,
    session: &Session,
    room_id: &str,
    participant: &str,
) -> Result<(), AppError> {
    let (room_id, participant, session) = (
        room_id.to_string(),
        participant.to_string(),
        session.clone(),
    );
    bus::write(state, move |conn, emitted| {
        let ra = rooms::load_for_write(conn, &room_id, Some(&session))?;
        ra.check(ChatAction::ModerateParticipant)?;
        let target: MembershipRow = memberships::table
            .find(&participant)
            .filter(memberships::group_id.eq(&ra.access.group.id))
            .select(MembershipRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(AppError::not_found)?;
        ra.access
            .check_on(Target { role: target.role }, MemberAction::LiftSanction)?;
        diesel::delete(
            room_sanctions::table
                .filter(room_sanctions::room_id.eq(&room_id))
                .filter(room_sanctions::membership_id.eq(&participant)),
        )
        .execute(conn)?;
        modlog::record_about(
            conn,
            &ra.access.group.id,
            ModlogAction::ParticipantUnmuted,
            &target.own(),
            None,
        )?;
        emitted.push(Emit::event(Event::Member {
            m: participant.clone(),
            r: Some(room_id.clone()),
            kind: "unmuted".into(),
            why: None,
        }));
        Ok(())
    })
    .await
}

/// Room sanctions whose time is up are deleted (retention).
pub fn purge_ended(conn: &mut crate::db::DbConnection) -> Result<usize, AppError> {
    Ok(
        diesel::delete(room_sanctions::table.filter(room_sanctions::until.le(time::now())))
            .execute(conn)?,
    )
}
