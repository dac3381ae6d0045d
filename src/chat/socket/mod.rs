//! One websocket connection to a room, from the handshake to the close.
//!
//! The handshake is refused before the upgrade unless the session (cookie or bearer), the
//! policy and (by `web::security`, for every upgrade) the `Origin` allow it. Then the
//! connection subscribes to the hub first and reads history after `since` second, so that
//! nothing falls between the two: what the live feed repeats is dropped by `seq`, and a gap
//! in it is filled from the database. Each `send` frame is one trip to the blocking pool:
//! the facts are read and the policy asked again in the transaction that stores it, so a mute
//! or ban counts from the next frame on, whatever process it was decided on.
//! What a client sends is checked in [`inbound`]; the room's frames are written by the
//! response body in [`outgoing`], without waking the connection's task.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session as Socket};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use super::bus::{self, Emit, Event};
use super::hub::{self, Joining, Outbound, Subscription};
use super::messages;
use super::presence::{self, Present};
use super::rooms::{self, RoomView};
use super::{Participant, ServerFrame};
use crate::error::AppError;
use crate::policy::{ChatAction, Relation};
use crate::sessions::Session;
use crate::state::AppState;

mod inbound;
mod outgoing;
mod writing;

use inbound::{connection_limiter, error_frame, inbound};
use outgoing::Outgoing;
use writing::{Pace, control, write};

/// A write to a client that takes longer than this means it stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SocketQuery {
    /// The last `seq` the client has; every later message follows, exactly once, in order.
    #[param(minimum = 0)]
    pub since: Option<i64>,
    /// A guest's nickname for this connection (open groups; members write under their
    /// display name).
    pub nickname: Option<String>,
    /// A guest's own random key (16 to 64 letters, digits, `-` or `_`), the same on every
    /// reconnect of one page: a resend after a reconnect is then still stored once, and slow
    /// mode counts across reconnects. Kept only as a hash; without it, each connection is a
    /// guest of its own.
    pub guest_key: Option<String>,
}

/// Everything a connection knows about itself.
struct Conn {
    state: Arc<AppState>,
    room_id: String,
    session: Option<Session>,
    guest: Option<(String, String)>,
    connection_id: String,
    last_seq: i64,
    /// The room's last seq when the handshake looked.
    room_last_seq: i64,
    /// Sees who is present by name (the group's members).
    names: bool,
    /// Present as a leader.
    leader: bool,
    /// When the handshake began (unix seconds): a resync tells only deletions from then on,
    /// the ones before were told when the connection began. (One in that same second may be
    /// told twice; a client takes away what is already gone without a word.)
    joined_at: i64,
    room: RoomView,
}

