//! How a change of access settings moves a group along the spectrum, and which settings a
//! leader can reach alone.

use super::{AccessSettings, JoinPolicy, Mode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Openness {
    Same,
    /// Nobody new can reach the content (leaders may do this at any time).
    MoreClosed,
    /// Content may reach people it was not written for: the steunpunt proposes, a leader
    /// accepts.
    MoreOpen,
}

/// The gates a join passes through under a join policy: (an introduction a leader approves,
/// an invite code).
fn gates(policy: JoinPolicy) -> (bool, bool) {
    match policy {
        JoinPolicy::Approval => (true, false),
        JoinPolicy::Invite => (false, true),
        JoinPolicy::InviteAndApproval => (true, true),
    }
}

/// Classifies `old` to `new`. Anything that drops a gate or widens the audience counts as
/// more open, even when something else closes at the same time.
pub fn openness_change(old: AccessSettings, new: AccessSettings) -> Openness {
    if old == new {
        return Openness::Same;
    }
    let policy_opens = old.mode == Mode::Closed && new.mode == Mode::Closed && {
        let (old_approval, old_invite) = gates(old.join_policy);
        let (new_approval, new_invite) = gates(new.join_policy);
        (old_approval && !new_approval) || (old_invite && !new_invite)
    };
    if new.mode < old.mode || (new.listed && !old.listed) || policy_opens {
        Openness::MoreOpen
    } else {
        Openness::MoreClosed
    }
}

/// The modes and join policies that, with the rest of `current` kept, do not open the group:
/// what a leader's page offers.
pub fn closing_choices(current: AccessSettings) -> (Vec<Mode>, Vec<JoinPolicy>) {
    let keeps_closed = |candidate| openness_change(current, candidate) != Openness::MoreOpen;
    let modes = Mode::ALL
        .iter()
        .copied()
        .filter(|&mode| keeps_closed(AccessSettings { mode, ..current }))
        .collect();
    let policies = JoinPolicy::ALL
        .iter()
        .copied()
        .filter(|&join_policy| {
            keeps_closed(AccessSettings {
                mode: Mode::Closed,
                join_policy,
                ..current
            })
        })
        .collect();
    (modes, policies)
}
