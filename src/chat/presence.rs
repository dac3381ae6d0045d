//! Who is in a room now: one row per open connection, written by the process that holds it,
//! so that every process can tell its clients who is present. A row goes when its connection
//! closes; a process that stopped without saying so leaves rows that are ignored once its
//! own row in `chat_processes` is stale (a process refreshes that one row every minute) and
//! then purged.

use bytestring::ByteString;
use diesel::prelude::*;

use super::{Participant, ServerFrame};
use crate::db::DbConnection;
use crate::db::schema::{chat_processes, memberships, room_presence};
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

/// Says this process is alive (its one row in `chat_processes`), and purges the presence of
/// processes that are gone. One row per process, not one per connection: refreshing ten
/// thousand connections' rows every minute rewrote (and kept in every database connection's
/// cache) pages that idle connections never need.
pub fn refresh(conn: &mut DbConnection, process_id: &str) -> Result<(), AppError> {
    let now = time::now();
    let touched = diesel::update(chat_processes::table.find(process_id))
        .set(chat_processes::seen_at.eq(now))
        .execute(conn)?;
    if touched == 0 {
        diesel::insert_into(chat_processes::table)
            .values((
                chat_processes::process_id.eq(process_id),
                chat_processes::seen_at.eq(now),
            ))
            .execute(conn)?;
    }
    diesel::delete(chat_processes::table.filter(chat_processes::seen_at.lt(now - STALE_SECS)))
        .execute(conn)?;
    diesel::delete(room_presence::table.filter(diesel::dsl::not(
        room_presence::process_id.eq_any(chat_processes::table.select(chat_processes::process_id)),
    )))
    .execute(conn)?;
    Ok(())
}

