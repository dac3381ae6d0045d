DROP INDEX posts_by_age;
ALTER TABLE messages DROP COLUMN session_ends_at;
ALTER TABLE groups DROP COLUMN chat_retention_hours;
ALTER TABLE groups DROP COLUMN pinned_retention_days;
ALTER TABLE groups DROP COLUMN post_retention_days;
ALTER TABLE steunpunten DROP COLUMN chat_retention_hours_max;
ALTER TABLE steunpunten DROP COLUMN post_retention_days_max;
