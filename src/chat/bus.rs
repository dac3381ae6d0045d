//! What happened in chat, told to every process after it is committed.
//!
//! A chat write runs in [`write`]: the change and its events in one transaction. On
//! PostgreSQL the events go out with `pg_notify` inside that transaction, so they are
//! delivered at commit, in commit order, to every `kring serve` process sharing the database,
//! this one included; each process listens on one dedicated connection ([`listen`]) and feeds
//! its own connections. Payloads are small and carry ids, not message text: a process looks a
//! message up unless it wrote it itself (then the frame waits in `recent`, by the event's
//! nonce). When the listening connection drops, every local connection is resynced from its
//! last `seq` once it is back. On SQLite there is one process: events are delivered in memory
//! right after commit: the write takes its place in an outbox under one lock, and the outbox
//! is delivered in that order, so that messages reach the hub in `seq` order.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytestring::ByteString;
use diesel::prelude::*;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::rooms::RoomView;
use super::{MessageView, ServerFrame, messages, presence};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::state::AppState;

/// The PostgreSQL channel chat events travel on.
pub const CHANNEL: &str = "kring_chat";
/// The listening connection's `application_name` (operators, and the tests, can find it).
pub const LISTENER_NAME: &str = "kring-chat-listener";

/// An event as it travels between processes (short keys: NOTIFY payloads stay small).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "k")]
pub enum Event {
    /// A message was stored in room `r` with seq `s`.
    #[serde(rename = "m")]
    Message { r: String, s: i64 },
    /// Message `id` (seq `s`) of room `r` was deleted.
    #[serde(rename = "d")]
    Deleted { r: String, id: String, s: i64 },
    /// Room `r` changed (`kind`: opened, closed, locked, unlocked, slow_mode, changed).
    #[serde(rename = "r")]
    Room { r: String, kind: String },
    /// Room `r` was deleted.
    #[serde(rename = "g")]
    RoomGone { r: String },
    /// Who is present in room `r` changed.
    #[serde(rename = "p")]
    Presence { r: String },
    /// Membership `m`'s standing changed (`kind`: banned, muted, unmuted, removed, left), in
    /// room `r` or the whole group; its connections check their access again.
    #[serde(rename = "x")]
    Member {
        m: String,
        r: Option<String>,
        kind: String,
        why: Option<String>,
    },
    /// Account `a`'s sessions ended or changed (`kind`: logged_out, erased): its connections
    /// check their session again, and close when it is gone.
    #[serde(rename = "a")]
    Account { a: String, kind: String },
    /// Group `g`'s openness changed (its mode, listing or status): the connections in its
    /// rooms check their access again.
    #[serde(rename = "o")]
    Group { g: String },
    /// A leader removed guest connection `c` from room `r`.
    #[serde(rename = "c")]
    Guest {
        r: String,
        c: String,
        why: Option<String>,
    },
}

/// An event with the frame it becomes, when the writer already has it.
pub struct Emit {
    pub event: Event,
    pub frame: Option<ByteString>,
}

impl Emit {
    pub fn event(event: Event) -> Emit {
        Emit { event, frame: None }
    }
}

/// A room's new state, as an event and the notice frame it becomes.
pub fn room_changed(view: &RoomView, kind: &'static str) -> Emit {
    Emit {
        event: Event::Room {
            r: view.id.clone(),
            kind: kind.to_string(),
        },
        frame: Some(notice(view, kind)),
    }
}

pub fn notice(view: &RoomView, kind: &str) -> ByteString {
    ServerFrame::Notice {
        room_id: &view.id,
        kind,
        reason: None,
        room: Some(view),
    }
    .to_text()
}

pub fn message_frame(view: &MessageView) -> ByteString {
    ServerFrame::Message(view).to_text()
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Which process wrote it, and a number of its own: the key of `recent`.
    n: String,
    #[serde(flatten)]
    event: Event,
}

pub struct Bus {
    postgres: bool,
    /// Identifies this process (its presence rows, its own events).
    pub process_id: String,
    /// SQLite: held across a chat write's commit and its place in `outbox`.
    order: Mutex<()>,
    /// SQLite: committed events, in commit order, until they are delivered by the async
    /// worker that made the write (see [`write`]).
    outbox: Mutex<VecDeque<(Event, Option<ByteString>)>>,
    /// Held while the outbox is delivered, so that deliveries keep commit order.
    delivering: Mutex<()>,
    /// PostgreSQL: frames of this process's own events, until the listener hears them.
    recent: Mutex<HashMap<String, ByteString>>,
    counter: std::sync::atomic::AtomicU64,
    /// Rooms whose presence is to be re-read and sent (debounced).
    presence_due: Mutex<HashSet<String>>,
    /// Numbers presence reads, so the hub applies them in the order they were made.
    presence_reads: std::sync::atomic::AtomicU64,
}