/// At a clean shutdown: this process's connections are gone.
pub fn forget_process(conn: &mut DbConnection, process_id: &str) -> Result<(), AppError> {
    diesel::delete(room_presence::table.filter(room_presence::process_id.eq(process_id)))
        .execute(conn)?;
    diesel::delete(chat_processes::table.find(process_id)).execute(conn)?;
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
        .filter(
            room_presence::process_id.eq_any(
                chat_processes::table
                    .filter(chat_processes::seen_at.ge(time::now() - STALE_SECS))
                    .select(chat_processes::process_id),
            ),
        )
        .order(room_presence::connection_id)
        .select((
            room_presence::connection_id,
            room_presence::membership_id,
            room_presence::guest_name,
            room_presence::leader,
            memberships::display_name.nullable(),
        ))
        .load(conn)?;
    let mut out: Vec<Participant> = Vec::with_capacity(rows.len());
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
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
        if seen.insert(entry.id.clone()) {
            out.push(entry);
        }
    }
    out.sort_by(|a, b| b.leader.cmp(&a.leader).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

/// Participants per presence frame of the list a joining connection gets.
pub const PART: usize = 10;

/// The whole list, as a joining connection gets it: with names (for members) or without.
/// A long list comes in parts of [`PART`]: `present` with the first, then `joined` with the
/// rest, each with the room's whole count. Written with a pause between parts (the socket's
/// `Pace`), a room of 1,000 (70 KB of names) never sits whole in a connection's write buffer.
pub fn full_frames(room_id: &str, present: &[Participant], names: bool) -> Vec<ByteString> {
    let (count, leader_present) = (present.len(), present.iter().any(|p| p.leader));
    let shown = if names { present } else { &[] };
    let mut parts = shown.chunks(PART);
    let first = ServerFrame::Presence {
        room_id,
        present: Some(parts.next().unwrap_or(&[])),
        joined: None,
        left: None,
        count,
        leader_present,
    }
    .to_text();
    std::iter::once(first)
        .chain(parts.map(|part| {
            ServerFrame::Presence {
                room_id,
                present: None,
                joined: Some(part),
                left: Some(&[]),
                count,
                leader_present,
            }
            .to_text()
        }))
        .collect()
}

/// Ids of those who left per frame of a change (an id is about 30 bytes).
const LEFT_PART: usize = 4 * PART;

/// What changed from `before` to `now`: the frames with names (for members), in parts of
/// [`PART`] who joined and [`LEFT_PART`] who left, and one frame without names; `None` when
/// nothing changed. A room that fills at once (a meeting starting, a process restarting)
/// would otherwise send everyone one frame with a hundred names, which each connection's
/// write buffer takes whole and keeps resident for as long as the connection lives.
pub fn change_frames(
    room_id: &str,
    before: &[Participant],
    now: &[Participant],
) -> Option<(Vec<ByteString>, ByteString)> {
    use std::collections::HashMap;
    let was: HashMap<&str, &Participant> = before.iter().map(|p| (p.id.as_str(), p)).collect();
    let is: HashMap<&str, &Participant> = now.iter().map(|p| (p.id.as_str(), p)).collect();
    // Someone whose name or role changed counts as joined again (the client replaces them).
    let joined: Vec<Participant> = now
        .iter()
        .filter(|p| was.get(p.id.as_str()) != Some(p))
        .cloned()
        .collect();
    let left: Vec<String> = before
        .iter()
        .filter(|p| !is.contains_key(p.id.as_str()))
        .map(|p| p.id.clone())
        .collect();
    if joined.is_empty() && left.is_empty() {
        return None;
    }
    let leader_present = now.iter().any(|p| p.leader);
    let frame = |joined: &[Participant], left: &[String]| {
        ServerFrame::Presence {
            room_id,
            present: None,
            joined: Some(joined),
            left: Some(left),
            count: now.len(),
            leader_present,
        }
        .to_text()
    };
    let (mut joined_parts, mut left_parts) = (joined.chunks(PART), left.chunks(LEFT_PART));
    let mut named = Vec::new();
    loop {
        match (joined_parts.next(), left_parts.next()) {
            (None, None) => break,
            (joined, left) => named.push(frame(joined.unwrap_or(&[]), left.unwrap_or(&[]))),
        }
    }
    Some((named, frame(&[], &[])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str, name: &str, leader: bool) -> Participant {
        Participant {
            id: id.into(),
            name: name.into(),
            leader,
            guest: false,
        }
    }

    #[test]
    fn a_long_list_comes_in_parts_that_add_up() {
        let everyone: Vec<Participant> = (0..PART * 2 + 3)
            .map(|i| p(&format!("m{i}"), &format!("Lid {i}"), i == 7))
            .collect();
        let frames = full_frames("r", &everyone, true);
        assert_eq!(frames.len(), 3);
        let mut ids = Vec::new();
        for (i, frame) in frames.iter().enumerate() {
            let frame: serde_json::Value = serde_json::from_str(frame).unwrap();
            let key = if i == 0 { "present" } else { "joined" };
            assert!(frame[key].as_array().unwrap().len() <= PART);
            assert_eq!(
                (frame["count"].as_u64(), frame["leader_present"].as_bool()),
                (Some(everyone.len() as u64), Some(true))
            );
            ids.extend(
                frame[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["id"].as_str().unwrap().to_string()),
            );
        }
        let want: Vec<String> = everyone.iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids, want);
        // Without names: one frame, the count only.
        let anonymous = full_frames("r", &everyone, false);
        assert_eq!(anonymous.len(), 1);
        let frame: serde_json::Value = serde_json::from_str(&anonymous[0]).unwrap();
        assert_eq!(
            (
                frame["present"].as_array().map(Vec::len),
                frame["count"].as_u64()
            ),
            (Some(0), Some(everyone.len() as u64))
        );
        // An empty room: one frame.
        assert_eq!(full_frames("r", &[], true).len(), 1);
    }

    #[test]
    fn changes_name_who_came_and_who_went() {
        let before = [p("a", "Anna", true), p("b", "Bram", false)];
        let now = [p("b", "Bram", false), p("c", "Cas", false)];
        let (named, anonymous) = change_frames("r", &before, &now).unwrap();
        assert_eq!(named.len(), 1);
        let named: serde_json::Value = serde_json::from_str(&named[0]).unwrap();
        assert_eq!(named["joined"][0]["id"], "c");
        assert_eq!(named["left"], serde_json::json!(["a"]));
        assert_eq!(
            (named["count"].as_u64(), named["leader_present"].as_bool()),
            (Some(2), Some(false))
        );
        let anonymous: serde_json::Value = serde_json::from_str(&anonymous).unwrap();
        assert_eq!(anonymous["joined"], serde_json::json!([]));
        assert_eq!(anonymous["count"], 2);
        assert!(change_frames("r", &now, &now).is_none());
    }

    #[test]
    fn a_large_change_comes_in_parts_that_add_up() {
        let before: Vec<Participant> = (0..LEFT_PART + 5)
            .map(|i| p(&format!("old{i}"), &format!("Oud {i}"), false))
            .collect();
        let now: Vec<Participant> = (0..PART * 3 + 1)
            .map(|i| p(&format!("new{i}"), &format!("Nieuw {i}"), i == 0))
            .collect();
        let (named, _) = change_frames("r", &before, &now).unwrap();
        assert_eq!(named.len(), 4);
        let (mut joined, mut left) = (Vec::new(), Vec::new());
        for frame in &named {
            let frame: serde_json::Value = serde_json::from_str(frame).unwrap();
            let (j, l) = (
                frame["joined"].as_array().unwrap(),
                frame["left"].as_array().unwrap(),
            );
            assert!(j.len() <= PART && l.len() <= LEFT_PART);
            assert_eq!(
                (frame["count"].as_u64(), frame["leader_present"].as_bool()),
                (Some(now.len() as u64), Some(true))
            );
            joined.extend(j.iter().map(|p| p["id"].as_str().unwrap().to_string()));
            left.extend(l.iter().map(|id| id.as_str().unwrap().to_string()));
        }
        let ids = |list: &[Participant]| list.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        assert_eq!((joined, left), (ids(&now), ids(&before)));
    }
}
