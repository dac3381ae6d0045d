DROP TABLE steunpunten;
DROP TABLE sessions;
DROP TABLE recovery_codes;
DROP TABLE accounts;
