-- Staff accounts (and instance admins) hold no memberships and make no join requests:
-- a steunpunt informs, it never takes over a group.
DELETE FROM memberships WHERE account_id IN (SELECT id FROM accounts WHERE role <> 'member');
DELETE FROM join_requests WHERE account_id IN (SELECT id FROM accounts WHERE role <> 'member');

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
-- can neutralise it; lines are purged after `retention.modlog_days`.
ALTER TABLE modlog ADD COLUMN target_membership TEXT;
CREATE INDEX modlog_target ON modlog(target_membership);
CREATE INDEX modlog_created ON modlog(created_on);
CREATE INDEX invites_group ON invites(group_id);
-- SQLite keeps booleans as 0/1 integers: the SMALLINT columns read as booleans unchanged.
