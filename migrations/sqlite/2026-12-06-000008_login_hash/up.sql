-- Login names are no longer stored as typed: `login_hash` holds HMAC-SHA256 of the
-- normalised name under the instance's login key, which lives outside the database
-- (`accounts.login_key_file`). Rows from before are hashed by Kring at its next start
-- (`accounts::login_key::prepare`), before it serves anything.
ALTER TABLE accounts RENAME COLUMN login_name TO login_hash;
