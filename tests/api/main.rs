//! Integration tests: the real server, real SQLite files and a real PostgreSQL, over HTTP.
//! One test binary, one module per feature.

mod helpers;

mod accounts;
mod browser;
mod chat;
mod cli;
mod errors;
mod export;
mod forum;
mod groups;
mod names;
mod openapi;
mod operations;
mod pages;
mod policy_gaps;
mod privacy;
mod privacy_doc;
mod retention;
mod route_sweep;
mod security;
