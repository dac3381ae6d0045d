//! Which path a join takes, and what the join form asks for.

use super::{GroupFacts, JoinPolicy, MemberRole, Mode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinPath {
    /// A member (or, with a leader invite, a leader) at once.
    Direct(MemberRole),
    /// A join request with an introduction, for a leader to approve. Its answer never says
    /// whether the chosen name is taken: a clash is settled when a leader approves.
    Introduction,
}

/// The path a join takes in `group`, with the role of a valid invite code if one came along.
/// An invite code stands for the approval, except where the policy asks for both.
pub fn join_path(group: &GroupFacts, invite: Option<MemberRole>) -> JoinPath {
    let access = group.access;
    match invite {
        Some(MemberRole::Leader) => JoinPath::Direct(MemberRole::Leader),
        Some(MemberRole::Member)
            if access.mode == Mode::Closed
                && access.join_policy == JoinPolicy::InviteAndApproval =>
        {
            JoinPath::Introduction
        }
        Some(MemberRole::Member) => JoinPath::Direct(MemberRole::Member),
        None if access.mode == Mode::Closed => JoinPath::Introduction,
        None => JoinPath::Direct(MemberRole::Member),
    }
}

/// What the join form of a group asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinForm {
    pub asks_code: bool,
    pub asks_introduction: bool,
}

/// The form for `group`; `code_given` when the visitor arrived with a code (an invite also
/// works in an approval group, where it stands for the approval).
pub fn join_form(group: &GroupFacts, code_given: bool) -> JoinForm {
    let access = group.access;
    let closed = access.mode == Mode::Closed;
    JoinForm {
        asks_code: closed && (access.join_policy != JoinPolicy::Approval || code_given),
        asks_introduction: closed && access.join_policy != JoinPolicy::Invite,
    }
}
