//! The notice board (prikbord): leaders' announcements (the next meeting, a change of venue,
//! a holiday break) that stand at the top of the group page and the topic list until a
//! leader takes them down or they expire. No author is stored: they are the leaders' word.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::AnnouncementView;
use crate::db::DbConnection;
use crate::db::schema::announcements;
use crate::error::AppError;
use crate::groups::access::{GroupAccess, GroupRef, writing_by};
use crate::groups::modlog::{self, ModlogAction};
use crate::markdown::SanitizedHtml;
use crate::policy::{Content, ForumAction};
use crate::sessions::Session;
use crate::state::AppState;
use crate::{secrets, time};

/// At most this many announcements stand at once.
pub const MAX_STANDING: i64 = 10;

/// The announcements that stand now, newest first, for whoever may read the forum.
pub fn current(
    conn: &mut DbConnection,
    access: &GroupAccess,
) -> Result<Vec<AnnouncementView>, AppError> {
    if !access.may_forum(Content::NONE, ForumAction::ReadForum) {
        return Ok(vec![]);
    }
    let rows: Vec<(String, String, SanitizedHtml, i64, Option<i64>)> = announcements::table
        .filter(announcements::group_id.eq(&access.group.id))
        .filter(
            announcements::expires_at
                .is_null()
                .or(announcements::expires_at.gt(time::now())),
        )
        .order(announcements::created_at.desc())
        .limit(MAX_STANDING)
        .select((
            announcements::id,
            announcements::title,
            announcements::body_html,
            announcements::created_at,
            announcements::expires_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, title, body_html, created_at, expires_at)| AnnouncementView {
                id,
                title,
                body_html,
                created_at: time::rfc3339(created_at),
                expires_at: expires_at.map(time::rfc3339),
            },
        )
        .collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAnnouncement {
    #[schema(min_length = 1, max_length = 120)]
    pub title: String,
    /// Markdown, at most 16 KiB.
    pub body: String,
    /// Taken down by itself after this many days (1-365); absent: until a leader does.
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<u32>,
}

pub async fn create(
    state: &AppState,
    session: &Session,
    slug: &str,
    new: NewAnnouncement,
) -> Result<AnnouncementView, AppError> {
    let title = super::title(&new.title)?;
    if new.expires_in_days.is_some_and(|d| !(1..=365).contains(&d)) {
        return Err(AppError::invalid(
            "invalid_field",
            "expires_in_days is a number from 1 to 365.",
        ));
    }
    let body = super::render_body(new.body).await?;
    writing_by(
        state,
        Some(session),
        GroupRef::Slug(slug.to_string()),
        move |conn, access| {
            access.check_forum(Content::NONE, ForumAction::ManageAnnouncements)?;
            let standing = current(conn, access)?.len() as i64;
            if standing >= MAX_STANDING {
                return Err(AppError::conflict(
                    "too_many_announcements",
                    "Take an announcement down first: ten stand at once at most.",
                ));
            }
            let now = time::now();
            let expires_at = new.expires_in_days.map(|d| now + i64::from(d) * 86_400);
            let id = secrets::new_id();
            diesel::insert_into(announcements::table)
                .values((
                    announcements::id.eq(&id),
                    announcements::group_id.eq(&access.group.id),
                    announcements::title.eq(&title),
                    announcements::body_html.eq(&body.html),
                    announcements::created_at.eq(now),
                    announcements::expires_at.eq(expires_at),
                ))
                .execute(conn)?;
            modlog::record(
                conn,
                &access.group.id,
                ModlogAction::AnnouncementPosted,
                None,
                None,
            )?;
            Ok(AnnouncementView {
                id,
                title,
                body_html: body.html,
                created_at: time::rfc3339(now),
                expires_at: expires_at.map(time::rfc3339),
            })
        },
    )
    .await
}

pub async fn delete(state: &AppState, session: &Session, id: &str) -> Result<(), AppError> {
    let id = id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Announcement(id.clone()),
        move |conn, access| {
            access.check_forum(Content::NONE, ForumAction::ManageAnnouncements)?;
            let gone = diesel::delete(
                announcements::table
                    .find(&id)
                    .filter(announcements::group_id.eq(&access.group.id)),
            )
            .execute(conn)?;
            if gone == 0 {
                return Err(AppError::not_found());
            }
            modlog::record(
                conn,
                &access.group.id,
                ModlogAction::AnnouncementRemoved,
                None,
                None,
            )
        },
    )
    .await
}

/// Expired announcements are deleted (retention); one without an end goes when its group's
/// forum posts would, that many days after it was put up.
pub fn purge_expired(conn: &mut DbConnection) -> Result<usize, AppError> {
    use crate::db::schema::groups;
    let now = time::now();
    let mut gone = diesel::delete(announcements::table.filter(announcements::expires_at.le(now)))
        .execute(conn)?;
    let kept: Vec<(String, i32)> = groups::table
        .select((groups::id, groups::post_retention_days))
        .load(conn)?;
    for (group, days) in kept {
        gone += diesel::delete(
            announcements::table
                .filter(announcements::group_id.eq(&group))
                .filter(announcements::expires_at.is_null())
                .filter(announcements::created_at.lt(now - i64::from(days) * 86_400)),
        )
        .execute(conn)?;
    }
    Ok(gone)
}