impl Bus {
    pub fn new(postgres: bool) -> Bus {
        Bus {
            postgres,
            process_id: crate::secrets::new_id(),
            order: Mutex::new(()),
            outbox: Mutex::new(VecDeque::new()),
            delivering: Mutex::new(()),
            recent: Mutex::new(HashMap::new()),
            counter: Default::default(),
            presence_due: Mutex::new(HashSet::new()),
            presence_reads: Default::default(),
        }
    }

    fn ordered(&self) -> Option<MutexGuard<'_, ()>> {
        (!self.postgres).then(|| self.order.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// PostgreSQL: sends the events with the transaction (delivered at its commit).
    fn notify(&self, conn: &mut DbConnection, emitted: &mut [Emit]) -> Result<(), AppError> {
        if !self.postgres {
            return Ok(());
        }
        for emit in emitted.iter_mut() {
            let n = format!(
                "{}.{}",
                self.process_id,
                self.counter
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            let payload = serde_json::to_string(&Payload {
                n: n.clone(),
                event: emit.event.clone(),
            })
            .map_err(AppError::internal)?;
            diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<diesel::sql_types::Text, _>(CHANNEL)
                .bind::<diesel::sql_types::Text, _>(payload)
                .execute(conn)?;
            if let Some(frame) = emit.frame.take() {
                let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
                // Frames of transactions that rolled back are never heard of: keep it small.
                if recent.len() > 10_000 {
                    recent.clear();
                }
                recent.insert(n, frame);
            }
        }
        Ok(())
    }
}

/// Runs a chat write: `work` changes the database and lists what happened; the events go
/// out after commit (see the module's docs). One trip to the blocking pool.
///
/// On SQLite the events are delivered back on the async worker, once the trip is over: the
/// connections it wakes there are woken without crossing threads (the blocking thread would
/// have to wake each one through the worker's remote queue, on the same CPU the worker needs
/// to write them). Should the caller stop waiting before the trip ends, the blocking thread
/// delivers them itself.
pub async fn write<T, F>(state: &Arc<AppState>, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &mut Vec<Emit>) -> Result<T, AppError> + Send + 'static,
{
    let st = state.clone();
    let delivery = Delivery {
        state,
        gone: Arc::new(AtomicBool::new(false)),
    };
    let gone = delivery.gone.clone();
    state
        .db
        .run(move |conn| {
            let bus = &st.chat.bus;
            let order = bus.ordered();
            let mut emitted = vec![];
            let value = crate::db::write(conn, |conn| {
                let value = work(conn, &mut emitted)?;
                bus.notify(conn, &mut emitted)?;
                Ok(value)
            })?;
            if !bus.postgres {
                bus.outbox
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(emitted.into_iter().map(|emit| (emit.event, emit.frame)));
                drop(order);
                if gone.load(Ordering::SeqCst) {
                    deliver_outbox(&st);
                }
            }
            Ok(value)
        })
        .await
}

/// Delivers the outbox when [`write`]'s caller is done with the trip (or gone).
struct Delivery<'a> {
    state: &'a Arc<AppState>,
    gone: Arc<AtomicBool>,
}

impl Drop for Delivery<'_> {
    fn drop(&mut self) {
        self.gone.store(true, Ordering::SeqCst);
        deliver_outbox(self.state);
    }
}

/// SQLite: delivers every committed event waiting in the outbox, in commit order.
fn deliver_outbox(state: &Arc<AppState>) {
    let bus = &state.chat.bus;
    if bus.postgres {
        return;
    }
    let _one_at_a_time = bus.delivering.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let next = bus
            .outbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front();
        let Some((event, frame)) = next else {
            return;
        };
        deliver(state, event, frame);
    }
}

