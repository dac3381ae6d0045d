-- A join request nobody decides on expires (`retention.pending_request_days`): the day it
-- was made. Requests from before count from today.
ALTER TABLE join_requests ADD COLUMN requested_on TEXT NOT NULL DEFAULT '';
UPDATE join_requests SET requested_on = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD');
