//! What an account may do in a group.

use super::Decision::{self, Allow, Deny};
use super::{Actor, Denial, GroupFacts, JoinPolicy, MemberRole, Mode, Relation, Stage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    SeeInDirectory,
    ViewGroup,
    ReadContent,
    WriteContent,
    /// Join without a code: a display name, or an introduction for a leader to approve.
    Join,
    /// Join with an invite code from the meeting (or, for a leader invite, become a leader).
    JoinWithInvite,
    /// See and settle one's own join request (read a decline, choose another name).
    ViewOwnJoinRequest,
    Leave,
    ChangeDisplayName,
    ListMembers,
    ViewModlogSummary,
    ViewModlog,
    ViewJoinRequests,
    DecideJoinRequest,
    ManageInvites,
    /// See members' sanctions and ban, mute or lift (per member: `member::decide_on_member`).
    ModerateMembers,
    EditHouseRules,
    MakeMoreClosed,
    /// Set any access at once: only the steunpunt, only while the group is new.
    SetAccessFreely,
    /// Propose more open access, for a leader to accept.
    ProposeMoreOpen,
    AcceptProposal,
    /// See a pending proposal, and decline (leader) or withdraw (steunpunt) it.
    SeeProposal,
    EditDirectoryEntry,
    /// Make leader invites (one-time codes for someone else to become a leader).
    AppointLeader,
    /// The leader list, and removing a leader (per leader: `member::decide_on_member`).
    ViewLeaders,
    /// Lead the forum: pin, lock, hide, review, the notice board (per post and topic:
    /// `forum::decide_on_content`).
    ModerateContent,
    /// Choose how long the group keeps posts and messages (within the steunpunt's bounds).
    SetRetention,
}

impl Action {
    pub const EVERY: [Action; 27] = [
        Action::SeeInDirectory,
        Action::ViewGroup,
        Action::ReadContent,
        Action::WriteContent,
        Action::Join,
        Action::JoinWithInvite,
        Action::ViewOwnJoinRequest,
        Action::Leave,
        Action::ChangeDisplayName,
        Action::ListMembers,
        Action::ViewModlogSummary,
        Action::ViewModlog,
        Action::ViewJoinRequests,
        Action::DecideJoinRequest,
        Action::ManageInvites,
        Action::ModerateMembers,
        Action::EditHouseRules,
        Action::MakeMoreClosed,
        Action::SetAccessFreely,
        Action::ProposeMoreOpen,
        Action::AcceptProposal,
        Action::SeeProposal,
        Action::EditDirectoryEntry,
        Action::AppointLeader,
        Action::ViewLeaders,
        Action::ModerateContent,
        Action::SetRetention,
    ];

    /// The snake_case name the API and the access table use.
    pub fn name(self) -> String {
        super::snake_name(&format!("{self:?}"))
    }
}

/// Decides whether `actor` may do `action` in a group with these facts.
pub fn decide(actor: &Actor, group: &GroupFacts, action: Action) -> Decision {
    let mode = group.access.mode;
    let is_member = matches!(actor.relation, Relation::Member | Relation::Leader);
    let leader = actor.relation == Relation::Leader;
    let related = actor.relation != Relation::None;
    // A valid invite code proves knowledge of the group, as a listing would.
    let visible = group.access.listed || related || actor.steunpunt_admin || actor.invite.is_some();
    if !visible {
        // A hidden group's existence is never confirmed.
        return Deny(Denial::NotFound);
    }
    if matches!(action, Action::SeeInDirectory | Action::ViewGroup) {
        return Allow;
    }
    let Some(role) = actor.account else {
        return match (action, mode) {
            (Action::ReadContent, Mode::Open | Mode::ReadOnly) => Allow,
            (Action::WriteContent, Mode::Open) => Allow,
            _ => Deny(Denial::LoginRequired),
        };
    };
    if action == Action::ViewOwnJoinRequest {
        // One's own request, or none: nothing about anyone else.
        return Allow;
    }
    if actor.banned {
        return Deny(Denial::Forbidden);
    }
    let staff = role.is_staff();
    match action {
        Action::ReadContent => Decision::allowed_if(mode != Mode::Closed || is_member),
        Action::WriteContent => {
            if actor.muted || (mode == Mode::Closed && !is_member) {
                Deny(Denial::Forbidden)
            } else if is_member {
                Allow
            } else if staff {
                Deny(Denial::StaffAccount)
            } else {
                Deny(Denial::MembershipRequired)
            }
        }
        Action::Join => match actor.relation {
            _ if staff => Deny(Denial::StaffAccount),
            Relation::Member | Relation::Leader => Deny(Denial::AlreadyMember),
            Relation::Applicant => Deny(Denial::AlreadyPending),
            Relation::None | Relation::Declined
                if mode != Mode::Closed || group.access.join_policy == JoinPolicy::Approval =>
            {
                Allow
            }
            Relation::None | Relation::Declined => Deny(Denial::InviteRequired),
        },
        Action::JoinWithInvite => match (actor.invite, actor.relation) {
            _ if staff => Deny(Denial::StaffAccount),
            // A muted member does not become a leader (who could then not be unmuted).
            _ if actor.muted => Deny(Denial::Forbidden),
            (None, _) => Deny(Denial::InvalidInvite),
            (Some(_), Relation::Leader) => Deny(Denial::AlreadyMember),
            (Some(MemberRole::Member), Relation::Member) => Deny(Denial::AlreadyMember),
            // A leader invite lifts a member to leader; any invite settles a waiting request.
            (Some(_), _) => Allow,
        },
        // Leaving erases the membership, and with it a mute: a muted member stays.
        Action::Leave => Decision::allowed_if(related && !actor.muted),
        Action::ChangeDisplayName | Action::ListMembers | Action::ViewModlogSummary => {
            Decision::allowed_if(is_member)
        }
        Action::ViewModlog
        | Action::ViewJoinRequests
        | Action::DecideJoinRequest
        | Action::ManageInvites
        | Action::ModerateMembers
        | Action::EditHouseRules
        | Action::AcceptProposal
        | Action::ModerateContent
        | Action::SetRetention => Decision::allowed_if(leader),
        Action::MakeMoreClosed | Action::SeeProposal => {
            Decision::allowed_if(leader || actor.steunpunt_admin)
        }
        Action::SetAccessFreely => {
            if !actor.steunpunt_admin {
                Deny(Denial::Forbidden)
            } else if group.stage == Stage::New {
                Allow
            } else {
                Deny(Denial::LeaderMustAccept)
            }
        }
        Action::ProposeMoreOpen
        | Action::EditDirectoryEntry
        | Action::AppointLeader
        | Action::ViewLeaders => Decision::allowed_if(actor.steunpunt_admin),
        Action::SeeInDirectory | Action::ViewGroup | Action::ViewOwnJoinRequest => Allow,
    }
}
