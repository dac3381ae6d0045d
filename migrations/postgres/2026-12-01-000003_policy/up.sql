-- Making a group more open is proposed by the steunpunt and waits for a leader to accept.
-- One proposal per group; nothing records who proposed it.
CREATE TABLE access_proposals (
    group_id TEXT PRIMARY KEY NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    mode TEXT NOT NULL,
    join_policy TEXT NOT NULL,
    listed BOOLEAN NOT NULL,
    proposed_on TEXT NOT NULL
);

-- A moderation log line points at the membership it names, so that leaving and erasure
-- can neutralise it; lines are purged after `retention.modlog_days`. Earlier lines are
-- tied to the membership that still carries the name; a line whose member is gone loses
-- the name and the reason now.
ALTER TABLE modlog ADD COLUMN target_membership TEXT;
UPDATE modlog SET target_membership = (
    SELECT m.id FROM memberships m
    WHERE m.group_id = modlog.group_id AND m.display_name = modlog.target_name
    LIMIT 1
) WHERE target_name IS NOT NULL;
UPDATE modlog SET target_name = NULL, reason = NULL
WHERE target_name IS NOT NULL AND target_membership IS NULL;

-- Staff accounts (and instance admins) hold no memberships and make no join requests:
-- a steunpunt informs, it never takes over a group. What the log says of them goes too.
UPDATE modlog SET target_name = NULL, reason = NULL, target_membership = NULL
WHERE target_membership IN (
    SELECT m.id FROM memberships m JOIN accounts a ON a.id = m.account_id
    WHERE a.role <> 'member'
);
DELETE FROM memberships WHERE account_id IN (SELECT id FROM accounts WHERE role <> 'member');
DELETE FROM join_requests WHERE account_id IN (SELECT id FROM accounts WHERE role <> 'member');
CREATE INDEX modlog_target ON modlog(target_membership);
CREATE INDEX modlog_created ON modlog(created_on);
CREATE INDEX invites_group ON invites(group_id);

-- Booleans as booleans.
ALTER TABLE groups ALTER COLUMN online_only TYPE BOOLEAN USING online_only <> 0;
ALTER TABLE groups ALTER COLUMN listed TYPE BOOLEAN USING listed <> 0;
ALTER TABLE invites ALTER COLUMN revoked TYPE BOOLEAN USING revoked <> 0;
