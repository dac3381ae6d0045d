//! What someone may do in a group's chat rooms: the group's rules, plus facts about the room
//! (leaders only, locked, open for writing now) and about the asker in it (muted or removed
//! by a leader here), and whose a message is.

use super::Decision::{self, Allow, Deny};
use super::{Action, Actor, Denial, GroupFacts, Relation, decide};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatAction {
    /// See a room, its schedule and its history; connect to it.
    ReadRoom,
    /// See who is present by name (members of the group only).
    SeePresence,
    SendMessage,
    /// Delete a message: one's own, or any as a leader.
    DeleteMessage,
    /// Create, change and delete rooms; open and close a session; lock; slow mode (leaders).
    ManageRooms,
    /// Mute or remove a participant of a room (leaders).
    ModerateParticipant,
}

impl ChatAction {
    pub const EVERY: [ChatAction; 6] = [
        ChatAction::ReadRoom,
        ChatAction::SeePresence,
        ChatAction::SendMessage,
        ChatAction::DeleteMessage,
        ChatAction::ManageRooms,
        ChatAction::ModerateParticipant,
    ];

    pub fn name(self) -> String {
        super::snake_name(&format!("{self:?}"))
    }
}

/// What the policy needs to know about a room and the asker in it. Kept current by the
/// database: every frame's action is decided on facts read in the trip that acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomFacts {
    /// Only the group's leaders see and use the room.
    pub leaders_only: bool,
    pub locked: bool,
    /// Open for writing now (its schedule, or a leader's hand).
    pub open: bool,
    /// A leader muted the asker in this room.
    pub muted_here: bool,
    /// A leader removed the asker from this room for a while.
    pub removed_here: bool,
    /// The message acted on is the asker's (their current membership wrote it).
    pub own: bool,
}

impl RoomFacts {
    /// An ordinary room, open now, with nothing against the asker.
    pub const OPEN: RoomFacts = RoomFacts {
        leaders_only: false,
        locked: false,
        open: true,
        muted_here: false,
        removed_here: false,
        own: false,
    };
}

pub fn decide_on_room(
    actor: &Actor,
    group: &GroupFacts,
    room: RoomFacts,
    action: ChatAction,
) -> Decision {
    let leader = actor.relation == Relation::Leader;
    let member = matches!(actor.relation, Relation::Member | Relation::Leader);
    let read = || match decide(actor, group, Action::ReadContent) {
        Allow if room.leaders_only && !leader => Deny(Denial::Forbidden),
        Allow if room.removed_here => Deny(Denial::Forbidden),
        decision => decision,
    };
    match action {
        ChatAction::ReadRoom => read(),
        ChatAction::SeePresence => match read() {
            Allow if member => Allow,
            Allow if actor.account.is_none() => Deny(Denial::LoginRequired),
            Allow => Deny(Denial::Forbidden),
            denied => denied,
        },
        ChatAction::SendMessage => match decide(actor, group, Action::WriteContent) {
            Allow if room.leaders_only && !leader => Deny(Denial::Forbidden),
            Allow if room.removed_here || room.muted_here => Deny(Denial::Forbidden),
            Allow if room.locked && !leader => Deny(Denial::RoomLocked),
            Allow if !room.open => Deny(Denial::RoomClosed),
            decision => decision,
        },
        ChatAction::DeleteMessage => {
            if leader {
                return decide(actor, group, Action::ModerateContent);
            }
            // One's own words can always go, muted or in a locked room.
            match read() {
                Allow => Decision::allowed_if(room.own && member),
                denied => denied,
            }
        }
        ChatAction::ManageRooms | ChatAction::ModerateParticipant => {
            decide(actor, group, Action::ModerateContent)
        }
    }
}
