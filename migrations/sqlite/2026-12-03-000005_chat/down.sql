DROP TABLE room_presence;
DROP TABLE room_sanctions;
DROP TABLE messages;
DROP TABLE rooms;
ALTER TABLE steunpunten DROP COLUMN time_zone;
