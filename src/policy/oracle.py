#!/usr/bin/env python3
"""An independent statement of Kring's access rules, written from design.md's access table
and the issues, not from the Rust code. It writes access_table.txt; the Rust test checks the
policy against that file cell by cell. Regenerate after a deliberate rule change:

    python3 src/policy/oracle.py > src/policy/access_table.txt

and read the diff: every changed cell is a changed promise."""

ROLES = {
    # name: (account kind, relation, muted, banned, steunpunt admin, invite)
    "guest": (None, "none", False, False, False, None),
    "account": ("member", "none", False, False, False, None),
    "invited": ("member", "none", False, False, False, "member"),
    "lead_inv": ("member", "none", False, False, False, "leader"),
    "pending": ("member", "applicant", False, False, False, None),
    "declined": ("member", "declined", False, False, False, None),
    "member": ("member", "member", False, False, False, None),
    "mem_lead_inv": ("member", "member", False, False, False, "leader"),
    "leader": ("member", "leader", False, False, False, None),
    "muted": ("member", "member", True, False, False, None),
    "banned": ("member", "member", False, True, False, None),
    "sp_admin": ("staff", "none", False, False, True, None),
    "sp_invited": ("staff", "none", False, False, True, "leader"),
    "other_sp": ("staff", "none", False, False, False, None),
    "inst_admin": ("instance_admin", "none", False, False, False, None),
}

GROUPS = [
    ("open", "-", "yes"),
    ("read_only", "-", "yes"),
    ("registered", "-", "yes"),
    ("closed", "approval", "yes"),
    ("closed", "invite", "yes"),
    ("closed", "invite_and_approval", "yes"),
    ("open", "-", "no"),
    ("closed", "invite", "no"),
]

ACTIONS = [
    "see_in_directory", "view_group", "read_content", "write_content", "join",
    "join_with_invite", "view_own_join_request", "leave", "change_display_name",
    "list_members", "view_modlog_summary", "view_modlog", "view_join_requests",
    "decide_join_request", "manage_invites", "moderate_members", "edit_house_rules",
    "make_more_closed", "set_access_freely", "propose_more_open", "accept_proposal",
    "see_proposal", "edit_directory_entry", "appoint_leader", "view_leaders",
    "moderate_content", "set_retention",
]
# Actions whose outcome can depend on the group's stage get a row per stage.
STAGED = {"set_access_freely", "propose_more_open", "accept_proposal", "make_more_closed"}
MEMBER_ACTIONS = ["ban", "mute", "lift_sanction", "remove_leader_role"]
# Forum actions, each with the kinds of content it is asked about ("" for none). A kind
# names whose the post is (own_: the asker's current membership wrote it) and where it
# stands: held for review, hidden by a leader, in a locked topic, or reported to the
# steunpunt (escalated).
FORUM_ACTIONS = [
    ("read_forum", [""]),
    ("start_topic", [""]),
    ("reply", ["other", "locked"]),
    ("see_post", ["other", "held", "own_held", "hidden", "own_hidden", "escalated"]),
    ("edit_post", ["own", "other", "own_held", "own_hidden", "own_locked"]),
    ("delete_post", ["own", "other", "own_hidden", "own_locked"]),
    ("report_post", ["other", "own", "held", "hidden", "escalated"]),
    ("hide_post", ["other", "held", "hidden"]),
    ("review_post", ["held", "other"]),
    ("moderate_topic", [""]),
    ("view_review_queue", [""]),
    ("settle_report", [""]),
    ("manage_announcements", [""]),
    ("set_premoderation", [""]),
]
# Chat actions, each with the kinds of room (and message) it is asked about. "room" is an
# ordinary room open now; leaders_only, locked and closed (outside its meetings) describe the
# room; muted_here and removed the asker in it (a leader's sanction in this room); own and
# other whose the message is.
CHAT_ACTIONS = [
    ("read_room", ["room", "leaders_only", "removed", "closed"]),
    ("see_presence", ["room", "leaders_only"]),
    ("send_message", ["room", "leaders_only", "locked", "closed", "muted_here", "removed"]),
    ("delete_message", ["own", "other", "leaders_only"]),
    ("manage_rooms", [""]),
    ("moderate_participant", [""]),
]


