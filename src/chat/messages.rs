//! Chat messages: stored rendered with the room's next `seq` in one transaction, read back
//! after a `seq`, deleted for real.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::MessageView;
use super::bus::{self, Emit, Event};
use super::rooms::{self, RoomAccess, RoomView};
use crate::db::DbConnection;
use crate::db::schema::{memberships, messages, rooms as rooms_table};
use crate::error::AppError;
use crate::forum;
use crate::groups::modlog::{self, ModlogAction};
use crate::markdown;
use crate::policy::{ChatAction, MemberRole};
use crate::secrets;
use crate::sessions::Session;
use crate::state::AppState;
use crate::time;

/// Most messages one history answer holds; a client asks again from the last `seq`.
pub const HISTORY_PAGE: i64 = 200;
/// Longest `client_msg_id`.
pub const CLIENT_ID_MAX: usize = 64;

/// Who sends: a session, or a guest connection with its nickname.
#[derive(Debug, Clone)]
pub struct Sender {
    pub session: Option<Session>,
    /// A guest's connection key and nickname (open groups only).
    pub guest: Option<(String, String)>,
}

/// What a send came to.
pub enum Sent {
    /// Stored and told to the room (the sender's own frame is its acknowledgement).
    Stored,
    /// Stored before, under the same `client_msg_id`: not stored again, and not sent again
    /// either. The sender's connection has its frame already, or will get it: it came live
    /// if it was stored while the connection was there, and with the catch-up after `since`
    /// if before. A second frame with the same `seq` would break "exactly once".
    Again,
}

/// A body as typed: at most `max_chars` characters, not empty, no control characters but
/// line breaks and tabs.
pub fn checked_body(raw: &str, max_chars: usize) -> Result<String, AppError> {
    let body = raw.replace("\r\n", "\n");
    if body.trim().is_empty() {
        return Err(AppError::invalid("body_empty", "Write something first."));
    }
    if body.chars().count() > max_chars {
        return Err(AppError::invalid(
            "body_too_long",
            format!("A chat message has at most {max_chars} characters."),
        ));
    }
    if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::invalid(
            "invalid_field",
            "body contains characters that are not allowed.",
        ));
    }
    Ok(body)
}

pub fn checked_client_id(raw: Option<&str>) -> Result<Option<String>, AppError> {
    match raw {
        None => Ok(None),
        Some(id)
            if !id.is_empty()
                && id.len() <= CLIENT_ID_MAX
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(id.to_string()))
        }
        Some(_) => Err(AppError::invalid(
            "invalid_field",
            "client_msg_id must be 1 to 64 letters, digits, '-' or '_'.",
        )),
    }
}

#[derive(Insertable)]
#[diesel(table_name = messages)]
struct NewMessage<'a> {
    id: &'a str,
    room_id: &'a str,
    seq: i64,
    author_membership: Option<&'a str>,
    guest_name: Option<&'a str>,
    guest_key: Option<&'a str>,
    client_msg_id: Option<&'a str>,
    body_html: &'a str,
    sent_at: i64,
    session_ends_at: Option<i64>,
}

/// Stores a message (checked at the edge: `body` by [`checked_body`], `client_msg_id` by
/// [`checked_client_id`]) and tells the room. One trip: the facts are read, the policy asked
/// and the message numbered and stored in one transaction. Answers the room's state beside
/// the outcome, so a refusal can say when the room opens.
pub async fn send(
    state: &std::sync::Arc<AppState>,
    room_id: &str,
    sender: Sender,
    body: String,
    client_msg_id: Option<String>,
) -> Result<(Result<Sent, AppError>, Option<RoomView>), AppError> {
    let room_id = room_id.to_string();
    let idle = crate::sessions::idle_secs(state);
    let outcome = bus::write(state, move |conn, emitted| {
        // The session as it is now: logged out elsewhere, or expired, it sends no more.
        if let Some(session) = &sender.session {
            crate::sessions::resolve_hash_in(conn, &session.token_hash, idle)?
                .ok_or_else(logged_out)?;
        }
        let ra = rooms::load_for_write(conn, &room_id, sender.session.as_ref())?;
        let view = ra.view.clone();
        match store(conn, emitted, &ra, &sender, &body, client_msg_id.as_deref()) {
            Ok(sent) => Ok((Ok(sent), Some(view))),
            // A refusal rolls nothing back that matters: nothing was written.
            Err(e @ AppError::Client { .. }) => Ok((Err(e), Some(view))),
            Err(e) => Err(e),
        }
    })
    .await;
    match outcome {
        Err(e @ AppError::Client { .. }) => Ok((Err(e), None)),
        other => other,
    }
}

/// A connection whose session ended (it closes).
pub fn logged_out() -> AppError {
    AppError::client(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "logged_out",
        "You are logged out. Log in again to take part.",
    )
}

