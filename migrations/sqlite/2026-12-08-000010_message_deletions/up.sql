-- Which chat messages were deleted, and when: their number in the room only (no id, no word
-- of them, no author), so an erasure leaves nothing here that points at the person. A client
-- that was away when a message went is told on its return (`since` only brings what is
-- newer). Kept as long as the room keeps messages, then purged.
CREATE TABLE message_deletions (
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, seq)
);
CREATE INDEX message_deletions_age ON message_deletions(deleted_at);