def outcome(role, mode, policy, listed, stage, action):
    kind, relation, muted, banned, sp_admin, invite = ROLES[role]
    member = relation in ("member", "leader")
    leader = relation == "leader"
    # Hidden (unlisted) groups: only those tied to them, their steunpunt, and someone who
    # holds a valid code know they exist. Everyone else gets "not found".
    if listed == "no" and relation == "none" and not sp_admin and invite is None:
        return "N"
    if action in ("see_in_directory", "view_group"):
        return "A"
    if kind is None:
        # Guests read open and read-only groups and write in open ones; all else: log in.
        if action == "read_content" and mode in ("open", "read_only"):
            return "A"
        if action == "write_content" and mode == "open":
            return "A"
        return "L"
    if action == "view_own_join_request":
        return "A"
    if banned:
        return "F"
    staff = kind != "member"
    if action == "read_content":
        return "A" if mode != "closed" or member else "F"
    if action == "write_content":
        if muted:
            return "F"
        if member:
            return "A"
        if mode == "closed":
            return "F"
        return "S" if staff else "M"
    if action == "join":
        if staff:
            return "S"
        if member:
            return "J"
        if relation == "applicant":
            return "P"
        if mode == "closed" and policy != "approval":
            return "I"
        return "A"
    if action == "join_with_invite":
        if staff:
            return "S"
        if muted:
            return "F"
        if invite is None:
            return "V"
        if leader or (member and invite == "member"):
            return "J"
        return "A"
    if action == "leave":
        return "A" if relation != "none" and not muted else "F"
    if action in ("change_display_name", "list_members", "view_modlog_summary"):
        return "A" if member else "F"
    if action in ("view_modlog", "view_join_requests", "decide_join_request",
                  "manage_invites", "moderate_members", "edit_house_rules",
                  "accept_proposal", "moderate_content", "set_retention"):
        return "A" if leader else "F"
    if action in ("make_more_closed", "see_proposal"):
        return "A" if leader or sp_admin else "F"
    if action == "set_access_freely":
        if not sp_admin:
            return "F"
        return "A" if stage == "new" else "O"
    if action in ("propose_more_open", "edit_directory_entry", "appoint_leader",
                  "view_leaders"):
        return "A" if sp_admin else "F"
    raise ValueError(action)


def member_outcome(role, mode, policy, listed, action, target):
    if action == "remove_leader_role":
        base = outcome(role, mode, policy, listed, "led", "view_leaders")
        return base if base != "A" else ("A" if target == "leader" else "X")
    base = outcome(role, mode, policy, listed, "led", "moderate_members")
    return base if base != "A" else ("A" if target == "member" else "T")


def forum_outcome(role, mode, policy, listed, action, content):
    kind, relation, muted, banned, sp_admin, invite = ROLES[role]
    member = relation in ("member", "leader")
    leader = relation == "leader"

    def base(group_action):
        return outcome(role, mode, policy, listed, "led", group_action)

    read, write, lead = base("read_content"), base("write_content"), base("moderate_content")
    # Only a member can have written a post with their current membership.
    own = content.startswith("own") and member
    standing = "held" if "held" in content else "hidden" if "hidden" in content else "visible"
    locked = "locked" in content
    if action == "read_forum":
        return read
    if action == "start_topic":
        return write
    if action == "reply":
        if write != "A":
            return write
        return "K" if locked and not leader else "A"
    if action == "see_post":
        # The steunpunt sees a post a leader escalated to it, in any group of its own.
        if content == "escalated" and sp_admin:
            return "A"
        if read != "A":
            return read
        return "A" if standing == "visible" or own or leader else "F"
    if action == "edit_post":
        if not own:
            return read if read != "A" else "F"
        if write != "A":
            return write
        if standing == "hidden":
            return "F"
        return "K" if locked and not leader else "A"
    if action == "delete_post":
        if leader:
            return lead
        if read != "A":
            return read
        return "A" if own else "F"
    if action == "report_post":
        if read != "A":
            return read
        if own or standing != "visible":
            return "F"
        if kind is None:
            return "L"
        if member:
            return "A"
        if kind != "member":
            return "S"
        return "F" if mode == "closed" else "M"
    if action == "hide_post":
        if lead != "A":
            return lead
        return "H" if standing == "held" else "A"
    if action == "review_post":
        if lead != "A":
            return lead
        return "A" if standing == "held" else "Q"
    return lead