/// The handshake: session, policy and room, in one trip; then the upgrade.
pub async fn handshake(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    room_id: String,
    query: SocketQuery,
) -> Result<HttpResponse, AppError> {
    let since = query.since.unwrap_or(0);
    if since < 0 {
        return Err(AppError::bad_request(
            "invalid_query",
            "since must be 0 or more.",
        ));
    }
    let guest_key = match query.guest_key.as_deref() {
        None => None,
        Some(key)
            if (16..=64).contains(&key.len())
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Some(crate::secrets::sha256_hex(key))
        }
        Some(_) => {
            return Err(AppError::bad_request(
                "invalid_query",
                "guest_key is 16 to 64 letters, digits, - or _.",
            ));
        }
    };
    let token = crate::web::auth::presented_token(&req, &state);
    let idle = crate::sessions::idle_secs(&state);
    let nickname = query.nickname;
    let id = room_id.clone();
    let (session, ra, guest_name) = state
        .db
        .run(move |conn| {
            let session = match token {
                Some(token) => crate::sessions::resolve_in(conn, &token, idle)?,
                None => None,
            };
            let ra = rooms::load(conn, &id, session.as_ref())?;
            ra.check(ChatAction::ReadRoom)?;
            let guest = match (&session, nickname.as_deref()) {
                (None, Some(raw)) => crate::forum::guest_name(conn, &ra.access, Some(raw))?,
                _ => None,
            };
            Ok((session, ra, guest))
        })
        .await?;
    if session.is_none() {
        // Guests (and readers without an account) are counted by source address, in memory
        // only: many connections from one place cannot fill a room.
        let source = crate::web::client::source_key(&req, &state.settings.server.trusted_proxies);
        state
            .limits
            .check(crate::limits::Attempt::ChatGuest, source, None)?;
    }
    let (response, socket, stream) = actix_ws::handle(&req, body).map_err(|_| {
        AppError::bad_request(
            "websocket_expected",
            "This address speaks websocket: open it with a websocket client.",
        )
    })?;
    let settings = &state.settings.chat;
    let stream = stream
        .max_frame_size(settings.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(settings.max_frame_bytes);
    let connection_id = crate::secrets::new_id();
    let you = Participant {
        id: match &ra.access.membership {
            Some(m) => m.id.clone(),
            None => format!("guest:{connection_id}"),
        },
        name: ra
            .access
            .membership
            .as_ref()
            .map(|m| m.display_name.clone())
            .or(guest_name.clone())
            .unwrap_or_default(),
        leader: ra.access.actor.relation == Relation::Leader,
        guest: ra.access.membership.is_none(),
    };
    let joining = Joining {
        group_id: ra.access.group.id.clone(),
        account_id: session.as_ref().map(|s| s.account.id.clone()),
        membership_id: ra.access.membership.as_ref().map(|m| m.id.clone()),
        guest: ra
            .access
            .membership
            .is_none()
            .then(|| connection_id.clone()),
        names: ra.may(ChatAction::SeePresence),
    };
    let names = joining.names;
    let sub = state.chat.hub.join(
        &room_id,
        joining,
        settings.outbound_queue,
        (
            settings.max_connections_per_room,
            settings.max_connections_per_account,
        ),
    )?;
    let queue = sub.queue.clone();
    let response = response
        .map_body(|_, task| Outgoing::new(task, queue))
        .map_into_boxed_body();
    // What the connection keeps, it keeps in copies made here, on the worker: the originals
    // came from a blocking thread's heap, where they would pin pages among the handshake's
    // freed temporaries for as long as the connection lives. (Measured, this moved little:
    // see benches/RESULTS.md, scenario 1 spot checks.)
    let (session, room) = (session.clone(), ra.view.clone());
    let conn = Conn {
        state: state.into_inner(),
        room_id,
        session,
        guest: guest_name.map(|name| (guest_key.unwrap_or_else(|| connection_id.clone()), name)),
        connection_id,
        last_seq: since,
        room_last_seq: ra.room.last_seq,
        names,
        leader: you.leader,
        joined_at: crate::time::now(),
        room,
    };
    actix_web::rt::spawn(run(Box::new(Connection {
        conn,
        you,
        sub,
        socket,
        stream,
    })));
    Ok(response)
}

/// What a connection's task owns, in one box: an async fn keeps its arguments twice (as
/// given, and as moved into its body), and an idle connection should pay for them once.
/// (Measured with `size_of_val` in a release build: the task's future went from 3,416 bytes
/// to 584, plus this box's 744.)
struct Connection {
    conn: Conn,
    you: Participant,
    sub: Subscription,
    socket: Socket,
    stream: actix_ws::AggregatedMessageStream,
}

async fn run(mut connection: Box<Connection>) {
    let c = &mut *connection;
    let close = match serve(
        &mut c.conn,
        &c.you,
        &mut c.sub,
        &mut c.socket,
        &mut c.stream,
    )
    .await
    {
        Ok(reason) => reason,
        Err(e) => {
            if let AppError::Internal(_) = e {
                tracing::error!(error = %e, "chat connection failed");
            }
            Some(close_reason(hub::CLOSE_DENIED, "error"))
        }
    };
    // Boxed, like every rarely taken path of a connection: an idle connection's task holds
    // only what waiting needs.
    Box::pin(finish(connection, close)).await;
}