fn store(
    conn: &mut DbConnection,
    emitted: &mut Vec<Emit>,
    ra: &RoomAccess,
    sender: &Sender,
    body: &str,
    client_msg_id: Option<&str>,
) -> Result<Sent, AppError> {
    ra.check(ChatAction::SendMessage)?;
    let membership = ra.access.membership.as_ref();
    let guest = match (membership, &sender.guest) {
        (Some(_), _) => None,
        (None, Some(guest)) => Some(guest),
        (None, None) => {
            return Err(AppError::conflict(
                "nickname_required",
                "Choose a nickname for this chat first.",
            ));
        }
    };
    let author = membership.map(|m| m.id.as_str());
    let guest_key = guest.map(|(key, _)| key.as_str());
    if let Some(client_id) = client_msg_id {
        let query = messages::table
            .filter(messages::room_id.eq(&ra.room.id))
            .filter(messages::client_msg_id.eq(client_id))
            .select(messages::id)
            .into_boxed();
        let query = match author {
            Some(a) => query.filter(messages::author_membership.eq(a)),
            None => query.filter(messages::guest_key.eq(guest_key.unwrap_or_default())),
        };
        let before: Option<String> = query.first(conn).optional()?;
        if before.is_some() {
            return Ok(Sent::Again);
        }
    }
    let now = time::now();
    let leader = ra.access.actor.relation == crate::policy::Relation::Leader;
    if ra.room.slow_mode_secs > 0 && !leader {
        let query = messages::table
            .filter(messages::room_id.eq(&ra.room.id))
            .select(diesel::dsl::max(messages::sent_at))
            .into_boxed();
        let query = match author {
            Some(a) => query.filter(messages::author_membership.eq(a)),
            None => query.filter(messages::guest_key.eq(guest_key.unwrap_or_default())),
        };
        let last: Option<i64> = query.first(conn)?;
        let wait = last.map_or(0, |t| t + i64::from(ra.room.slow_mode_secs) - now);
        if wait > 0 {
            return Err(AppError::Client {
                status: actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                code: "slow_mode",
                message: format!(
                    "Slow mode: wait {} seconds between messages.",
                    ra.room.slow_mode_secs
                ),
                retry_after_secs: Some(wait as u64),
            });
        }
    }
    let html = markdown::render_reduced(body);
    diesel::update(rooms_table::table.find(&ra.room.id))
        .set(rooms_table::last_seq.eq(rooms_table::last_seq + 1))
        .execute(conn)?;
    let seq: i64 = rooms_table::table
        .find(&ra.room.id)
        .select(rooms_table::last_seq)
        .first(conn)?;
    let id = secrets::new_id();
    diesel::insert_into(messages::table)
        .values(NewMessage {
            id: &id,
            room_id: &ra.room.id,
            seq,
            author_membership: author,
            guest_name: guest.map(|(_, name)| name.as_str()),
            guest_key,
            client_msg_id,
            body_html: html.as_str(),
            sent_at: now,
            // Retention counts from the end of the meeting session it was said in.
            session_ends_at: ra.room.opening(&ra.access.group, now).closes_at,
        })
        .execute(conn)?;
    let (name, kind) = forum::author(
        guest.map(|(_, name)| name.clone()),
        membership.map(|m| (m.display_name.clone(), m.role)),
    );
    let view = MessageView {
        room_id: ra.room.id.clone(),
        seq,
        id,
        author: name,
        author_id: author.map(str::to_string),
        author_kind: kind,
        body_html: html.as_str().to_string(),
        sent_at: time::rfc3339(now),
        client_msg_id: client_msg_id.map(str::to_string),
    };
    emitted.push(Emit {
        event: Event::Message {
            r: ra.room.id.clone(),
            s: seq,
        },
        frame: Some(bus::message_frame(&view)),
    });
    Ok(Sent::Stored)
}

type Row = (
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i64,
    Option<(String, MemberRole)>,
);

fn view_of(row: Row) -> MessageView {
    let (id, room_id, seq, author, guest_name, client_msg_id, body_html, sent_at, member) = row;
    let (name, kind) = forum::author(guest_name, member);
    MessageView {
        room_id,
        seq,
        id,
        author: name,
        author_id: author,
        author_kind: kind,
        body_html,
        sent_at: time::rfc3339(sent_at),
        client_msg_id,
    }
}

macro_rules! message_rows {
    () => {
        messages::table
            .left_join(
                memberships::table.on(memberships::id.nullable().eq(messages::author_membership)),
            )
            .select((
                messages::id,
                messages::room_id,
                messages::seq,
                messages::author_membership,
                messages::guest_name,
                messages::client_msg_id,
                messages::body_html,
                messages::sent_at,
                (memberships::display_name, memberships::role).nullable(),
            ))
    };
}

