//! This process's chat connections, per room, each with a bounded queue of frames to write.
//!
//! The hub never waits for a connection: it offers each frame to each queue, and a queue
//! that is full belongs to a client that fell too far behind (a stalled tab, a phone in a
//! tunnel). That connection is cut loose at once (told to resume with `since` if it can still
//! hear it), so one slow reader never slows the room for the others.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use std::task::Waker;

use bytestring::ByteString;
use futures_util::task::AtomicWaker;
use tokio::sync::Notify;

use super::Participant;
use super::rooms::RoomView;
use crate::error::AppError;

/// What a connection is handed to write or to act on.
#[derive(Debug)]
pub enum Outbound {
    /// A message frame, with its seq (the connection drops repeats and fills gaps).
    Message { seq: i64, frame: ByteString },
    /// Any other frame, as it is.
    Frame(ByteString),
    /// The member's standing changed (`kind`): check access again, and say so.
    Recheck { kind: String, why: Option<String> },
    /// Events may have been missed: catch up from the last seq.
    Resync,
    /// Close with this code and reason, after a last frame if any.
    Close {
        code: u16,
        reason: &'static str,
        frame: Option<ByteString>,
    },
}

struct Conn {
    queue: Arc<Queue>,
    /// The logged-in account (its sessions ending closes the connection).
    account_id: Option<String>,
    membership_id: Option<String>,
    /// A guest's connection id (leaders remove guests by it).
    guest: Option<String>,
    /// Sees presence by name (members of the group).
    names: bool,
}

impl Drop for Conn {
    /// The hub let go of the connection (it left, was cut loose, or its room went): once
    /// its queue is empty, the connection hears that it is over.
    fn drop(&mut self) {
        self.queue.lock().released = true;
        self.queue.ready.notify_one();
    }
}

/// What [`Queue::push`] came to.
enum Pushed {
    Queued,
    /// The queue was full: the connection fell too far behind.
    Full,
    /// The connection is gone.
    Gone,
}

/// One connection's queue of frames to write, shared by the hub (which adds without ever
/// waiting), the connection's writer (its response body, which the HTTP dispatcher polls:
/// it takes frames in order and drops repeats by `seq`) and the connection's task (which is
/// handed what the writer must not decide alone: a gap, a resync, a recheck, a close).
/// While the task handles such an item the writer is paused, so what the task writes comes
/// first. Bounded by `capacity`; the memory it holds follows what waits in it, so an idle
/// connection costs a few words here.
///
/// A frame for everyone wakes one task, the dispatcher's, which writes it to the socket:
/// the connection's own task sleeps through the room's traffic.
pub struct Queue {
    items: Mutex<Items>,
    capacity: usize,
    /// The writer, woken when a frame waits.
    writer: AtomicWaker,
    /// The connection's task: handed an item, or the hub let go.
    ready: Notify,
    cut: AtomicBool,
    /// Told when the hub gives up on the connection (a write that waits stops waiting).
    pub notify: Notify,
}

struct Items {
    waiting: VecDeque<Outbound>,
    /// The last message seq written (or caught up to by the task).
    last_seq: i64,
    /// The writer waits for the task (from the start until it has caught up, and while it
    /// handles `handed`).
    paused: bool,
    handed: Option<Outbound>,
    /// The hub let go: no more will come.
    released: bool,
    /// The connection ended: nothing more is taken.
    gone: bool,
}

