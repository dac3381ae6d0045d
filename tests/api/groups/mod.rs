//! Steunpunten and groups over the API, one file per feature: the directory, joining,
//! invites, members and their sanctions, settings and access changes, and what denied reads
//! answer.

mod access;
mod directory;
mod invites;
mod joining;
mod members;
mod settings;