/// After the connection: out of the room, out of presence, and closed (with `resync` when
/// the hub cut it loose).
async fn finish(connection: Box<Connection>, close: Option<CloseReason>) {
    let Connection {
        conn, sub, socket, ..
    } = *connection;
    let state = conn.state.clone();
    state.chat.hub.leave(&conn.room_id, sub.id);
    // Cut loose by the hub for falling behind (it found the queue full: this connection was
    // stuck writing, and its next write gave up).
    let cut = if sub.is_cut() {
        state.metrics.chat_cut.inc();
        Some(socket)
    } else {
        let _ = tokio::time::timeout(Duration::from_secs(2), socket.close(close)).await;
        None
    };
    let (room, connection) = (conn.room_id.clone(), conn.connection_id.clone());
    let left = bus::write(&state, move |db, emitted| {
        presence::remove(db, &connection)?;
        emitted.push(Emit::event(Event::Presence { r: room }));
        Ok(())
    })
    .await;
    if let Err(e) = left {
        tracing::warn!(error = %e, "presence could not be cleared");
    }
    if let Some(socket) = cut {
        // Cut loose for falling behind: its close frame waits behind what the client has not
        // read yet, after the room has let go of it. Without it the client got what was
        // buffered and then an end without a close frame (1006 in a browser), never the
        // sign to resume with `since` that the hub promises.
        let resync = close_reason(hub::CLOSE_RESYNC, "resync");
        let _ = tokio::time::timeout(WRITE_TIMEOUT, socket.close(Some(resync))).await;
    }
}

fn close_reason(code: u16, why: &str) -> CloseReason {
    CloseReason {
        code: CloseCode::Other(code),
        description: Some(why.to_string()),
    }
}

/// The connection's start: present, and caught up, in one trip; then `ready`, who is here,
/// and what was missed. False when the client stopped reading.
async fn begin(
    conn: &mut Conn,
    you: &Participant,
    sub: &Subscription,
    socket: &mut Socket,
) -> Result<bool, AppError> {
    // Present, and caught up: one trip.
    let (room, connection, process) = (
        conn.room_id.clone(),
        conn.connection_id.clone(),
        conn.state.chat.bus.process_id.clone(),
    );
    let (membership, guest_name, leader) = (
        you.id
            .strip_prefix("guest:")
            .is_none()
            .then(|| you.id.clone()),
        conn.guest.as_ref().map(|(_, name)| name.clone()),
        you.leader,
    );
    let since = conn.last_seq;
    let (present, history, deleted) = bus::write(&conn.state, move |db, emitted| {
        presence::add(
            db,
            &Present {
                connection_id: &connection,
                room_id: &room,
                process_id: &process,
                membership_id: membership.as_deref(),
                guest_name: guest_name.as_deref(),
                leader,
            },
        )?;
        emitted.push(Emit::event(Event::Presence { r: room.clone() }));
        Ok((
            presence::list(db, &room)?,
            messages::history(db, &room, since, messages::HISTORY_PAGE)?,
            messages::deletions(db, &room, since, i64::MIN)?,
        ))
    })
    .await?;
    let last_seq = conn.room_last_seq.max(history.last().map_or(0, |m| m.seq));
    let ready = ServerFrame::Ready {
        room: &conn.room,
        you,
        last_seq,
    }
    .to_text();
    let mut pace = Pace::default();
    if !pace.write(socket, sub, ready).await {
        return Ok(false);
    }
    // Who is here, once; the hub sends the changes from now on.
    for part in presence::full_frames(&conn.room_id, &present, conn.names) {
        if !pace.write(socket, sub, part).await {
            return Ok(false);
        }
    }
    if !tell_deleted(conn, sub, socket, &deleted, &mut pace).await {
        return Ok(false);
    }
    if !catch_up(conn, sub, socket, history, &mut pace).await? {
        return Ok(false);
    }
    // Caught up: the writer goes on from here.
    sub.queue.resume(conn.last_seq);
    Ok(true)
}