impl Queue {
    fn new(capacity: usize) -> Queue {
        Queue {
            items: Mutex::new(Items {
                waiting: VecDeque::new(),
                last_seq: 0,
                paused: true,
                handed: None,
                released: false,
                gone: false,
            }),
            capacity,
            writer: AtomicWaker::new(),
            ready: Notify::new(),
            cut: AtomicBool::new(false),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Items> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, item: Outbound) -> Pushed {
        let mut items = self.lock();
        if items.gone {
            return Pushed::Gone;
        }
        if items.waiting.len() >= self.capacity {
            return Pushed::Full;
        }
        items.waiting.push_back(item);
        drop(items);
        self.writer.wake();
        Pushed::Queued
    }

    /// The writer's turn (with `waker`, to be woken when more waits): hands every frame it
    /// may write now to `write`, in order, until `write` answers that it has enough. A
    /// message out of order, or anything but a frame, goes to the connection's task, and
    /// the writer pauses until [`Queue::resume`]. True when `write` had enough while more
    /// frames wait.
    pub fn write_into(&self, waker: &Waker, mut write: impl FnMut(ByteString) -> bool) -> bool {
        self.writer.register(waker);
        if self.is_cut() {
            return false;
        }
        let mut items = self.lock();
        let mut enough = false;
        while !items.paused {
            let Some(item) = items.waiting.pop_front() else {
                break;
            };
            let frame = match item {
                Outbound::Message { seq, .. } if seq <= items.last_seq => continue,
                Outbound::Message { seq, frame } if seq == items.last_seq + 1 => {
                    items.last_seq = seq;
                    frame
                }
                Outbound::Frame(frame) => frame,
                other => {
                    items.handed = Some(other);
                    items.paused = true;
                    self.ready.notify_one();
                    break;
                }
            };
            if !write(frame) {
                enough = true;
                break;
            }
        }
        // After a burst (a room filling sends a few parts of who joined), give the memory
        // back: an idle connection keeps room for the few items a message brings.
        if items.waiting.is_empty() && items.waiting.capacity() > 4 {
            items.waiting = VecDeque::new();
        }
        enough && !items.paused && !items.waiting.is_empty()
    }

    /// The connection task's turn: the item the writer handed over, with the last seq
    /// written (the writer waits); `None` once the hub let go and nothing is left to write.
    pub async fn handed(&self) -> Option<(Outbound, i64)> {
        loop {
            {
                let mut items = self.lock();
                if let Some(item) = items.handed.take() {
                    return Some((item, items.last_seq));
                }
                if items.released && (items.waiting.is_empty() || self.is_cut()) {
                    return None;
                }
            }
            // A permit stored since the look above wakes this at once.
            self.ready.notified().await;
        }
    }

    /// The task wrote what it had to, up to `last_seq`: the writer goes on after it.
    pub fn resume(&self, last_seq: i64) {
        {
            let mut items = self.lock();
            items.last_seq = last_seq;
            items.paused = false;
        }
        self.writer.wake();
    }

    pub fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Acquire)
    }

    /// Cut loose: what waits is dropped (the client resumes with `since`).
    fn cut(&self) {
        self.cut.store(true, Ordering::Release);
        self.lock().waiting = VecDeque::new();
        self.notify.notify_waiters();
        self.notify.notify_one();
        self.ready.notify_one();
    }
}

#[derive(Default)]
struct Room {
    /// The group the room belongs to (its id): a change to the group's openness rechecks
    /// every connection in its rooms.
    group_id: String,
    conns: HashMap<u64, Conn>,
    /// Whether the room was open at the last look (schedule changes are announced).
    open: Option<bool>,
    /// Who was present at the last presence read this process applied, and that read's
    /// ticket: the next read is sent as the changes since (older reads are dropped).
    present: Vec<Participant>,
    presence_ticket: u64,
}

/// One connection's place in the hub: its id and its queue (which also says whether the
/// hub cut it loose).
pub struct Subscription {
    pub id: u64,
    pub queue: Arc<Queue>,
}

impl Subscription {
    pub fn is_cut(&self) -> bool {
        self.queue.is_cut()
    }
}

impl Drop for Subscription {
    /// The connection ended: the hub drops it at the next frame, and what waits is freed.
    fn drop(&mut self) {
        let mut items = self.queue.lock();
        items.gone = true;
        items.waiting = VecDeque::new();
    }
}

