DROP TABLE chat_processes;