/// Feeds one event to this process's connections. `frame` is the frame it becomes, when
/// known; a message without one is looked up (on the blocking pool: never called from an
/// async worker without its frame, see [`listen`]).
fn deliver(state: &Arc<AppState>, event: Event, frame: Option<ByteString>) {
    let hub = &state.chat.hub;
    match event {
        Event::Message { r, s } => {
            if let Some(frame) = frame {
                hub.message(&r, s, frame);
            }
        }
        Event::Deleted { r, id, s } => {
            let frame = frame.unwrap_or_else(|| {
                ServerFrame::Deleted {
                    room_id: &r,
                    id: Some(&id),
                    seq: s,
                }
                .to_text()
            });
            hub.frame(&r, frame);
        }
        Event::Room { r, .. } => {
            if let Some(frame) = frame {
                hub.room_changed(&r, frame);
            }
        }
        Event::RoomGone { r } => hub.room_gone(&r),
        Event::Presence { r } => presence_changed(state, r),
        Event::Member { m, r, kind, why } => hub.member(&m, r.as_deref(), &kind, why),
        Event::Guest { r, c, why } => hub.guest(&r, &c, why),
        Event::Account { a, kind } => hub.account(&a, &kind),
        Event::Group { g } => hub.group(&g),
    }
}

/// Re-reads a room's presence soon and sends what changed to its connections here: many
/// joins within a moment cost one read, and each connection one small frame.
fn presence_changed(state: &Arc<AppState>, room_id: String) {
    if !state.chat.hub.has_room(&room_id) {
        return;
    }
    let first = state
        .chat
        .bus
        .presence_due
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(room_id.clone());
    if !first {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let state = state.clone();
    runtime.spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        state
            .chat
            .bus
            .presence_due
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&room_id);
        let ticket = state
            .chat
            .bus
            .presence_reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let id = room_id.clone();
        match state.db.run(move |conn| presence::list(conn, &id)).await {
            Ok(present) => state.chat.hub.presence(&room_id, ticket, present),
            Err(e) => tracing::warn!(error = %e, "presence could not be read"),
        }
    });
}

/// The frame of an event heard from PostgreSQL, when it needs the database.
fn look_up(conn: &mut DbConnection, event: &Event) -> Result<Option<ByteString>, AppError> {
    Ok(match event {
        Event::Message { r, s } => messages::history(conn, r, s - 1, 1)?
            .into_iter()
            .find(|m| m.seq == *s)
            .map(|m| message_frame(&m)),
        Event::Room { r, kind } => super::rooms::view_by_id(conn, r)?.map(|v| notice(&v, kind)),
        _ => None,
    })
}

/// PostgreSQL: listens for chat events on one dedicated connection for as long as the
/// process runs, reconnecting when it drops (then every local connection resyncs).
pub async fn listen(
    state: Arc<AppState>,
    url: String,
    mut ready: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut first = true;
    loop {
        match listen_once(&state, &url, &mut first, &mut ready).await {
            Ok(()) => tracing::warn!("chat listener connection closed; reconnecting"),
            Err(e) => tracing::warn!(error = %e, "chat listener failed; reconnecting"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn listen_once(
    state: &Arc<AppState>,
    url: &str,
    first: &mut bool,
    ready: &mut Option<tokio::sync::oneshot::Sender<()>>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut config: tokio_postgres::Config = url.parse()?;
    config.application_name(LISTENER_NAME);
    config.connect_timeout(Duration::from_secs(5));
    let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_string()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "chat listener connection error");
                    break;
                }
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    tracing::info!("chat listener connected");
    if let Some(ready) = ready.take() {
        let _ = ready.send(());
    }
    if !std::mem::take(first) {
        // Whatever was committed while nobody listened: every connection catches up.
        state.chat.hub.resync_all();
    }
    while let Some(payload) = rx.recv().await {
        let Ok(Payload { n, event }) = serde_json::from_str::<Payload>(&payload) else {
            tracing::warn!("an unreadable chat event was ignored");
            continue;
        };
        let mine = state
            .chat
            .bus
            .recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&n);
        let needs_lookup = mine.is_none()
            && matches!(event, Event::Message { .. } | Event::Room { .. })
            && event_room(&event).is_some_and(|r| state.chat.hub.has_room(r));
        let frame = if needs_lookup {
            let lookup = event.clone();
            // In order: the next event waits for this one's frame.
            match state.db.run(move |conn| look_up(conn, &lookup)).await {
                Ok(frame) => frame,
                Err(e) => {
                    tracing::warn!(error = %e, "a chat event could not be read");
                    if let Some(room) = event_room(&event) {
                        state.chat.hub.resync_room(room);
                    }
                    None
                }
            }
        } else {
            mine
        };
        deliver(state, event, frame);
    }
    driver.abort();
    Ok(())
}

fn event_room(event: &Event) -> Option<&str> {
    match event {
        Event::Message { r, .. }
        | Event::Deleted { r, .. }
        | Event::Room { r, .. }
        | Event::RoomGone { r }
        | Event::Presence { r }
        | Event::Guest { r, .. } => Some(r),
        Event::Member { .. } | Event::Account { .. } | Event::Group { .. } => None,
    }
}

/// Starts this process's chat background work: the listener on PostgreSQL (waiting until it
/// listens, so nothing committed after start-up is missed) and the upkeep.
pub async fn start(state: &Arc<AppState>) -> Vec<tokio::task::JoinHandle<()>> {
    // Alive before any connection's presence counts.
    let process = state.chat.bus.process_id.clone();
    if let Err(e) = state
        .db
        .run(move |conn| presence::refresh(conn, &process))
        .await
    {
        tracing::warn!(error = %e, "chat presence could not start");
    }
    let mut tasks = vec![tokio::spawn(upkeep(state.clone()))];
    if let crate::db::Backend::Postgres { url } = state.db.backend() {
        let (ready, listening) = tokio::sync::oneshot::channel();
        tasks.push(tokio::spawn(listen(
            state.clone(),
            url.clone(),
            Some(ready),
        )));
        if tokio::time::timeout(Duration::from_secs(10), listening)
            .await
            .is_err()
        {
            tracing::warn!("the chat listener is not listening yet; it keeps trying");
        }
    }
    tasks
}

/// At a clean shutdown: this process's presence rows go.
pub async fn stop(state: &Arc<AppState>, tasks: Vec<tokio::task::JoinHandle<()>>) {
    for task in tasks {
        task.abort();
    }
    let process = state.chat.bus.process_id.clone();
    let _ = state
        .db
        .run(move |conn| presence::forget_process(conn, &process))
        .await;
}

/// Background upkeep: this process's presence rows stay fresh, and rooms whose schedule
/// opens or closes them tell their connections.
pub async fn upkeep(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(15));
    let mut rounds: u64 = 0;
    loop {
        tick.tick().await;
        rounds += 1;
        let process = state.chat.bus.process_id.clone();
        let rooms = state.chat.hub.rooms();
        let refresh = rounds.is_multiple_of(4);
        let result = state
            .db
            .run(move |conn| {
                if refresh {
                    presence::refresh(conn, &process)?;
                }
                let mut views = vec![];
                for room in rooms {
                    if let Some(view) = super::rooms::view_by_id(conn, &room)? {
                        views.push(view);
                    }
                }
                Ok(views)
            })
            .await;
        match result {
            Ok(views) => {
                for view in views {
                    state.chat.hub.schedule_tick(&view);
                }
            }
            Err(e) => tracing::warn!(error = %e, "chat upkeep failed"),
        }
    }
}