/// The room's messages after `since`, oldest first, at most `limit` (one indexed query).
pub fn history(
    conn: &mut DbConnection,
    room_id: &str,
    since: i64,
    limit: i64,
) -> Result<Vec<MessageView>, AppError> {
    Ok(message_rows!()
        .filter(messages::room_id.eq(room_id))
        .filter(messages::seq.gt(since))
        .order(messages::seq)
        .limit(limit.clamp(1, HISTORY_PAGE))
        .load::<Row>(conn)?
        .into_iter()
        .map(view_of)
        .collect())
}

/// The newest `limit` messages, oldest first (a page without JavaScript).
pub fn recent(
    conn: &mut DbConnection,
    room_id: &str,
    limit: i64,
) -> Result<Vec<MessageView>, AppError> {
    let mut rows: Vec<MessageView> = message_rows!()
        .filter(messages::room_id.eq(room_id))
        .order(messages::seq.desc())
        .limit(limit.clamp(1, HISTORY_PAGE))
        .load::<Row>(conn)?
        .into_iter()
        .map(view_of)
        .collect();
    rows.reverse();
    Ok(rows)
}

/// The most deletions a returning client is told of at once (the newest).
pub const DELETIONS_TOLD: i64 = 1000;

/// Notes that messages (room, seq) were deleted: a client that held them and was away is
/// told when it comes back ([`deletions`]). Nothing else of them is kept, not even their id.
pub fn record_deletions(conn: &mut DbConnection, gone: &[(String, i64)]) -> Result<(), AppError> {
    use crate::db::schema::message_deletions as d;
    let now = time::now();
    // One row each (the two backends share no batch insert); deletions come one at a time,
    // or a member's at their erasure.
    for (room, seq) in gone {
        diesel::insert_into(d::table)
            .values((d::room_id.eq(room), d::seq.eq(seq), d::deleted_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

/// The seqs of the room's messages up to `upto` that were deleted at `noted_from` or later,
/// oldest first: what a client that has messages up to `upto` may still show. At most
/// [`DELETIONS_TOLD`], the newest; none when it had nothing.
pub fn deletions(
    conn: &mut DbConnection,
    room_id: &str,
    upto: i64,
    noted_from: i64,
) -> Result<Vec<i64>, AppError> {
    use crate::db::schema::message_deletions as d;
    if upto <= 0 {
        return Ok(vec![]);
    }
    let mut rows: Vec<i64> = d::table
        .filter(d::room_id.eq(room_id))
        .filter(d::seq.le(upto))
        .filter(d::deleted_at.ge(noted_from))
        .order(d::seq.desc())
        .limit(DELETIONS_TOLD)
        .select(d::seq)
        .load(conn)?;
    rows.reverse();
    Ok(rows)
}

/// History after `since`, as the API answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub room: RoomView,
    pub messages: Vec<MessageView>,
    /// More messages follow: ask again with `since` set to the last `seq` here.
    pub more: bool,
}

pub fn read_history(
    conn: &mut DbConnection,
    ra: &RoomAccess,
    since: i64,
) -> Result<History, AppError> {
    ra.check(ChatAction::ReadRoom)?;
    let mut messages = history(conn, &ra.room.id, since, HISTORY_PAGE + 1)?;
    let more = messages.len() as i64 > HISTORY_PAGE;
    messages.truncate(HISTORY_PAGE as usize);
    Ok(History {
        room: ra.view.clone(),
        messages,
        more,
    })
}

/// Deletes a message for real: its author's own, or any as a leader. It disappears for
/// everyone in the room at once.
pub async fn delete(
    state: &std::sync::Arc<AppState>,
    session: &Session,
    message_id: &str,
) -> Result<(), AppError> {
    let (message_id, session) = (message_id.to_string(), session.clone());
    bus::write(state, move |conn, emitted| {
        let (room_id, seq, author): (String, i64, Option<String>) = messages::table
            .find(&message_id)
            .select((
                messages::room_id,
                messages::seq,
                messages::author_membership,
            ))
            .first(conn)
            .optional()?
            .ok_or_else(AppError::not_found)?;
        let ra = rooms::load_for_write(conn, &room_id, Some(&session))?;
        let own = author.is_some() && author.as_deref() == ra.access.membership_id();
        let facts = crate::policy::RoomFacts { own, ..ra.facts };
        ra.decide_on(facts, ChatAction::DeleteMessage).require()?;
        diesel::delete(messages::table.find(&message_id)).execute(conn)?;
        record_deletions(conn, &[(room_id.clone(), seq)])?;
        if !own {
            modlog::record(
                conn,
                &ra.access.group.id,
                ModlogAction::MessageDeleted,
                None,
                None,
            )?;
        }
        emitted.push(Emit::event(Event::Deleted {
            r: room_id,
            id: message_id.clone(),
            s: seq,
        }));
        Ok(())
    })
    .await
}
