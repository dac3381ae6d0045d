//! The one place that decides access.
//!
//! A pure function of (actor, group state, action) returning allow or a specific denial.
//! Every page, API handler, list and search asks it; nothing else in the code compares
//! roles. It never touches the database: callers gather the facts, this module judges them.
//! `access_table.txt` beside this file writes out every outcome and the tests check it.

use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How open a group is, along the NAKOS spectrum, from most open to most closed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Open,
    ReadOnly,
    Registered,
    Closed,
}

/// How a closed group is joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinPolicy {
    /// An introduction, approved by a leader.
    Approval,
    /// A code handed out at the face-to-face meeting.
    Invite,
    /// Both: a code, then a leader's approval of the introduction.
    InviteAndApproval,
}

text_enum!(Mode {
    Open = "open",
    ReadOnly = "read_only",
    Registered = "registered",
    Closed = "closed",
});

text_enum!(JoinPolicy {
    Approval = "approval",
    Invite = "invite",
    InviteAndApproval = "invite_and_approval",
});

/// What the policy needs to know about a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupFacts {
    pub mode: Mode,
    pub join_policy: JoinPolicy,
    pub listed: bool,
}

/// How an account relates to one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    None,
    /// Waiting for a leader's decision on a join request.
    Pending,
    Member,
    Leader,
}

/// Who is asking, as far as one group is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// Logged in at all.
    pub account: bool,
    pub relation: Relation,
    pub muted: bool,
    pub banned: bool,
    /// Admin of the steunpunt that hosts this group.
    pub steunpunt_admin: bool,
    pub instance_admin: bool,
}

impl Actor {
    pub const GUEST: Actor = Actor {
        account: false,
        relation: Relation::None,
        muted: false,
        banned: false,
        steunpunt_admin: false,
        instance_admin: false,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    SeeInDirectory,
    ViewGroup,
    ReadContent,
    WriteContent,
    Join,
    JoinWithInvite,
    ViewOwnJoinRequest,
    Leave,
    ChangeDisplayName,
    ListMembers,
    ViewModlogSummary,
    ViewModlog,
    ViewJoinRequests,
    DecideJoinRequest,
    ManageInvites,
    ModerateMembers,
    EditHouseRules,
    MakeMoreClosed,
    MakeMoreOpen,
    EditDirectoryEntry,
    AppointLeader,
    RemoveLeader,
}

impl Action {
    pub const EVERY: [Action; 22] = [
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
        Action::MakeMoreOpen,
        Action::EditDirectoryEntry,
        Action::AppointLeader,
        Action::RemoveLeader,
    ];
}

/// Actions on a steunpunt rather than on one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SteunpuntAction {
    CreateSteunpunt,
    AppointSteunpuntAdmin,
    CreateGroup,
    /// See the steunpunt's own admin view (every group, listed or not).
    Administer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    LoginRequired,
    Forbidden,
    NotFound,
    MembershipRequired,
    AlreadyMember,
    AlreadyPending,
    InviteRequired,
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

    /// `Ok` when allowed, else the client error that belongs to the denial.
    pub fn require(self) -> Result<(), AppError> {
        match self {
            Decision::Allow => Ok(()),
            Decision::Deny(denial) => Err(denial.into()),
        }
    }
}

impl From<Denial> for AppError {
    fn from(denial: Denial) -> AppError {
        let (status, code, message) = match denial {
            Denial::LoginRequired => (
                StatusCode::UNAUTHORIZED,
                "login_required",
                "Log in first: this group's page needs an account.",
            ),
            Denial::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "You may not do this in this group.",
            ),
            Denial::NotFound => return AppError::not_found(),
            Denial::MembershipRequired => (
                StatusCode::CONFLICT,
                "membership_required",
                "Choose a display name for this group first.",
            ),
            Denial::AlreadyMember => (
                StatusCode::CONFLICT,
                "already_member",
                "You are already a member of this group.",
            ),
            Denial::AlreadyPending => (
                StatusCode::CONFLICT,
                "already_pending",
                "Your request to join is waiting for a leader's decision.",
            ),
            Denial::InviteRequired => (
                StatusCode::FORBIDDEN,
                "invite_required",
                "This group is joined with an invite code from its meeting.",
            ),
        };
        AppError::client(status, code, message)
    }
}