/// Serves the connection; answers how to close it (`None`: it is closed already).
async fn serve(
    conn: &mut Conn,
    you: &Participant,
    sub: &mut Subscription,
    socket: &mut Socket,
    stream: &mut actix_ws::AggregatedMessageStream,
) -> Result<Option<CloseReason>, AppError> {
    if !Box::pin(begin(conn, you, sub, socket)).await? {
        return Ok(None);
    }
    let settings = &conn.state.settings.chat;
    let (heartbeat_every, heartbeat_timeout) = (settings.heartbeat(), settings.heartbeat_timeout());
    let limit = conn.state.settings.limits.chat_messages_per_connection;
    let scale = conn.state.settings.limits.scale;
    let limiter = connection_limiter(limit.max, limit.window_seconds, scale);
    let mut heartbeat = tokio::time::interval(heartbeat_every);
    heartbeat.tick().await;
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            biased;
            // The writer (the response body) writes the room's frames itself; what it may not
            // decide alone (a gap, a resync, a recheck, a close) comes here, and it waits.
            handed = sub.queue.handed() => {
                let Some((item, last_seq)) = handed else {
                    return Ok(Some(close_reason(hub::CLOSE_RESYNC, "resync")));
                };
                conn.last_seq = last_seq;
                if let Flow::Stop(reason) = Box::pin(outbound(conn, sub, socket, item)).await? {
                    return Ok(reason);
                }
                sub.queue.resume(conn.last_seq);
            }
            message = stream.next() => {
                heard = Instant::now();
                match message {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        let state = conn.state.clone();
                        let (flow, trips) = crate::blocking::counting(Box::pin(inbound(
                            conn, sub, socket, &limiter, &text,
                        )))
                        .await;
                        state.metrics.chat_frames.inc();
                        state.metrics.chat_frame_trips.add(u64::from(trips));
                        if let Flow::Stop(reason) = flow? {
                            return Ok(reason);
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        let frame = error_frame("invalid_frame", "Send JSON text frames.", None);
                        if !write(socket, sub, frame).await {
                            return Ok(None);
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if !control(socket, sub, Some(&bytes)).await {
                            return Ok(None);
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) | None => return Ok(None),
                    Some(Err(actix_ws::ProtocolError::Overflow)) => {
                        return Ok(Some(CloseReason {
                            code: CloseCode::Size,
                            description: Some("frame_too_large".into()),
                        }));
                    }
                    Some(Err(_)) => {
                        return Ok(Some(CloseReason {
                            code: CloseCode::Protocol,
                            description: Some("protocol_error".into()),
                        }));
                    }
                }
            }
            _ = heartbeat.tick() => {
                if heard.elapsed() > heartbeat_timeout {
                    return Ok(Some(CloseReason {
                        code: CloseCode::Away,
                        description: Some("heartbeat_timeout".into()),
                    }));
                }
                if !control(socket, sub, None).await {
                    return Ok(None);
                }
            }
        }
    }
}

enum Flow {
    Go,
    Stop(Option<CloseReason>),
}

/// Tells a client which of the messages it may hold (up to its `since`) were deleted, as
/// `deleted` frames: they went while it was away. False when the client stopped reading.
async fn tell_deleted(
    conn: &Conn,
    sub: &Subscription,
    socket: &mut Socket,
    deleted: &[i64],
    pace: &mut Pace,
) -> bool {
    for &seq in deleted {
        let frame = ServerFrame::Deleted {
            room_id: &conn.room_id,
            id: None,
            seq,
        }
        .to_text();
        if !pace.write(socket, sub, frame).await {
            return false;
        }
    }
    true
}

/// Writes the history after the connection's last seq: `first`, the page read with the
/// trip that began (or rechecked) the connection, then page after page until one is not full.
/// Only the first page is read under the chat write lock; the rest are plain reads, one page
/// in memory at a time. Live frames wait in the connection's bounded queue meanwhile (a room
/// busy enough to fill it cuts the connection loose, and the client resumes from where this
/// got). False when the client stopped reading.
async fn catch_up(
    conn: &mut Conn,
    sub: &Subscription,
    socket: &mut Socket,
    first: Vec<super::MessageView>,
    pace: &mut Pace,
) -> Result<bool, AppError> {
    let mut page = first;
    loop {
        let full = page.len() as i64 == messages::HISTORY_PAGE;
        for message in page {
            if message.seq > conn.last_seq {
                conn.last_seq = message.seq;
                if !pace.write(socket, sub, bus::message_frame(&message)).await {
                    return Ok(false);
                }
            }
        }
        if !full {
            return Ok(true);
        }
        let (room, after) = (conn.room_id.clone(), conn.last_seq);
        page = conn
            .state
            .db
            .run(move |db| messages::history(db, &room, after, messages::HISTORY_PAGE))
            .await?;
    }
}

