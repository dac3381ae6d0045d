//! The access table, cell by cell, and the policy's smaller tables.

use super::*;

use Decision::{Allow, Deny};

/// The roles of the table's columns, in order, as the policy sees them.
fn actor(role: &str) -> Actor {
    let account = Actor::account(AccountRole::Member);
    let staff = Actor::account(AccountRole::Staff);
    let with = |relation| Actor {
        relation,
        ..account
    };
    match role {
        "guest" => Actor::GUEST,
        "account" => account,
        "invited" => Actor {
            invite: Some(MemberRole::Member),
            ..account
        },
        "lead_inv" => Actor {
            invite: Some(MemberRole::Leader),
            ..account
        },
        "pending" => with(Relation::Applicant),
        "declined" => with(Relation::Declined),
        "member" => with(Relation::Member),
        "mem_lead_inv" => Actor {
            invite: Some(MemberRole::Leader),
            ..with(Relation::Member)
        },
        "leader" => with(Relation::Leader),
        "muted" => Actor {
            muted: true,
            ..with(Relation::Member)
        },
        "banned" => Actor {
            banned: true,
            ..with(Relation::Member)
        },
        "sp_admin" => Actor {
            steunpunt_admin: true,
            ..staff
        },
        "sp_invited" => Actor {
            steunpunt_admin: true,
            invite: Some(MemberRole::Leader),
            ..staff
        },
        "other_sp" => staff,
        "inst_admin" => Actor::account(AccountRole::InstanceAdmin),
        other => panic!("unknown role {other}"),
    }
}

fn group(mode: &str, policy: &str, listed: &str, stage: &str) -> GroupFacts {
    GroupFacts {
        access: AccessSettings {
            mode: Mode::parse(mode).unwrap_or_else(|| panic!("unknown mode {mode}")),
            join_policy: match policy {
                "-" => JoinPolicy::Approval,
                other => JoinPolicy::parse(other).unwrap_or_else(|| panic!("policy {other}")),
            },
            listed: listed == "yes",
        },
        stage: match stage {
            "led" => Stage::Led,
            "new" => Stage::New,
            "leaderless" => Stage::Leaderless,
            other => panic!("unknown stage {other}"),
        },
    }
}

fn expected(cell: &str) -> Decision {
    Deny(match cell {
        "A" => return Allow,
        "L" => Denial::LoginRequired,
        "F" => Denial::Forbidden,
        "N" => Denial::NotFound,
        "M" => Denial::MembershipRequired,
        "J" => Denial::AlreadyMember,
        "P" => Denial::AlreadyPending,
        "I" => Denial::InviteRequired,
        "V" => Denial::InvalidInvite,
        "S" => Denial::StaffAccount,
        "O" => Denial::LeaderMustAccept,
        "T" => Denial::TargetIsLeader,
        "X" => Denial::TargetNotLeader,
        "K" => Denial::TopicLocked,
        "H" => Denial::PostHeld,
        "Q" => Denial::NotHeld,
        "R" => Denial::RoomLocked,
        "C" => Denial::RoomClosed,
        other => panic!("unknown outcome {other}"),
    })
}

/// The content a forum row asks about, as the policy sees it.
fn content(kind: &str) -> Content {
    let standing = if kind.contains("held") {
        PostStanding::Held
    } else if kind.contains("hidden") {
        PostStanding::Hidden
    } else {
        PostStanding::Visible
    };
    assert!(
        [
            "other",
            "own",
            "held",
            "own_held",
            "hidden",
            "own_hidden",
            "locked",
            "own_locked",
            "escalated"
        ]
        .contains(&kind),
        "unknown content {kind}"
    );
    Content {
        own: kind.starts_with("own"),
        standing,
        locked: kind.contains("locked"),
        escalated: kind == "escalated",
    }
}

/// The room (and message) a chat row asks about, as the policy sees it.
fn room(kind: &str) -> RoomFacts {
    assert!(
        [
            "",
            "room",
            "leaders_only",
            "locked",
            "closed",
            "muted_here",
            "removed",
            "own",
            "other"
        ]
        .contains(&kind),
        "unknown room {kind}"
    );
    RoomFacts {
        leaders_only: kind == "leaders_only",
        locked: kind == "locked",
        open: kind != "closed",
        muted_here: kind == "muted_here",
        removed_here: kind == "removed",
        own: kind == "own",
    }
}

fn chat_action(name: &str) -> Option<ChatAction> {
    ChatAction::EVERY.into_iter().find(|a| a.name() == name)
}

fn forum_action(name: &str) -> Option<ForumAction> {
    ForumAction::EVERY.into_iter().find(|a| a.name() == name)
}

