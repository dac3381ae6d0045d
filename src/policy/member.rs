//! What a leader or the steunpunt may do to one member: the group's rules, plus facts about
//! the target.

use super::Decision::{self, Allow, Deny};
use super::{Action, Actor, Denial, GroupFacts, MemberRole, decide};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberAction {
    Ban,
    Mute,
    /// Lift a ban or a mute.
    LiftSanction,
    /// Take the leader's role away (the person stays a member).
    RemoveLeaderRole,
}

impl MemberAction {
    pub const EVERY: [MemberAction; 4] = [
        MemberAction::Ban,
        MemberAction::Mute,
        MemberAction::LiftSanction,
        MemberAction::RemoveLeaderRole,
    ];

    pub fn name(self) -> String {
        super::snake_name(&format!("{self:?}"))
    }
}

/// What the policy needs to know about the member acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub role: MemberRole,
}

pub fn decide_on_member(
    actor: &Actor,
    group: &GroupFacts,
    target: Target,
    action: MemberAction,
) -> Decision {
    let (group_action, fits) = match action {
        MemberAction::Ban | MemberAction::Mute | MemberAction::LiftSanction => (
            Action::ModerateMembers,
            (target.role == MemberRole::Member, Denial::TargetIsLeader),
        ),
        MemberAction::RemoveLeaderRole => (
            Action::ViewLeaders,
            (target.role == MemberRole::Leader, Denial::TargetNotLeader),
        ),
    };
    match decide(actor, group, group_action) {
        Allow if fits.0 => Allow,
        Allow => Deny(fits.1),
        denied => denied,
    }
}
