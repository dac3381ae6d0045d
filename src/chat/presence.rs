//! Who is in a room now: one row per open connection, written by the process that holds it,
//! so that every process can tell its clients who is present. A row goes when its connection
//! closes; a process that stopped without saying so leaves rows that are ignored once they
//! are stale (their process refreshes its rows every minute) and then purged.

use bytestring::ByteString;
use diesel::prelude::*;

use super::{Participant, ServerFrame};
use crate::db::DbConnection;
use crate::db::schema::{memberships, room_presence};
use crate::error::AppError;
use crate::time;

/// A row not refreshed for this long belongs to a process that is gone.
pub const STALE_SECS: i64 = 180;

/// Who a connection is, for presence.
pub struct Present<'a> {
    pub connection_id: &'a str,
    pub room_id: &'a str,
    pub process_id: &'a str,
    pub membership_id: Option<&'a str>,
    pub guest_name: Option<&'a str>,
    pub leader: bool,
}

#[derive(Insertable)]
#[diesel(table_name = room_presence)]
struct Row<'a> {
    connection_id: &'a str,
    room_id: &'a str,
    process_id: &'a str,
    membership_id: Option<&'a str>,
    guest_name: Option<&'a str>,
    leader: bool,
    seen_at: i64,
}

pub fn add(conn: &mut DbConnection, p: &Present) -> Result<(), AppError> {
    diesel::insert_into(room_presence::table)
        .values(Row {
            connection_id: p.connection_id,
            room_id: p.room_id,
            process_id: p.process_id,
            membership_id: p.membership_id,
            guest_name: p.guest_name,
            leader: p.leader,
            seen_at: time::now(),
        })
        .execute(conn)?;
    Ok(())
}

pub fn remove(conn: &mut DbConnection, connection_id: &str) -> Result<(), AppError> {
    diesel::delete(room_presence::table.find(connection_id)).execute(conn)?;
    Ok(())
}

/// Marks this process's rows fresh and purges the rows of processes that are gone.
pub fn refresh(conn: &mut DbConnection, process_id: &str) -> Result<(), AppError> {
    let now = time::now();
    diesel::update(room_presence::table.filter(room_presence::process_id.eq(process_id)))
        .set(room_presence::seen_at.eq(now))
        .execute(conn)?;
    diesel::delete(room_presence::table.filter(room_presence::seen_at.lt(now - STALE_SECS)))
        .execute(conn)?;
    Ok(())
}

/// At a clean shutdown: this process's connections are gone.
pub fn forget_process(conn: &mut DbConnection, process_id: &str) -> Result<(), AppError> {
    diesel::delete(room_presence::table.filter(room_presence::process_id.eq(process_id)))
        .execute(conn)?;
    Ok(())
}

/// Who is in the room (one entry per person: a member with two tabs is there once).
type PresenceRow = (String, Option<String>, Option<String>, bool, Option<String>);

pub fn list(conn: &mut DbConnection, room_id: &str) -> Result<Vec<Participant>, AppError> {
    let rows: Vec<PresenceRow> = room_presence::table
        .left_join(
            memberships::table.on(memberships::id.nullable().eq(room_presence::membership_id)),
        )
        .filter(room_presence::room_id.eq(room_id))
        .filter(room_presence::seen_at.ge(time::now() - STALE_SECS))
        .order(room_presence::connection_id)
        .select((
            room_presence::connection_id,
            room_presence::membership_id,
            room_presence::guest_name,
            room_presence::leader,
            memberships::display_name.nullable(),
        ))
        .load(conn)?;
    let mut out: Vec<Participant> = vec![];
    for (connection, membership, guest_name, leader, name) in rows {
        let entry = match (membership, name) {
            (Some(id), Some(name)) => Participant {
                id,
                name,
                leader,
                guest: false,
            },
            // A guest, or someone whose membership just went (the row goes with it).
            _ => match guest_name {
                Some(name) => Participant {
                    id: format!("guest:{connection}"),
                    name,
                    leader: false,
                    guest: true,
                },
                None => continue,
            },
        };
        if !out.iter().any(|p| p.id == entry.id) {
            out.push(entry);
        }
    }
    out.sort_by(|a, b| b.leader.cmp(&a.leader).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

/// The presence frames of a room: with names (for members) and without.
pub fn frames(
    conn: &mut DbConnection,
    room_id: &str,
) -> Result<Option<(ByteString, ByteString)>, AppError> {
    let present = list(conn, room_id)?;
    let leader_present = present.iter().any(|p| p.leader);
    let named = ServerFrame::Presence {
        room_id,
        present: &present,
        count: present.len(),
        leader_present,
    }
    .to_text();
    let anonymous = ServerFrame::Presence {
        room_id,
        present: &[],
        count: present.len(),
        leader_present,
    }
    .to_text();
    Ok(Some((named, anonymous)))
}
