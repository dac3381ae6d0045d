-- The names themselves cannot come back: only their hashes are stored.
ALTER TABLE accounts RENAME COLUMN login_hash TO login_name;
