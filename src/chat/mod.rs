//! Chat: a group's rooms for its online meetings (bijeenkomsten), over websockets.
//!
//! - `rooms`: rooms, their schedule and state, and the facts the policy judges about them;
//! - `schedule`: weekly meetings in the steunpunt's time zone, open or closed now;
//! - `messages`: storing a message (its `seq` taken in the same transaction), history after a
//!   `seq`, deleting;
//! - `moderation`: a leader's mute or removal of a participant in one room;
//! - `presence`: who is in a room now, one row per connection, readable by every process;
//! - `bus`: what happened (a message, a deletion, a room's state, a member's standing), told
//!   to every process after commit: PostgreSQL's LISTEN/NOTIFY on one dedicated connection
//!   per process, or in memory on SQLite (one process);
//! - `hub`: this process's connections per room, and the bounded queue of each;
//! - `socket`: one websocket connection, from handshake to close;
//! - `erasure`: a member's messages in their export and erasure, and chat's retention.
//!
//! A message is stored, numbered and committed before anyone hears of it; the sender's own
//! `message` frame is its acknowledgement. A client that reconnects with `since` gets every
//! later message exactly once and in order: it asks for history after the last `seq` it saw
//! and drops whatever the live feed repeats.

pub mod bus;
pub mod erasure;
pub mod hub;
pub mod messages;
pub mod moderation;
pub mod presence;
pub mod rooms;
pub mod schedule;
pub mod socket;

use bytestring::ByteString;
use serde::Serialize;
use utoipa::ToSchema;

use crate::forum::AuthorKind;

/// This process's chat: its connections and its line to the other processes.
pub struct Chat {
    pub hub: hub::Hub,
    pub bus: bus::Bus,
}

impl Chat {
    pub fn new(postgres: bool) -> Chat {
        Chat {
            hub: hub::Hub::new(),
            bus: bus::Bus::new(postgres),
        }
    }
}

/// A chat message as clients receive it (the `message` frame, and history).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub room_id: String,
    /// Its place in the room: 1, 2, ... (gaps where messages were deleted).
    pub seq: i64,
    pub id: String,
    /// The author's display name in this group, a guest's nickname, or empty for a former
    /// member.
    pub author: String,
    /// The author's membership id (for a leader's moderation), if a member wrote it.
    pub author_id: Option<String>,
    pub author_kind: AuthorKind,
    /// Rendered and sanitised when it was sent.
    pub body_html: String,
    /// RFC 3339.
    pub sent_at: String,
    /// The sender's own id for the message, if it gave one.
    pub client_msg_id: Option<String>,
}

/// What the server sends over the websocket. Every frame has a `type`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// First frame of a connection: the room's state, who you are, the room's last `seq`.
    Ready {
        room: &'a rooms::RoomView,
        you: &'a Participant,
        last_seq: i64,
    },
    Message(&'a MessageView),
    /// A message was deleted: clients take it away. Told live, it carries the message's id;
    /// told to a client coming back (for a message up to its `since`), only its `seq`.
    Deleted {
        room_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
        seq: i64,
    },
    /// Something happened in the room (`kind`): it opened or closed, was locked, changed,
    /// or something concerns you (muted, removed). `room` is its state now.
    Notice {
        room_id: &'a str,
        kind: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<&'a rooms::RoomView>,
    },
    /// Who is present. Names only for the group's members; others see how many, and whether
    /// a leader is there. A connection gets the whole list (`present`) once, after `ready`
    /// (a long list in parts: `present` with the first ten, `joined` with the rest);
    /// then only the changes (`joined`, and the ids that `left`), so a busy room's arrivals
    /// cost each connection a few bytes, not the whole list again.
    Presence {
        room_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        present: Option<&'a [Participant]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        joined: Option<&'a [Participant]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        left: Option<&'a [String]>,
        count: usize,
        leader_present: bool,
    },
    Error {
        error: &'a str,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        opens_at: Option<&'a str>,
    },
}

impl ServerFrame<'_> {
    pub fn to_text(&self) -> ByteString {
        serde_json::to_string(self)
            .unwrap_or_else(|_| r#"{"type":"error","error":"internal","message":""}"#.into())
            .into()
    }
}

/// Someone in a room, as others see them.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Participant {
    /// The membership id, or for a guest `guest:` and the connection's id.
    pub id: String,
    pub name: String,
    pub leader: bool,
    pub guest: bool,
}