/// Who a connection is, as the hub needs to know.
pub struct Joining {
    pub group_id: String,
    pub account_id: Option<String>,
    pub membership_id: Option<String>,
    pub guest: Option<String>,
    pub names: bool,
}

#[derive(Default)]
pub struct Hub {
    rooms: Mutex<HashMap<String, Room>>,
    next: AtomicU64,
}

impl Hub {
    pub fn new() -> Hub {
        Hub::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn join(
        &self,
        room_id: &str,
        who: Joining,
        queue: usize,
        (max, max_per_account): (usize, usize),
    ) -> Result<Subscription, AppError> {
        let mut rooms = self.lock();
        let room = rooms.entry(room_id.to_string()).or_insert_with(|| Room {
            group_id: who.group_id.clone(),
            ..Room::default()
        });
        if room.conns.len() >= max {
            return Err(AppError::conflict(
                "room_full",
                "This room is full right now. Try again later.",
            ));
        }
        if let Some(account) = &who.account_id {
            let mine = room
                .conns
                .values()
                .filter(|c| c.account_id.as_ref() == Some(account))
                .count();
            if mine >= max_per_account {
                return Err(AppError::conflict(
                    "too_many_connections",
                    "You have this room open in too many tabs or devices. Close one first.",
                ));
            }
        }
        let queue = Arc::new(Queue::new(queue));
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        room.conns.insert(
            id,
            Conn {
                queue: queue.clone(),
                account_id: who.account_id,
                membership_id: who.membership_id,
                guest: who.guest,
                names: who.names,
            },
        );
        Ok(Subscription { id, queue })
    }

    pub fn leave(&self, room_id: &str, id: u64) {
        let mut rooms = self.lock();
        if let Some(room) = rooms.get_mut(room_id) {
            room.conns.remove(&id);
            if room.conns.is_empty() {
                rooms.remove(room_id);
            }
        }
    }

    pub fn has_room(&self, room_id: &str) -> bool {
        self.lock().contains_key(room_id)
    }

    /// The rooms with connections here.
    pub fn rooms(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Open connections in this process.
    pub fn connections(&self) -> usize {
        self.lock().values().map(|r| r.conns.len()).sum()
    }

    /// Offers `item` to every connection of `room_id` that `pick` chooses; drops those that
    /// are too far behind.
    fn offer(&self, room_id: &str, pick: impl FnMut(&Conn) -> Option<Outbound>) {
        offer_in(&mut self.lock(), room_id, pick);
    }

    pub fn message(&self, room_id: &str, seq: i64, frame: ByteString) {
        self.offer(room_id, |_| {
            Some(Outbound::Message {
                seq,
                frame: frame.clone(),
            })
        });
    }

    pub fn frame(&self, room_id: &str, frame: ByteString) {
        self.offer(room_id, |_| Some(Outbound::Frame(frame.clone())));
    }

    pub fn room_changed(&self, room_id: &str, frame: ByteString) {
        self.frame(room_id, frame);
    }

    /// The room was deleted: everyone in it is told and disconnected.
    pub fn room_gone(&self, room_id: &str) {
        self.offer(room_id, |_| {
            Some(Outbound::Close {
                code: CLOSE_GONE,
                reason: "room_deleted",
                frame: None,
            })
        });
    }

    /// Presence as a read with `ticket` found it: what changed since the last read applied
    /// goes to the room's connections, with names for members and without for everyone
    /// else. A read older than the last one applied is dropped (a newer one is on its way).
    pub fn presence(&self, room_id: &str, ticket: u64, now: Vec<Participant>) {
        let mut rooms = self.lock();
        let Some(room) = rooms.get_mut(room_id) else {
            return;
        };
        if ticket < room.presence_ticket {
            return;
        }
        room.presence_ticket = ticket;
        let changes = super::presence::change_frames(room_id, &room.present, &now);
        room.present = now;
        if let Some((named, anonymous)) = changes {
            for (i, part) in named.iter().enumerate() {
                offer_in(&mut rooms, room_id, |conn| match (conn.names, i) {
                    (true, _) => Some(Outbound::Frame(part.clone())),
                    (false, 0) => Some(Outbound::Frame(anonymous.clone())),
                    (false, _) => None,
                });
            }
        }
    }

    /// A membership's standing changed: its connections (in `room`, or in every room) check
    /// their access again.
    pub fn member(&self, membership_id: &str, room: Option<&str>, kind: &str, why: Option<String>) {
        let rooms: Vec<String> = match room {
            Some(room) => vec![room.to_string()],
            None => self.rooms(),
        };
        for room in rooms {
            self.offer(&room, |conn| {
                (conn.membership_id.as_deref() == Some(membership_id)).then(|| Outbound::Recheck {
                    kind: kind.to_string(),
                    why: why.clone(),
                })
            });
        }
    }

    /// An account's sessions ended (`kind`): its connections, in every room, check theirs.
    pub fn account(&self, account_id: &str, kind: &str) {
        for room in self.rooms() {
            self.offer(&room, |conn| {
                (conn.account_id.as_deref() == Some(account_id)).then(|| Outbound::Recheck {
                    kind: kind.to_string(),
                    why: None,
                })
            });
        }
    }

    /// A leader removed a guest's connection.
    pub fn guest(&self, room_id: &str, connection: &str, why: Option<String>) {
        self.offer(room_id, |conn| {
            (conn.guest.as_deref() == Some(connection)).then(|| Outbound::Recheck {
                kind: "removed".to_string(),
                why: why.clone(),
            })
        });
    }

    /// A group's openness (its mode, listing or status) changed: every connection in its
    /// rooms checks its access again, and catches up.
    pub fn group(&self, group_id: &str) {
        let mut rooms = self.lock();
        let ids: Vec<String> = rooms
            .iter()
            .filter(|(_, room)| room.group_id == group_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            offer_in(&mut rooms, &id, |_| Some(Outbound::Resync));
        }
    }

    pub fn resync_room(&self, room_id: &str) {
        self.offer(room_id, |_| Some(Outbound::Resync));
    }

    pub fn resync_all(&self) {
        for room in self.rooms() {
            self.resync_room(&room);
        }
    }

    /// A room's current state, looked at now and then: when its schedule opened or closed
    /// it since the last look, its connections are told.
    pub fn schedule_tick(&self, view: &RoomView) {
        let changed = {
            let mut rooms = self.lock();
            let Some(room) = rooms.get_mut(&view.id) else {
                return;
            };
            let before = room.open.replace(view.open);
            before.is_some_and(|b| b != view.open)
        };
        if changed {
            let kind = if view.open { "opened" } else { "closed" };
            self.frame(&view.id, super::bus::notice(view, kind));
        }
    }
}

/// [`Hub::offer`] with the hub's lock held.
fn offer_in(
    rooms: &mut HashMap<String, Room>,
    room_id: &str,
    mut pick: impl FnMut(&Conn) -> Option<Outbound>,
) {
    let Some(room) = rooms.get_mut(room_id) else {
        return;
    };
    room.conns.retain(|_, conn| {
        let Some(item) = pick(conn) else {
            return true;
        };
        match conn.queue.push(item) {
            Pushed::Queued => true,
            Pushed::Full => {
                conn.queue.cut();
                false
            }
            Pushed::Gone => false,
        }
    });
    if room.conns.is_empty() {
        rooms.remove(room_id);
    }
}

/// Close codes Kring uses (4000-4999 are the application's own).
pub const CLOSE_RESYNC: u16 = 4000;
pub const CLOSE_GONE: u16 = 4004;
pub const CLOSE_DENIED: u16 = 4003;

#[cfg(test)]
mod tests;