/// Tells every process that a membership's standing changed in the whole group (a ban, a
/// mute, leaving), after the change was committed elsewhere (`groups::members`).
pub async fn tell_member(state: &AppState, membership_id: &str, kind: &str, why: Option<String>) {
    let event = Event::Member {
        m: membership_id.to_string(),
        r: None,
        kind: kind.to_string(),
        why,
    };
    tell(state, event, "a member's new standing").await;
}

/// Tells every process that an account's sessions ended (`kind`: logged_out, erased), after
/// it was committed elsewhere (`sessions`, `accounts`): its connections close at once.
pub async fn tell_account(state: &AppState, account_id: &str, kind: &str) {
    let event = Event::Account {
        a: account_id.to_string(),
        kind: kind.to_string(),
    };
    tell(state, event, "an ended session").await;
}

/// Tells every process that a group's openness changed (`groups::settings`), after it was
/// committed: who may read its rooms may have changed, so their connections check again.
pub async fn tell_group(state: &AppState, group_id: &str) {
    let event = Event::Group {
        g: group_id.to_string(),
    };
    tell(state, event, "a group's new openness").await;
}

/// An event about something committed outside a chat write: delivered here at once on
/// SQLite, and through NOTIFY to every process (this one included) on PostgreSQL.
async fn tell(state: &AppState, event: Event, what: &str) {
    if !state.chat.bus.postgres {
        match event {
            Event::Member { m, r, kind, why } => {
                state.chat.hub.member(&m, r.as_deref(), &kind, why);
            }
            Event::Account { a, kind } => state.chat.hub.account(&a, &kind),
            Event::Group { g } => state.chat.hub.group(&g),
            _ => {}
        }
        return;
    }
    let Ok(payload) = serde_json::to_string(&Payload {
        n: String::new(),
        event,
    }) else {
        return;
    };
    let sent = state
        .db
        .run(move |conn| {
            diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<diesel::sql_types::Text, _>(CHANNEL)
                .bind::<diesel::sql_types::Text, _>(payload)
                .execute(conn)?;
            Ok(())
        })
        .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, "{what} could not be told to chat");
    }
}
