-- Chat: a group's rooms for its online meetings, their short-lived messages, leaders'
-- per-room sanctions, and who is in a room right now. Opaque random ids everywhere; `seq`
-- numbers messages within one room only (clients resume from it), never across rooms.

-- Room schedules are read in the steunpunt's own time zone.
ALTER TABLE steunpunten ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Amsterdam';

CREATE TABLE rooms (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- Only the group's leaders see and use it.
    leaders_only BOOLEAN NOT NULL DEFAULT FALSE,
    -- Weekly meetings, e.g. "tue 20:00-21:30, thu 19:00-20:00"; empty: open at all times.
    schedule TEXT NOT NULL DEFAULT '',
    -- Messages are deleted this many hours after they were sent.
    retention_hours INTEGER NOT NULL,
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    -- Seconds a member waits between two messages; 0 for none.
    slow_mode_secs INTEGER NOT NULL DEFAULT 0,
    -- A leader opened the session by hand until then, or closed it by hand until then.
    opened_until BIGINT,
    closed_until BIGINT,
    -- The last seq handed out; a message takes the next in the transaction that stores it.
    last_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX rooms_group ON rooms(group_id, created_at);

CREATE TABLE messages (
    id TEXT PRIMARY KEY NOT NULL,
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    -- NULL for a guest (then guest_name is set) or once the author left and kept their words:
    -- shown as "former member".
    author_membership TEXT REFERENCES memberships(id) ON DELETE SET NULL,
    guest_name TEXT,
    -- A guest connection's random key, only so that a guest's resend is stored once.
    guest_key TEXT,
    -- The sender's own id for the message: a resend with the same id is stored once.
    client_msg_id TEXT,
    -- Rendered and sanitised when sent; shown as it is.
    body_html TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX messages_seq ON messages(room_id, seq);
CREATE UNIQUE INDEX messages_resend ON messages(room_id, author_membership, client_msg_id);
CREATE UNIQUE INDEX messages_guest_resend ON messages(room_id, guest_key, client_msg_id);
CREATE INDEX messages_author ON messages(author_membership);
CREATE INDEX messages_age ON messages(sent_at);

-- A leader muted someone in one room, or removed them from it, until a time.
CREATE TABLE room_sanctions (
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    membership_id TEXT NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    until BIGINT NOT NULL,
    PRIMARY KEY (room_id, membership_id, kind)
);
CREATE INDEX room_sanctions_member ON room_sanctions(membership_id);

-- Who is in a room now: one row per open connection, on the process that holds it (so that
-- every process can say who is present). Deleted when the connection closes; rows of a
-- process that stopped without saying so are ignored once stale and then purged.
CREATE TABLE room_presence (
    connection_id TEXT PRIMARY KEY NOT NULL,
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    process_id TEXT NOT NULL,
    membership_id TEXT REFERENCES memberships(id) ON DELETE CASCADE,
    guest_name TEXT,
    leader BOOLEAN NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX room_presence_room ON room_presence(room_id);
CREATE INDEX room_presence_process ON room_presence(process_id);
