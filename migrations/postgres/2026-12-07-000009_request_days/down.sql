ALTER TABLE join_requests DROP COLUMN requested_on;