use Decision::{Allow, Deny};

/// Decides whether `actor` may do `action` in a group with `group`'s settings.
pub fn decide(actor: &Actor, group: &GroupFacts, action: Action) -> Decision {
    let is_member = matches!(actor.relation, Relation::Member | Relation::Leader);
    let related = actor.relation != Relation::None;
    let visible = group.listed || related || actor.steunpunt_admin;
    let login_or = |decision: Decision| {
        if actor.account {
            decision
        } else {
            Deny(Denial::LoginRequired)
        }
    };

    if !visible {
        // A hidden group's existence is never confirmed. An invite code proves knowledge of
        // the group; the join itself answers 404 unless the code is good.
        return match action {
            Action::JoinWithInvite => login_or(Allow),
            Action::ViewOwnJoinRequest if actor.account => Allow,
            _ => Deny(Denial::NotFound),
        };
    }
    if matches!(action, Action::SeeInDirectory | Action::ViewGroup) {
        return Allow;
    }
    if !actor.account {
        return match (action, group.mode) {
            (Action::ReadContent, Mode::Open | Mode::ReadOnly) => Allow,
            (Action::WriteContent, Mode::Open) => Allow,
            _ => Deny(Denial::LoginRequired),
        };
    }
    if action == Action::ViewOwnJoinRequest {
        return Allow;
    }
    if actor.banned {
        return Deny(Denial::Forbidden);
    }
    let only_if = |allowed: bool| {
        if allowed {
            Allow
        } else {
            Deny(Denial::Forbidden)
        }
    };
    match action {
        Action::ReadContent => only_if(group.mode != Mode::Closed || is_member),
        Action::WriteContent => {
            if actor.muted {
                Deny(Denial::Forbidden)
            } else if is_member {
                Allow
            } else if group.mode == Mode::Closed {
                Deny(Denial::Forbidden)
            } else {
                Deny(Denial::MembershipRequired)
            }
        }
        Action::Join => match actor.relation {
            Relation::Member | Relation::Leader => Deny(Denial::AlreadyMember),
            Relation::Pending => Deny(Denial::AlreadyPending),
            Relation::None
                if group.mode != Mode::Closed || group.join_policy == JoinPolicy::Approval =>
            {
                Allow
            }
            Relation::None => Deny(Denial::InviteRequired),
        },
        Action::JoinWithInvite => Allow,
        // Leaving erases the membership, and with it a mute: a muted member stays.
        Action::Leave => only_if(related && !actor.muted),
        Action::ChangeDisplayName | Action::ListMembers | Action::ViewModlogSummary => {
            only_if(is_member)
        }
        Action::ViewModlog
        | Action::ViewJoinRequests
        | Action::DecideJoinRequest
        | Action::ManageInvites
        | Action::ModerateMembers
        | Action::EditHouseRules => only_if(actor.relation == Relation::Leader),
        Action::MakeMoreClosed => {
            only_if(actor.relation == Relation::Leader || actor.steunpunt_admin)
        }
        Action::MakeMoreOpen
        | Action::EditDirectoryEntry
        | Action::AppointLeader
        | Action::RemoveLeader => only_if(actor.steunpunt_admin),
        Action::SeeInDirectory | Action::ViewGroup | Action::ViewOwnJoinRequest => Allow,
    }
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

/// How a change of access settings moves a group along the spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Openness {
    Same,
    /// Nobody new can reach the content (leaders may do this at any time).
    MoreClosed,
    /// Content may reach people it was not written for (the steunpunt, with confirmation).
    MoreOpen,
}

/// Classifies `old` to `new`. Anything that drops a gate or widens the audience counts as
/// more open, even when something else closes at the same time.
pub fn openness_change(old: GroupFacts, new: GroupFacts) -> Openness {
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

/// Who is asking, as far as one steunpunt is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteunpuntActor {
    pub account: bool,
    pub admin_here: bool,
    pub instance_admin: bool,
}

