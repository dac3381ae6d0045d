//! Kring: an online layer for self-help groups. See README.md and `../shared/design.md`.

/// An enum stored as text: `as_str` for writing, `parse` for reading and for input.
macro_rules! text_enum {
    ($name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
            pub fn parse(value: &str) -> Option<$name> {
                match value { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

pub mod accounts;
pub mod api;
pub mod cli;
pub mod configuration;
pub mod db;
pub mod error;
pub mod groups;
pub mod i18n;
pub mod limits;
pub mod markdown;
pub mod metrics;
pub mod names;
pub mod operations;
pub mod pages;
pub mod policy;
pub mod retention;
pub mod secrets;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod steunpunten;
pub mod telemetry;
pub mod text;
pub mod time;
pub mod web;