/// Decides one row's action: a group action, `member_action@target_role`, a forum action,
/// or `forum_action@content`.
fn decide_row(name: &str, actor: &Actor, facts: &GroupFacts) -> Decision {
    let (action, kind) = name.split_once('@').unwrap_or((name, ""));
    if let Some(action) = chat_action(action) {
        return decide_on_room(actor, facts, room(kind), action);
    }
    if let Some((action, kind)) = name.split_once('@')
        && let Some(action) = forum_action(action)
    {
        return decide_on_content(actor, facts, content(kind), action);
    }
    if let Some(action) = forum_action(name) {
        return decide_on_content(actor, facts, Content::NONE, action);
    }
    if let Some((action, target)) = name.split_once('@') {
        let action = MemberAction::EVERY
            .into_iter()
            .find(|a| a.name() == action)
            .unwrap_or_else(|| panic!("unknown member action {action}"));
        let role = MemberRole::parse(target).unwrap_or_else(|| panic!("target {target}"));
        return decide_on_member(actor, facts, Target { role }, action);
    }
    let action = Action::EVERY
        .into_iter()
        .find(|a| a.name() == name)
        .unwrap_or_else(|| panic!("unknown action {name}"));
    decide(actor, facts, action)
}

#[test]
fn the_access_table_holds_cell_by_cell() {
    let table = include_str!("access_table.txt");
    let header = table
        .lines()
        .find(|l| l.starts_with("# action ") && l.contains(" stage "))
        .expect("the table names its columns");
    let roles: Vec<&str> = header.split_whitespace().skip(6).collect();
    assert_eq!(roles.len(), 15, "{header}");
    let mut covered = std::collections::HashSet::new();
    let mut failures = vec![];
    for line in table.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells.len(), 5 + roles.len(), "{line}");
        let facts = group(cells[1], cells[2], cells[3], cells[4]);
        covered.insert(cells[..5].join(" "));
        for (role, cell) in roles.iter().zip(&cells[5..]) {
            let got = decide_row(cells[0], &actor(role), &facts);
            if got != expected(cell) {
                failures.push(format!("{line}\n  {role}: expected {cell}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every action for every mode and join policy, listed, and unlisted for an open and a
    // closed group; member actions for both kinds of target.
    let variants = [
        "open - yes",
        "read_only - yes",
        "registered - yes",
        "closed approval yes",
        "closed invite yes",
        "closed invite_and_approval yes",
        "open - no",
        "closed invite no",
    ];
    let mut names: Vec<String> = Action::EVERY.iter().map(|a| a.name()).collect();
    for action in MemberAction::EVERY {
        names.push(format!("{}@member", action.name()));
        names.push(format!("{}@leader", action.name()));
    }
    let asked = ForumAction::EVERY.iter().map(|a| a.name());
    for name in asked.chain(ChatAction::EVERY.iter().map(|a| a.name())) {
        let asked = covered
            .iter()
            .filter(|row| {
                row.starts_with(&format!("{name} ")) || row.starts_with(&format!("{name}@"))
            })
            .count();
        assert!(asked >= variants.len(), "{name}: rows missing");
    }
    for name in &names {
        for variant in variants {
            let row = format!("{name} {variant} led");
            assert!(covered.contains(&row), "{row} missing");
        }
    }
    for action in [
        Action::SetAccessFreely,
        Action::ProposeMoreOpen,
        Action::AcceptProposal,
    ] {
        for stage in ["new", "leaderless"] {
            let row = format!("{} closed invite no {stage}", action.name());
            assert!(covered.contains(&row), "{row} missing");
        }
    }
}

#[test]
fn steunpunt_actions() {
    use SteunpuntAction::*;
    let as_role = |account, admin_here| SteunpuntActor {
        account,
        admin_here,
    };
    let guest = as_role(None, false);
    let member = as_role(Some(AccountRole::Member), false);
    let staff = as_role(Some(AccountRole::Staff), false);
    let admin_here = as_role(Some(AccountRole::Staff), true);
    let instance = as_role(Some(AccountRole::InstanceAdmin), false);
    let table = [
        // action, guest, member account, staff elsewhere, admin here, instance admin
        (CreateSteunpunt, "L", "F", "F", "F", "A"),
        (ManageInstance, "L", "F", "F", "F", "A"),
        (CreateStaffAccount, "L", "F", "F", "F", "A"),
        (AppointSteunpuntAdmin, "L", "F", "F", "F", "A"),
        (CreateGroup, "L", "F", "F", "A", "F"),
        (Administer, "L", "F", "F", "A", "F"),
        (ChangeSettings, "L", "F", "F", "A", "F"),
    ];
    assert_eq!(table.len(), SteunpuntAction::EVERY.len());
    for (act, g, m, s, h, i) in table {
        for (who, actor, cell) in [
            ("guest", guest, g),
            ("member", member, m),
            ("staff", staff, s),
            ("admin here", admin_here, h),
            ("instance", instance, i),
        ] {
            assert_eq!(
                decide_steunpunt(&actor, act),
                expected(cell),
                "{act:?} {who}"
            );
        }
    }
    // Only staff accounts become steunpunt admins.
    for (target, cell) in [
        (AccountRole::Staff, "A"),
        (AccountRole::Member, "S"),
        (AccountRole::InstanceAdmin, "S"),
    ] {
        let want = match cell {
            "A" => Allow,
            _ => Deny(Denial::TargetNotStaff),
        };
        assert_eq!(decide_appointment(&instance, target), want, "{target:?}");
        assert_eq!(
            decide_appointment(&admin_here, target),
            Deny(Denial::Forbidden)
        );
    }
}

fn settings(mode: Mode, join_policy: JoinPolicy, listed: bool) -> AccessSettings {
    AccessSettings {
        mode,
        join_policy,
        listed,
    }
}

#[test]
fn openness_changes_are_classified_conservatively() {
    use JoinPolicy::*;
    use Mode::*;
    let g = settings;
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
        (
            g(Registered, Approval, true),
            g(Closed, Approval, true),
            Openness::MoreClosed,
        ),
        // Closing one way while opening another is still opening.
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
fn a_leaders_choices_never_open_the_group() {
    use JoinPolicy::*;
    use Mode::*;
    let (modes, policies) = closing_choices(settings(Registered, Approval, true));
    assert_eq!(modes, vec![Registered, Closed]);
    assert_eq!(policies, vec![Approval, Invite, InviteAndApproval]);
    let (modes, policies) = closing_choices(settings(Closed, Invite, false));
    assert_eq!(modes, vec![Closed]);
    assert_eq!(policies, vec![Invite, InviteAndApproval]);
    let (modes, policies) = closing_choices(settings(Closed, InviteAndApproval, true));
    assert_eq!(modes, vec![Closed]);
    assert_eq!(policies, vec![InviteAndApproval]);
}

#[test]
fn join_paths_and_forms_follow_mode_policy_and_code() {
    use JoinPolicy::*;
    use Mode::*;
    let facts = |mode, policy| GroupFacts {
        access: settings(mode, policy, true),
        stage: Stage::Led,
    };
    let member = Some(MemberRole::Member);
    let leader = Some(MemberRole::Leader);
    let direct = JoinPath::Direct(MemberRole::Member);
    let cases = [
        (Open, Approval, None, direct),
        (Registered, Approval, member, direct),
        (Closed, Approval, None, JoinPath::Introduction),
        (Closed, Approval, member, direct),
        (Closed, Invite, member, direct),
        (Closed, InviteAndApproval, member, JoinPath::Introduction),
        (
            Closed,
            InviteAndApproval,
            leader,
            JoinPath::Direct(MemberRole::Leader),
        ),
        (Open, Approval, leader, JoinPath::Direct(MemberRole::Leader)),
    ];
    for (mode, policy, invite, path) in cases {
        assert_eq!(
            join_path(&facts(mode, policy), invite),
            path,
            "{mode:?} {policy:?}"
        );
    }
    let form = |mode, policy, code| {
        let f = join_form(&facts(mode, policy), code);
        (f.asks_code, f.asks_introduction)
    };
    assert_eq!(form(Open, Approval, false), (false, false));
    assert_eq!(form(Closed, Approval, false), (false, true));
    assert_eq!(form(Closed, Approval, true), (true, true));
    assert_eq!(form(Closed, Invite, false), (true, false));
    assert_eq!(form(Closed, InviteAndApproval, false), (true, true));
}

#[test]
fn modes_are_ordered_from_open_to_closed() {
    assert!(Mode::Open < Mode::ReadOnly);
    assert!(Mode::ReadOnly < Mode::Registered);
    assert!(Mode::Registered < Mode::Closed);
}

#[test]
fn pre_moderation_holds_whom_the_group_chose() {
    let member = actor("member");
    let leader = actor("leader");
    let guest = actor("guest");
    let cases = [
        // who, premoderation, hold guests, posts published before, held
        (member, Premoderation::None, true, 0, false),
        (member, Premoderation::FirstPosts(2), true, 0, true),
        (member, Premoderation::FirstPosts(2), true, 1, true),
        (member, Premoderation::FirstPosts(2), true, 2, false),
        (member, Premoderation::All, false, 50, true),
        (leader, Premoderation::All, true, 0, false),
        (leader, Premoderation::FirstPosts(5), true, 0, false),
        (guest, Premoderation::None, true, 0, true),
        (guest, Premoderation::None, false, 0, false),
        (guest, Premoderation::All, false, 0, true),
    ];
    for (who, premoderation, hold_guests, published, expected) in cases {
        assert_eq!(
            held(&who, premoderation, hold_guests, published),
            expected,
            "{who:?} {premoderation:?} {hold_guests} {published}"
        );
    }
}
