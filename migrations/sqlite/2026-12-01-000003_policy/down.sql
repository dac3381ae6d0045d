DROP INDEX invites_group;
DROP INDEX modlog_created;
DROP INDEX modlog_target;
ALTER TABLE modlog DROP COLUMN target_membership;
DROP TABLE access_proposals;
