-- Retention per group, within the steunpunt's bounds (the instance's configuration bounds
-- them both). Forum posts are kept `post_retention_days` after they were written, those in
-- a pinned topic `pinned_retention_days`; chat messages `rooms.retention_hours` after the
-- meeting session they were sent in ended, a room keeping no longer than its group allows.
ALTER TABLE steunpunten ADD COLUMN post_retention_days_max INTEGER NOT NULL DEFAULT 730;
ALTER TABLE steunpunten ADD COLUMN chat_retention_hours_max INTEGER NOT NULL DEFAULT 720;
ALTER TABLE groups ADD COLUMN post_retention_days INTEGER NOT NULL DEFAULT 365;
ALTER TABLE groups ADD COLUMN pinned_retention_days INTEGER NOT NULL DEFAULT 365;
ALTER TABLE groups ADD COLUMN chat_retention_hours INTEGER NOT NULL DEFAULT 24;
-- A group whose rooms already keep messages longer keeps them as long as its longest room:
-- nothing is deleted sooner than its room promised, and the group's figure stays true.
UPDATE groups SET chat_retention_hours = (
    SELECT MAX(rooms.retention_hours) FROM rooms WHERE rooms.group_id = groups.id
) WHERE (
    SELECT MAX(rooms.retention_hours) FROM rooms WHERE rooms.group_id = groups.id
) > 24;
-- When the meeting session a message was sent in ends (NULL: the room is always open, and
-- the message's own time counts).
ALTER TABLE messages ADD COLUMN session_ends_at BIGINT;
CREATE INDEX posts_by_age ON posts (group_id, created_at);
