//! The one place that decides access.
//!
//! Pure functions of (who asks, facts about the group or steunpunt, what they want to do),
//! returning allow or a specific denial. Every page, API handler, list, search and export
//! asks here; nothing else in the code compares roles or modes to decide who may do what.
//! This module never touches the database: `groups::access` gathers the facts, this module
//! judges them. It knows nothing of HTTP either: `error.rs` turns a denial into a status.
//!
//! One file per subject, as Discourse's guardian has one per subject:
//! - `group`: what an account may do in a group (read, write, join, lead, change access);
//! - `member`: what a leader or the steunpunt may do to one member (facts about the target);
//! - `join`: which path a join takes, and what the join form asks for;
//! - `openness`: whether an access change opens or closes a group, and which settings are
//!   within a leader's reach;
//! - `steunpunt`: the steunpunt's and the instance's own actions;
//! - `forum`: what may be done with a post or topic (facts about the content: its author, a
//!   locked topic, a held or hidden post, an escalated report), and whether a new post waits
//!   for a leader (pre-moderation);
//! - `chat`: what may be done in a chat room (facts about the room: leaders only, locked,
//!   open now; about the asker in it: muted or removed here; and whose a message is).
//!
//! `access_table.txt` writes out every outcome of `group`, `member`, `forum` and `chat`; the tests check it
//! cell by cell against an independent oracle's output.

mod chat;
mod forum;
mod group;
mod join;
mod member;
mod openness;
mod steunpunt;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use chat::{ChatAction, RoomFacts, decide_on_room};
pub use forum::{Content, ForumAction, PostStanding, Premoderation, decide_on_content, held};
pub use group::{Action, decide};
pub use join::{JoinForm, JoinPath, join_form, join_path};
pub use member::{MemberAction, Target, decide_on_member};
pub use openness::{Openness, closing_choices, openness_change};
pub use steunpunt::{SteunpuntAction, SteunpuntActor, decide_appointment, decide_steunpunt};

text_enum! {
    /// How open a group is, along the NAKOS spectrum, from most open to most closed.
    #[derive(PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Mode {
        Open = "open",
        ReadOnly = "read_only",
        Registered = "registered",
        Closed = "closed",
    }
}

text_enum! {
    /// How a closed group is joined.
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum JoinPolicy {
        /// An introduction, approved by a leader.
        Approval = "approval",
        /// A code handed out at the face-to-face meeting.
        Invite = "invite",
        /// Both: a code, then a leader's approval of the introduction.
        InviteAndApproval = "invite_and_approval",
    }
}

text_enum! {
    /// A membership's role in its group.
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum MemberRole {
        Member = "member",
        Leader = "leader",
    }
}

text_enum! {
    /// What kind of account asks. Staff accounts (and instance admins) are kept apart from
    /// member accounts: they hold no memberships and redeem no invites.
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum AccountRole {
        Member = "member",
        Staff = "staff",
        InstanceAdmin = "instance_admin",
    }
}

impl AccountRole {
    /// Works for a steunpunt or the instance, never inside a group.
    pub fn is_staff(self) -> bool {
        self != AccountRole::Member
    }
}

/// A group's access settings: what its mode, join policy and listing are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessSettings {
    pub mode: Mode,
    pub join_policy: JoinPolicy,
    pub listed: bool,
}

/// Where a group stands in its life: it matters for who may set its access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// At least one leader.
    Led,
    /// No leader yet, and nobody and nothing in it: no members, no requests, no content.
    New,
    /// No leader, but people or content in it (say, its last leader was removed).
    Leaderless,
}

/// What the policy needs to know about a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupFacts {
    pub access: AccessSettings,
    pub stage: Stage,
}

impl GroupFacts {
    pub fn mode(&self) -> Mode {
        self.access.mode
    }
}

/// How an account relates to one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    None,
    /// Has a join request here: waiting for a leader, or approved and asked to choose
    /// another name.
    Applicant,
    /// A leader declined the request, and the applicant has not read the reason yet.
    Declined,
    Member,
    Leader,
}

/// Who is asking, as far as one group is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// `None` for a guest without an account.
    pub account: Option<AccountRole>,
    pub relation: Relation,
    pub muted: bool,
    pub banned: bool,
    /// Admin of the steunpunt that hosts this group.
    pub steunpunt_admin: bool,
    /// The request carries a valid invite code of this group, for this role.
    pub invite: Option<MemberRole>,
}

impl Actor {
    pub const GUEST: Actor = Actor {
        account: None,
        relation: Relation::None,
        muted: false,
        banned: false,
        steunpunt_admin: false,
        invite: None,
    };

    /// A logged-in account of `role` with no tie to the group.
    pub const fn account(role: AccountRole) -> Actor {
        Actor {
            account: Some(role),
            ..Actor::GUEST
        }
    }
}

/// Why the policy says no. `error.rs` gives each its status and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    LoginRequired,
    Forbidden,
    NotFound,
    MembershipRequired,
    AlreadyMember,
    AlreadyPending,
    InviteRequired,
    /// A code came with the request, and it is not a usable invite of this group.
    InvalidInvite,
    /// Staff accounts hold no memberships and redeem no invites.
    StaffAccount,
    /// Leaders are not banned or muted; the steunpunt can remove a leader.
    TargetIsLeader,
    /// Only a leader can lose the leader's role.
    TargetNotLeader,
    /// Only staff accounts can be steunpunt admins.
    TargetNotStaff,
    /// The change would open the group: it waits for a leader to accept it.
    LeaderMustAccept,
    /// The topic is locked: only leaders write in it.
    TopicLocked,
    /// The post waits for a leader's review: approve or reject it first.
    PostHeld,
    /// Only a held post is reviewed.
    NotHeld,
    /// The chat room is locked: only leaders write in it.
    RoomLocked,
    /// The chat room is closed for writing now (outside its meetings).
    RoomClosed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(Denial),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }

    pub fn allowed_if(condition: bool) -> Decision {
        if condition {
            Decision::Allow
        } else {
            Decision::Deny(Denial::Forbidden)
        }
    }

    /// `Ok` when allowed, else the denial (which converts into the client error).
    pub fn require(self) -> Result<(), Denial> {
        match self {
            Decision::Allow => Ok(()),
            Decision::Deny(denial) => Err(denial),
        }
    }
}

/// The snake_case name of an action, as the API and the access table spell it.
pub fn snake_name(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
