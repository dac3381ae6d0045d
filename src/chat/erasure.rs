//! What a member wrote in chat and how leaders stood towards them there, for their export
//! and their erasure. Erasing deletes their messages, or keeps them with the author shown as
//! "former member" (as they choose for the forum); their room sanctions and presence go.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::db::schema::{message_deletions, messages, room_presence, room_sanctions, rooms};
use crate::error::AppError;
use crate::forum::erasure::PostsChoice;
use crate::time;

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatMessageExport {
    pub id: String,
    pub room_id: String,
    pub room_name: String,
    /// The membership it was written with.
    pub membership_id: String,
    pub seq: i64,
    pub body_html: String,
    pub sent_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomSanctionExport {
    pub room_id: String,
    pub membership_id: String,
    /// mute or remove.
    pub kind: String,
    pub until: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatExport {
    /// Every chat message of mine that is still kept.
    pub messages: Vec<ChatMessageExport>,
    /// Leaders' mutes and removals of me in a room, while they last.
    pub room_sanctions: Vec<RoomSanctionExport>,
    /// The rooms I am in right now (one entry per open connection).
    pub present_in: Vec<String>,
}

type MessageRow = (String, String, String, Option<String>, i64, String, i64);

pub fn export(conn: &mut DbConnection, memberships: &[String]) -> Result<ChatExport, AppError> {
    let rows: Vec<MessageRow> = messages::table
        .inner_join(rooms::table)
        .filter(messages::author_membership.eq_any(memberships))
        .order((messages::sent_at, messages::seq))
        .select((
            messages::id,
            messages::room_id,
            rooms::name,
            messages::author_membership,
            messages::seq,
            messages::body_html,
            messages::sent_at,
        ))
        .load(conn)?;
    let messages = rows
        .into_iter()
        .map(
            |(id, room_id, room_name, membership, seq, body_html, at)| ChatMessageExport {
                id,
                room_id,
                room_name,
                membership_id: membership.unwrap_or_default(),
                seq,
                body_html,
                sent_at: time::rfc3339(at),
            },
        )
        .collect();
    let room_sanctions = room_sanctions::table
        .filter(room_sanctions::membership_id.eq_any(memberships))
        .select((
            room_sanctions::room_id,
            room_sanctions::membership_id,
            room_sanctions::kind,
            room_sanctions::until,
        ))
        .load::<(String, String, String, i64)>(conn)?
        .into_iter()
        .map(|(room_id, membership_id, kind, until)| RoomSanctionExport {
            room_id,
            membership_id,
            kind,
            until: time::rfc3339(until),
        })
        .collect();
    let present_in = room_presence::table
        .filter(room_presence::membership_id.eq_any(memberships))
        .select(room_presence::room_id)
        .load(conn)?;
    Ok(ChatExport {
        messages,
        room_sanctions,
        present_in,
    })
}

/// Erases what `memberships` wrote in chat, as chosen, before the memberships go.
pub fn erase(
    conn: &mut DbConnection,
    memberships: &[String],
    choice: PostsChoice,
) -> Result<(), AppError> {
    if memberships.is_empty() {
        return Ok(());
    }
    diesel::delete(room_sanctions::table.filter(room_sanctions::membership_id.eq_any(memberships)))
        .execute(conn)?;
    diesel::delete(room_presence::table.filter(room_presence::membership_id.eq_any(memberships)))
        .execute(conn)?;
    let mine = messages::table.filter(messages::author_membership.eq_any(memberships));
    match choice {
        PostsChoice::Delete => {
            // Clients that were away when they went still drop them when they come back.
            let gone: Vec<(String, i64)> = mine
                .clone()
                .select((messages::room_id, messages::seq))
                .load(conn)?;
            diesel::delete(mine).execute(conn)?;
            super::messages::record_deletions(conn, &gone)?;
        }
        PostsChoice::Anonymise => {
            // Unlinked, and the resend key with it (it could tie the words to the person).
            diesel::update(mine)
                .set((
                    messages::author_membership.eq(None::<String>),
                    messages::client_msg_id.eq(None::<String>),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Messages past their room's retention are deleted: `retention_hours` after the meeting
/// session they were sent in ended (in a room that is always open, after they were sent).
/// So are the notes of deleted messages, `retention_hours` after the deletion.
pub fn purge_expired(conn: &mut DbConnection) -> Result<usize, AppError> {
    let now = time::now();
    // Per room, by its own retention. Rooms are few; one statement each.
    let rooms: Vec<(String, i32)> = rooms::table
        .select((rooms::id, rooms::retention_hours))
        .load(conn)?;
    let mut gone = 0;
    for (room, hours) in rooms {
        let cutoff = now - i64::from(hours) * 3600;
        gone += diesel::delete(
            messages::table.filter(messages::room_id.eq(&room)).filter(
                messages::session_ends_at
                    .lt(cutoff)
                    .or(messages::session_ends_at
                        .is_null()
                        .and(messages::sent_at.lt(cutoff))
                        .nullable()),
            ),
        )
        .execute(conn)?;
        // A deletion is noted for as long as a message sent with it would be kept.
        diesel::delete(
            message_deletions::table
                .filter(message_deletions::room_id.eq(&room))
                .filter(message_deletions::deleted_at.lt(cutoff)),
        )
        .execute(conn)?;
    }
    Ok(gone)
}
