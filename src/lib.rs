//! Kring: an online layer for self-help groups. See README.md and `../shared/design.md`.

pub mod accounts;
pub mod api;
pub mod cli;
pub mod configuration;
pub mod db;
pub mod error;
pub mod i18n;
pub mod limits;
pub mod metrics;
pub mod names;
pub mod operations;
pub mod pages;
pub mod retention;
pub mod secrets;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod steunpunten;
pub mod telemetry;
pub mod time;
pub mod web;
