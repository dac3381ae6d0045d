-- Steunpunt admins are staff accounts appointed by an instance admin.
CREATE TABLE steunpunt_admins (
    steunpunt_id TEXT NOT NULL REFERENCES steunpunten(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (steunpunt_id, account_id)
);

-- Directory data and settings of a group. No counters, no creator.
CREATE TABLE groups (
    id TEXT PRIMARY KEY NOT NULL,
    steunpunt_id TEXT NOT NULL REFERENCES steunpunten(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    theme TEXT NOT NULL,
    region TEXT NOT NULL,
    meeting_rhythm TEXT NOT NULL,
    meeting_place TEXT NOT NULL,
    online_only SMALLINT NOT NULL,
    status TEXT NOT NULL,
    mode TEXT NOT NULL,
    join_policy TEXT NOT NULL,
    listed SMALLINT NOT NULL,
    house_rules TEXT NOT NULL
);
CREATE INDEX groups_steunpunt ON groups(steunpunt_id);

-- One row per account per group: the display name is chosen for this group only, and the
-- id is per membership, so nothing links two memberships of one account.
CREATE TABLE memberships (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    display_key TEXT NOT NULL,
    role TEXT NOT NULL,
    banned_until BIGINT,
    ban_reason TEXT,
    muted_until BIGINT,
    mute_reason TEXT,
    UNIQUE (group_id, account_id),
    UNIQUE (group_id, display_key)
);
CREATE INDEX memberships_account ON memberships(account_id);

-- A request to join a closed group. The introduction is deleted once decided; a decline
-- and its reason stay for the applicant until read (or until retention removes them).
CREATE TABLE join_requests (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    display_key TEXT NOT NULL,
    introduction TEXT,
    state TEXT NOT NULL,
    reason TEXT,
    role TEXT NOT NULL,
    decided_at BIGINT,
    UNIQUE (group_id, account_id)
);

-- Invite codes: only a hash, and no link to whoever made them.
CREATE TABLE invites (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    max_uses INTEGER NOT NULL,
    uses INTEGER NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked SMALLINT NOT NULL
);

-- What leaders did, by display name, for the group's own eyes.
CREATE TABLE modlog (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    target_name TEXT,
    reason TEXT,
    created_on TEXT NOT NULL
);
CREATE INDEX modlog_group ON modlog(group_id);
