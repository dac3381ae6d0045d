//! Groups: directory data and settings, memberships, join requests, invites, moderation.
//!
//! One file per feature. Every read or write of a group starts in `access`, which gathers
//! the facts once and hands them to the service; the service asks the policy
//! (`GroupAccess::check`) before it reads or writes anything. No file here compares roles or
//! modes to decide who may do what.

pub mod access;
pub mod directory;
pub mod invites;
pub mod joining;
pub mod members;
pub mod model;
pub mod modlog;
pub mod requests;
pub mod settings;

pub use access::{GroupAccess, authorize, with_access};
pub use directory::{DirectoryFilter, MyGroup, directory, mine};
pub use model::{DirectoryEntry, Group, MembershipRow, OwnMembership, Status, Theme};
pub use settings::{GroupChange, GroupView, NewGroup, check_slug, create, update, view};
