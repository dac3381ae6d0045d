//! This process's chat connections, per room, each with a bounded queue of frames to write.
//!
//! The hub never waits for a connection: it offers each frame to each queue, and a queue
//! that is full belongs to a client that fell too far behind (a stalled tab, a phone in a
//! tunnel). That connection is cut loose at once (told to resume with `since` if it can still
//! hear it), so one slow reader never slows the room for the others.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytestring::ByteString;
use tokio::sync::{Notify, mpsc};

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
    tx: mpsc::Sender<Outbound>,
    membership_id: Option<String>,
    /// A guest's connection id (leaders remove guests by it).
    guest: Option<String>,
    /// Sees presence by name (members of the group).
    names: bool,
    cut: Arc<Cut>,
}

/// Set when the hub gave up on a connection (its queue was full): the connection stops
/// writing at once and closes.
#[derive(Default)]
pub struct Cut {
    flag: AtomicBool,
    pub notify: Notify,
}

impl Cut {
    pub fn is_cut(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }
    fn cut(&self) {
        self.flag.store(true, Ordering::Release);
        self.notify.notify_waiters();
        self.notify.notify_one();
    }
}

#[derive(Default)]
struct Room {
    conns: HashMap<u64, Conn>,
    /// Whether the room was open at the last look (schedule changes are announced).
    open: Option<bool>,
}

/// One connection's place in the hub.
pub struct Subscription {
    pub id: u64,
    pub rx: mpsc::Receiver<Outbound>,
    pub cut: Arc<Cut>,
}

/// Who a connection is, as the hub needs to know.
pub struct Joining {
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
        max: usize,
    ) -> Result<Subscription, AppError> {
        let mut rooms = self.lock();
        let room = rooms.entry(room_id.to_string()).or_default();
        if room.conns.len() >= max {
            return Err(AppError::conflict(
                "room_full",
                "This room is full right now. Try again later.",
            ));
        }
        let (tx, rx) = mpsc::channel(queue);
        let cut = Arc::new(Cut::default());
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        room.conns.insert(
            id,
            Conn {
                tx,
                membership_id: who.membership_id,
                guest: who.guest,
                names: who.names,
                cut: cut.clone(),
            },
        );
        Ok(Subscription { id, rx, cut })
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
    fn offer(&self, room_id: &str, mut pick: impl FnMut(&Conn) -> Option<Outbound>) {
        let mut rooms = self.lock();
        let Some(room) = rooms.get_mut(room_id) else {
            return;
        };
        room.conns.retain(|_, conn| {
            let Some(item) = pick(conn) else {
                return true;
            };
            match conn.tx.try_send(item) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    conn.cut.cut();
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
        if room.conns.is_empty() {
            rooms.remove(room_id);
        }
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

    /// Presence: the named list for members, the anonymous one for everyone else.
    pub fn presence(&self, room_id: &str, named: ByteString, anonymous: ByteString) {
        self.offer(room_id, |conn| {
            Some(Outbound::Frame(if conn.names {
                named.clone()
            } else {
                anonymous.clone()
            }))
        });
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

    /// A leader removed a guest's connection.
    pub fn guest(&self, room_id: &str, connection: &str, why: Option<String>) {
        self.offer(room_id, |conn| {
            (conn.guest.as_deref() == Some(connection)).then(|| Outbound::Recheck {
                kind: "removed".to_string(),
                why: why.clone(),
            })
        });
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

/// Close codes Kring uses (4000-4999 are the application's own).
pub const CLOSE_RESYNC: u16 = 4000;
pub const CLOSE_GONE: u16 = 4004;
pub const CLOSE_DENIED: u16 = 4003;

#[cfg(test)]
mod tests {
    use super::*;

    fn joining() -> Joining {
        Joining {
            membership_id: None,
            guest: None,
            names: true,
        }
    }

    #[test]
    fn a_full_queue_cuts_only_its_own_connection() {
        let hub = Hub::new();
        let mut fast = hub.join("r", joining(), 2, 10).unwrap();
        let slow = hub.join("r", joining(), 2, 10).unwrap();
        for seq in 1..=2 {
            hub.message("r", seq, ByteString::from_static("x"));
            // The fast reader keeps up; the slow one never reads.
            assert!(matches!(
                fast.rx.try_recv(),
                Ok(Outbound::Message { seq: s, .. }) if s == seq
            ));
        }
        assert!(!slow.cut.is_cut());
        hub.message("r", 3, ByteString::from_static("x"));
        assert!(slow.cut.is_cut(), "the third frame found its queue full");
        assert!(matches!(
            fast.rx.try_recv(),
            Ok(Outbound::Message { seq: 3, .. })
        ));
        assert_eq!(hub.connections(), 1);
        hub.leave("r", fast.id);
        assert!(!hub.has_room("r"));
    }

    #[test]
    fn rooms_have_a_cap() {
        let hub = Hub::new();
        let _a = hub.join("r", joining(), 4, 1).unwrap();
        assert!(hub.join("r", joining(), 4, 1).is_err());
        assert!(hub.join("other", joining(), 4, 1).is_ok());
    }
}
