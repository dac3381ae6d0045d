//! A group's pre-moderation: none, the first posts of each member, or all posts, and
//! whether guests' posts (in open groups) wait for a leader. Chosen by its leaders.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::PremoderationMode;
use crate::db::schema::groups;
use crate::error::AppError;
use crate::groups::access::{GroupAccess, GroupRef, writing_by};
use crate::groups::modlog::{self, ModlogAction};
use crate::policy::{Content, ForumAction};
use crate::sessions::Session;
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PremoderationSettings {
    pub mode: PremoderationMode,
    /// With `first_posts`: how many of each member's first posts wait (1-20).
    #[schema(minimum = 1, maximum = 20)]
    pub first_posts: i32,
    /// Guests' posts in an open group wait for a leader (the default).
    pub hold_guest_posts: bool,
}

impl PremoderationSettings {
    pub fn of(access: &GroupAccess) -> PremoderationSettings {
        PremoderationSettings {
            mode: access.group.premoderation,
            first_posts: access.group.premoderation_posts,
            hold_guest_posts: access.group.hold_guest_posts,
        }
    }
}

pub async fn set(
    state: &AppState,
    session: &Session,
    slug: &str,
    new: PremoderationSettings,
) -> Result<PremoderationSettings, AppError> {
    if !(1..=20).contains(&new.first_posts) {
        return Err(AppError::invalid(
            "invalid_field",
            "first_posts is a number from 1 to 20.",
        ));
    }
    writing_by(
        state,
        Some(session),
        GroupRef::Slug(slug.to_string()),
        move |conn, access| {
            access.check_forum(Content::NONE, ForumAction::SetPremoderation)?;
            diesel::update(groups::table.find(&access.group.id))
                .set((
                    groups::premoderation.eq(new.mode),
                    groups::premoderation_posts.eq(new.first_posts),
                    groups::hold_guest_posts.eq(new.hold_guest_posts),
                ))
                .execute(conn)?;
            modlog::record(
                conn,
                &access.group.id,
                ModlogAction::PremoderationChanged,
                None,
                None,
            )?;
            Ok(new)
        },
    )
    .await
}