def chat_outcome(role, mode, policy, listed, action, room):
    kind, relation, muted, banned, sp_admin, invite = ROLES[role]
    member = relation in ("member", "leader")
    leader = relation == "leader"

    def base(group_action):
        return outcome(role, mode, policy, listed, "led", group_action)

    read, write, lead = base("read_content"), base("write_content"), base("moderate_content")
    # A leaders-only room, or a room one was removed from, is closed to its readers.
    if read == "A" and ((room == "leaders_only" and not leader) or room == "removed"):
        read = "F"
    if action == "read_room":
        return read
    if action == "see_presence":
        if read != "A":
            return read
        if member:
            return "A"
        return "L" if kind is None else "F"
    if action == "send_message":
        if write != "A":
            return write
        if room == "leaders_only" and not leader:
            return "F"
        if room in ("muted_here", "removed"):
            return "F"
        if room == "locked" and not leader:
            return "R"
        return "C" if room == "closed" else "A"
    if action == "delete_message":
        if leader:
            return lead
        if read != "A":
            return read
        return "A" if room == "own" and member else "F"
    return lead


def main():
    names = list(ROLES)
    print("""# The access table: every group mode and join policy, listed or not, x every role x every
# action, with the outcome written out. Written by oracle.py (an independent statement of the
# rules); checked cell by cell against the policy by src/policy/tests.rs.
#
# A allow; L log in first (401); F forbidden (403); N not found: the group is hidden (404);
# M choose a display name first (409 membership_required); J already a member (409);
# P already waiting for a decision (409); I an invite code is needed (403);
# V the code is not a usable invite (422); S staff accounts hold no memberships (403);
# O more open access waits for a leader to accept it (409);
# T leaders are not banned or muted (403); X only a leader can lose the leader's role (409);
# K the topic is locked (403); H the post waits for review: approve or reject it (409);
# Q only a held post is reviewed (409); R the chat room is locked (403);
# C the chat room is closed now, outside its meetings (409).
#
# Roles: invited / lead_inv hold a valid member / leader invite code; declined has a decline
# not read yet; mem_lead_inv is a member with a leader invite; sp_admin is a staff account
# that administers this group's steunpunt (sp_invited: with a leader invite in hand);
# other_sp administers another steunpunt; inst_admin is the instance admin.
# Stage: led (has a leader), new (no leader, no people, no content), leaderless.
# Member actions are written action@target_role; forum actions about one post or topic
# action@content (other / own_: whose post; held, hidden, locked topic, escalated report);
# chat actions action@room (room: open now; leaders_only, locked, closed; muted_here and
# removed: a leader's sanction against the asker in this room; own / other: whose message).
#""")
    header = f"# {'action':<26} {'mode':<10} {'join_policy':<20} {'listed':<6} {'stage':<10}"
    print(header + "".join(f" {n}" for n in names))
    rows = []
    for action in ACTIONS:
        stages = ["led", "new", "leaderless"] if action in STAGED else ["led"]
        for stage in stages:
            for mode, policy, listed in GROUPS:
                cells = [outcome(r, mode, policy, listed, stage, action) for r in names]
                rows.append((action, mode, policy, listed, stage, cells))
    for action in MEMBER_ACTIONS:
        for target in ("member", "leader"):
            for mode, policy, listed in GROUPS:
                cells = [member_outcome(r, mode, policy, listed, action, target) for r in names]
                rows.append((f"{action}@{target}", mode, policy, listed, "led", cells))
    for action, contents in FORUM_ACTIONS:
        for content in contents:
            name = f"{action}@{content}" if content else action
            for mode, policy, listed in GROUPS:
                cells = [forum_outcome(r, mode, policy, listed, action, content)
                         for r in names]
                rows.append((name, mode, policy, listed, "led", cells))
    for action, rooms in CHAT_ACTIONS:
        for room in rooms:
            name = f"{action}@{room}" if room else action
            for mode, policy, listed in GROUPS:
                cells = [chat_outcome(r, mode, policy, listed, action, room) for r in names]
                rows.append((name, mode, policy, listed, "led", cells))
    for action, mode, policy, listed, stage, cells in rows:
        line = f"  {action:<26} {mode:<10} {policy:<20} {listed:<6} {stage:<10}"
        print(line + "".join(f" {c:>{len(n)}}" for n, c in zip(names, cells)))


if __name__ == "__main__":
    main()