async fn outbound(
    conn: &mut Conn,
    sub: &Subscription,
    socket: &mut Socket,
    item: Outbound,
) -> Result<Flow, AppError> {
    let ok = |sent: bool| if sent { Flow::Go } else { Flow::Stop(None) };
    match item {
        Outbound::Message { seq, frame } => {
            if seq <= conn.last_seq {
                return Ok(Flow::Go);
            }
            if seq > conn.last_seq + 1 {
                // A gap (a deleted message, or one this process has not heard of yet).
                return resync(conn, sub, socket, None).await;
            }
            conn.last_seq = seq;
            Ok(ok(write(socket, sub, frame).await))
        }
        Outbound::Frame(frame) => Ok(ok(write(socket, sub, frame).await)),
        Outbound::Resync => resync(conn, sub, socket, None).await,
        Outbound::Recheck { kind, why } => resync(conn, sub, socket, Some((kind, why))).await,
        Outbound::Close {
            code,
            reason,
            frame,
        } => {
            if let Some(frame) = frame {
                write(socket, sub, frame).await;
            }
            let notice = ServerFrame::Notice {
                room_id: &conn.room_id,
                kind: reason,
                reason: None,
                room: None,
            }
            .to_text();
            write(socket, sub, notice).await;
            Ok(Flow::Stop(Some(close_reason(code, reason))))
        }
    }
}

/// Checks access again and catches up from the last seq (one trip). `told`: what happened
/// to this member, to say so (and why) before anything else.
async fn resync(
    conn: &mut Conn,
    sub: &Subscription,
    socket: &mut Socket,
    told: Option<(String, Option<String>)>,
) -> Result<Flow, AppError> {
    let (room_id, session, since) = (conn.room_id.clone(), conn.session.clone(), conn.last_seq);
    let joined_at = conn.joined_at;
    let guest_removed = told.as_ref().is_some_and(|(k, _)| k == "removed") && conn.guest.is_some();
    let idle = crate::sessions::idle_secs(&conn.state);
    let checked = conn
        .state
        .db
        .run(move |db| {
            // The session as it is now: logged out (here or on another process), it is gone.
            let session = match session {
                Some(s) => match crate::sessions::resolve_hash_in(db, &s.token_hash, idle)? {
                    Some(now) => Some(now),
                    None => return Ok(Err("logged_out")),
                },
                None => None,
            };
            let ra = match rooms::load(db, &room_id, session.as_ref()) {
                Ok(ra) => ra,
                Err(AppError::Client { .. }) => return Ok(Err("access_lost")),
                Err(e) => return Err(e),
            };
            if !ra.may(ChatAction::ReadRoom) {
                return Ok(Err("access_lost"));
            }
            let standing = (
                ra.access.actor.relation == Relation::Leader,
                ra.may(ChatAction::SeePresence),
            );
            Ok(Ok((
                ra.view.clone(),
                (
                    messages::history(db, &room_id, since, messages::HISTORY_PAGE)?,
                    messages::deletions(db, &room_id, since, joined_at)?,
                ),
                session,
                standing,
            )))
        })
        .await?;
    if let Some((kind, why)) = &told {
        let notice = ServerFrame::Notice {
            room_id: &conn.room_id,
            kind,
            reason: why.as_deref(),
            room: checked.as_ref().ok().map(|(view, ..)| view),
        }
        .to_text();
        if !write(socket, sub, notice).await {
            return Ok(Flow::Stop(None));
        }
    }
    let (view, (history, deleted), session, standing) = match checked {
        Ok(_) if guest_removed => {
            return Ok(Flow::Stop(Some(close_reason(hub::CLOSE_DENIED, "removed"))));
        }
        Ok(fine) => fine,
        Err(lost) => {
            // Say what happened (banned, left, logged_out), if it was said; else why.
            let why = told.map_or(lost.to_string(), |(kind, _)| kind);
            return Ok(Flow::Stop(Some(close_reason(hub::CLOSE_DENIED, &why))));
        }
    };
    if standing != (conn.leader, conn.names) {
        // A leader now, or no longer; or may now see who is here by name, or no longer: the
        // connection's place in presence was fixed when it joined, so it starts over. The
        // client resumes with `since`, as after any resync close.
        return Ok(Flow::Stop(Some(close_reason(hub::CLOSE_RESYNC, "resync"))));
    }
    conn.room = view;
    conn.session = session;
    // Deletions it may have missed since it began (a resync means events may have been lost).
    let mut pace = Pace::default();
    if !tell_deleted(conn, sub, socket, &deleted, &mut pace).await {
        return Ok(Flow::Stop(None));
    }
    if !catch_up(conn, sub, socket, history, &mut pace).await? {
        return Ok(Flow::Stop(None));
    }
    Ok(Flow::Go)
}