pub fn decide_steunpunt(actor: &SteunpuntActor, action: SteunpuntAction) -> Decision {
    if !actor.account {
        return Deny(Denial::LoginRequired);
    }
    let allowed = match action {
        SteunpuntAction::CreateSteunpunt | SteunpuntAction::AppointSteunpuntAdmin => {
            actor.instance_admin
        }
        SteunpuntAction::CreateGroup | SteunpuntAction::Administer => actor.admin_here,
    };
    if allowed {
        Allow
    } else {
        Deny(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [&str; 10] = [
        "guest",
        "account",
        "pending",
        "member",
        "leader",
        "muted",
        "banned",
        "sp_admin",
        "other_sp",
        "inst_admin",
    ];

    fn actor(role: &str) -> Actor {
        let account = Actor {
            account: true,
            ..Actor::GUEST
        };
        match role {
            "guest" => Actor::GUEST,
            "account" | "other_sp" => account,
            "pending" => Actor {
                relation: Relation::Pending,
                ..account
            },
            "member" => Actor {
                relation: Relation::Member,
                ..account
            },
            "leader" => Actor {
                relation: Relation::Leader,
                ..account
            },
            "muted" => Actor {
                relation: Relation::Member,
                muted: true,
                ..account
            },
            "banned" => Actor {
                relation: Relation::Member,
                banned: true,
                ..account
            },
            "sp_admin" => Actor {
                steunpunt_admin: true,
                ..account
            },
            "inst_admin" => Actor {
                instance_admin: true,
                ..account
            },
            other => panic!("unknown role {other}"),
        }
    }

    fn action(name: &str) -> Action {
        let found = Action::EVERY
            .into_iter()
            .find(|a| snake(&format!("{a:?}")) == name);
        found.unwrap_or_else(|| panic!("unknown action {name}"))
    }

    fn snake(camel: &str) -> String {
        let mut out = String::new();
        for (i, c) in camel.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    fn group(mode: &str, policy: &str, listed: &str) -> GroupFacts {
        GroupFacts {
            mode: match mode {
                "open" => Mode::Open,
                "read_only" => Mode::ReadOnly,
                "registered" => Mode::Registered,
                "closed" => Mode::Closed,
                other => panic!("unknown mode {other}"),
            },
            join_policy: match policy {
                "-" | "approval" => JoinPolicy::Approval,
                "invite" => JoinPolicy::Invite,
                "invite_and_approval" => JoinPolicy::InviteAndApproval,
                other => panic!("unknown join policy {other}"),
            },
            listed: listed == "yes",
        }
    }

    fn expected(cell: &str) -> Decision {
        match cell {
            "A" => Allow,
            "L" => Deny(Denial::LoginRequired),
            "F" => Deny(Denial::Forbidden),
            "N" => Deny(Denial::NotFound),
            "M" => Deny(Denial::MembershipRequired),
            "J" => Deny(Denial::AlreadyMember),
            "P" => Deny(Denial::AlreadyPending),
            "I" => Deny(Denial::InviteRequired),
            other => panic!("unknown outcome {other}"),
        }
    }

    #[test]
    fn the_access_table_holds_cell_by_cell() {
        let mut covered = std::collections::HashSet::new();
        let mut failures = vec![];
        for line in include_str!("access_table.txt").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(cells.len(), 4 + ROLES.len(), "{line}");
            let (act, facts) = (action(cells[0]), group(cells[1], cells[2], cells[3]));
            covered.insert((act, cells[1], cells[2], cells[3]));
            for (role, cell) in ROLES.iter().zip(&cells[4..]) {
                let got = decide(&actor(role), &facts, act);
                if got != expected(cell) {
                    failures.push(format!("{line}\n  {role}: expected {cell}, got {got:?}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Every action appears for every mode and join policy, listed, and for both an open
        // and a closed group unlisted.
        let variants = [
            ("open", "-", "yes"),
            ("read_only", "-", "yes"),
            ("registered", "-", "yes"),
            ("closed", "approval", "yes"),
            ("closed", "invite", "yes"),
            ("closed", "invite_and_approval", "yes"),
            ("open", "-", "no"),
            ("closed", "invite", "no"),
        ];
        for act in Action::EVERY {
            for (m, p, l) in variants {
                assert!(
                    covered.contains(&(act, m, p, l)),
                    "{act:?} {m} {p} {l} missing"
                );
            }
        }
    }

    #[test]
    fn steunpunt_actions() {
        let guest = SteunpuntActor {
            account: false,
            admin_here: false,
            instance_admin: false,
        };
        let account = SteunpuntActor {
            account: true,
            ..guest
        };
        let admin_here = SteunpuntActor {
            admin_here: true,
            ..account
        };
        let instance = SteunpuntActor {
            instance_admin: true,
            ..account
        };
        use SteunpuntAction::*;
        let table = [
            // action, guest, account / admin elsewhere, admin here, instance admin
            (CreateSteunpunt, "L", "F", "F", "A"),
            (AppointSteunpuntAdmin, "L", "F", "F", "A"),
            (CreateGroup, "L", "F", "A", "F"),
            (Administer, "L", "F", "A", "F"),
        ];
        for (act, g, a, h, i) in table {
            assert_eq!(decide_steunpunt(&guest, act), expected(g), "{act:?} guest");
            assert_eq!(
                decide_steunpunt(&account, act),
                expected(a),
                "{act:?} account"
            );
            assert_eq!(
                decide_steunpunt(&admin_here, act),
                expected(h),
                "{act:?} admin"
            );
            assert_eq!(
                decide_steunpunt(&instance, act),
                expected(i),
                "{act:?} instance"
            );
        }
    }

    #[test]
    fn openness_changes_are_classified_conservatively() {
        use JoinPolicy::*;
        use Mode::*;
        let g = |mode, join_policy, listed| GroupFacts {
            mode,
            join_policy,
            listed,
        };
        let cases = [
            (
                g(Open, Approval, true),
                g(Open, Approval, true),
                Openness::Same,
            ),
            (
                g(Open, Approval, true),
                g(Closed, Invite, true),
                Openness::MoreClosed,
            ),
            (
                g(Closed, Invite, true),
                g(Closed, Invite, false),
                Openness::MoreClosed,
            ),
            (
                g(Closed, Invite, true),
                g(Closed, InviteAndApproval, true),
                Openness::MoreClosed,
            ),
            (
                g(Closed, Approval, true),
                g(Closed, InviteAndApproval, true),
                Openness::MoreClosed,
            ),
            (
                g(Closed, InviteAndApproval, true),
                g(Closed, Invite, true),
                Openness::MoreOpen,
            ),
            (
                g(Closed, Approval, true),
                g(Closed, Invite, true),
                Openness::MoreOpen,
            ),
            (
                g(Closed, Invite, true),
                g(Registered, Invite, true),
                Openness::MoreOpen,
            ),
            (
                g(ReadOnly, Approval, false),
                g(ReadOnly, Approval, true),
                Openness::MoreOpen,
            ),
            // Closing one way while opening another is still opening.
            (
                g(Registered, Approval, true),
                g(Closed, Approval, true),
                Openness::MoreClosed,
            ),
            (
                g(Registered, Approval, false),
                g(Closed, Approval, true),
                Openness::MoreOpen,
            ),
            // The join policy of a group that is not closed does not matter.
            (
                g(Open, Approval, true),
                g(Open, Invite, true),
                Openness::MoreClosed,
            ),
        ];
        for (old, new, expected) in cases {
            assert_eq!(openness_change(old, new), expected, "{old:?} -> {new:?}");
        }
    }

    #[test]
    fn modes_are_ordered_from_open_to_closed() {
        assert!(Mode::Open < Mode::ReadOnly);
        assert!(Mode::ReadOnly < Mode::Registered);
        assert!(Mode::Registered < Mode::Closed);
    }
}
