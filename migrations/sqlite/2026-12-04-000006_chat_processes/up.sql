-- Which `kring serve` processes are alive: each refreshes its own row every minute. A
-- presence row counts while its process's row is fresh; the process no longer touches every
-- presence row it holds to say it is alive.
CREATE TABLE chat_processes (
    process_id TEXT PRIMARY KEY NOT NULL,
    seen_at BIGINT NOT NULL
);
