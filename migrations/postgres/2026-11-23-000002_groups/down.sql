DROP TABLE modlog;
DROP TABLE invites;
DROP TABLE join_requests;
DROP TABLE memberships;
DROP TABLE groups;
DROP TABLE steunpunt_admins;
