//! Reports: a member reports a post; the group's leaders work through one review queue of
//! held posts and reports, "I'm worried about this person" first; a leader dismisses a
//! report or sends it on to the steunpunt, whose admins then see that post and nothing
//! else of the group. Who reported is never shown to anyone.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{PostRow, TopicRow};
use super::posts::post_in;
use super::{PostState, PostView, ReportReason};
use crate::db::DbConnection;
use crate::db::schema::{groups, memberships, posts, reports, steunpunten, topics};
use crate::error::AppError;
use crate::groups::access::{GroupAccess, GroupRef, writing_by};
use crate::groups::modlog::{self, ModlogAction};
use crate::limits::{Attempt, SourceKey};
use crate::markdown::SanitizedHtml;
use crate::policy::{
    AccessSettings, Actor, Content, ForumAction, GroupFacts, MemberRole, Stage, SteunpuntAction,
    decide_on_content, decide_steunpunt,
};
use crate::sessions::Session;
use crate::state::AppState;
use crate::{secrets, text, time};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub reason: ReportReason,
    /// For the leaders: at most 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reported {
    pub id: String,
}

pub async fn report(
    state: &AppState,
    session: &Session,
    source: SourceKey,
    post_id: &str,
    new: NewReport,
) -> Result<Reported, AppError> {
    super::count_write(state, source, Some(session), Attempt::Report)?;
    let note = match new.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(n) => Some(text::checked("note", n, 1, 500, true)?),
    };
    let post_id = post_id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Post(post_id.clone()),
        move |conn, access| {
            let (post, _, content) = post_in(conn, access, &post_id)?;
            access.check_forum(content, ForumAction::ReportPost)?;
            let id = secrets::new_id();
            diesel::insert_into(reports::table)
                .values((
                    reports::id.eq(&id),
                    reports::post_id.eq(&post.id),
                    reports::group_id.eq(&access.group.id),
                    reports::reporter_membership.eq(access.membership_id()),
                    reports::reason.eq(new.reason),
                    reports::note.eq(note),
                    reports::created_at.eq(time::now()),
                ))
                .execute(conn)
                .map_err(|e| {
                    crate::db::on_unique_violation(e, || {
                        AppError::conflict("already_reported", "You reported this post already.")
                    })
                })?;
            Ok(Reported { id })
        },
    )
    .await
}

/// One item of the leaders' review queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    /// `report` or `held_post`.
    pub kind: &'static str,
    /// The report's id (for `report`).
    pub report_id: Option<String>,
    pub reason: Option<ReportReason>,
    pub note: Option<String>,
    /// The report went on to the steunpunt.
    pub escalated: bool,
    pub topic_id: String,
    pub topic_title: String,
    pub post: PostView,
    /// RFC 3339: when it was reported, or written (held posts).
    pub since: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueue {
    /// "I'm worried" reports first, then the rest, oldest first.
    pub items: Vec<QueueItem>,
    /// How many "I'm worried" reports wait (for the leaders' page to mark at once).
    pub worried: usize,
}

type QueueRow = (PostRow, TopicRow, Option<String>, Option<MemberRole>);

/// The queue, for the group's leaders.
pub fn queue(conn: &mut DbConnection, access: &GroupAccess) -> Result<ReviewQueue, AppError> {
    access.check_forum(Content::NONE, ForumAction::ViewReviewQueue)?;
    let gid = &access.group.id;
    let view = |row: QueueRow, escalated: bool| {
        let (post, topic, name, role) = row;
        let content = post.content(access.membership_id(), topic.locked, escalated);
        (
            topic.id.clone(),
            topic.title.clone(),
            super::topics::post_view(access, post, content, name.zip(role), false),
        )
    };
    let mut items = vec![];
    let reported: Vec<(String, ReportReason, Option<String>, bool, i64, QueueRow)> = reports::table
        .inner_join(posts::table.inner_join(topics::table))
        .left_join(memberships::table.on(memberships::id.nullable().eq(posts::author_membership)))
        .filter(reports::group_id.eq(gid))
        .order(reports::created_at)
        .limit(500)
        .select((
            reports::id,
            reports::reason,
            reports::note,
            reports::escalated,
            reports::created_at,
            (
                PostRow::as_select(),
                TopicRow::as_select(),
                memberships::display_name.nullable(),
                memberships::role.nullable(),
            ),
        ))
        .load(conn)?;
    for (id, reason, note, escalated, at, row) in reported {
        let (topic_id, topic_title, post) = view(row, escalated);
        items.push(QueueItem {
            kind: "report",
            report_id: Some(id),
            reason: Some(reason),
            note,
            escalated,
            topic_id,
            topic_title,
            post,
            since: time::rfc3339(at),
        });
    }
    let held: Vec<QueueRow> = posts::table
        .inner_join(topics::table)
        .left_join(memberships::table.on(memberships::id.nullable().eq(posts::author_membership)))
        .filter(posts::group_id.eq(gid))
        .filter(posts::state.eq(PostState::Held))
        .order(posts::created_at)
        .limit(500)
        .select((
            PostRow::as_select(),
            TopicRow::as_select(),
            memberships::display_name.nullable(),
            memberships::role.nullable(),
        ))
        .load(conn)?;
    for row in held {
        let at = row.0.created_at;
        let (topic_id, topic_title, post) = view(row, false);
        items.push(QueueItem {
            kind: "held_post",
            report_id: None,
            reason: None,
            note: None,
            escalated: false,
            topic_id,
            topic_title,
            post,
            since: time::rfc3339(at),
        });
    }
    // Worried first; the rest keep their order (reports, then held posts, each oldest first).
    items.sort_by_key(|item| item.reason != Some(ReportReason::Worried));
    let worried = items
        .iter()
        .filter(|i| i.reason == Some(ReportReason::Worried))
        .count();
    Ok(ReviewQueue { items, worried })
}

/// How many "I'm worried" reports wait in a group (for the leaders' marks on its pages).
pub fn worried_count(conn: &mut DbConnection, access: &GroupAccess) -> Result<i64, AppError> {
    if !access.may_forum(Content::NONE, ForumAction::ViewReviewQueue) {
        return Ok(0);
    }
    Ok(reports::table
        .filter(reports::group_id.eq(&access.group.id))
        .filter(reports::reason.eq(ReportReason::Worried))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// Nothing to do: the report goes.
    Dismiss,
    /// Send it on to the steunpunt's admins.
    Escalate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDecision {
    pub action: Settlement,
}

pub async fn settle(
    state: &AppState,
    session: &Session,
    report_id: &str,
    decision: ReportDecision,
) -> Result<(), AppError> {
    let id = report_id.to_string();
    writing_by(
        state,
        Some(session),
        GroupRef::Report(id.clone()),
        move |conn, access| {
            access.check_forum(Content::NONE, ForumAction::SettleReport)?;
            let reason: ReportReason = reports::table
                .find(&id)
                .filter(reports::group_id.eq(&access.group.id))
                .select(reports::reason)
                .first(conn)
                .optional()?
                .ok_or_else(AppError::not_found)?;
            let gid = &access.group.id;
            match decision.action {
                Settlement::Dismiss => {
                    diesel::delete(reports::table.find(&id)).execute(conn)?;
                    modlog::record_content(
                        conn,
                        gid,
                        ModlogAction::ReportDismissed,
                        None,
                        None,
                        Some(reason),
                    )
                }
                Settlement::Escalate => {
                    diesel::update(reports::table.find(&id))
                        .set(reports::escalated.eq(true))
                        .execute(conn)?;
                    modlog::record_content(
                        conn,
                        gid,
                        ModlogAction::ReportEscalated,
                        None,
                        None,
                        Some(reason),
                    )
                }
            }
        },
    )
    .await
}

/// A report a group's leaders sent on to the steunpunt: the post and nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalatedReport {
    pub group_slug: String,
    pub group_name: String,
    pub reason: ReportReason,
    pub note: Option<String>,
    #[schema(value_type = String)]
    pub body_html: SanitizedHtml,
    pub content_warning: Option<String>,
    /// RFC 3339.
    pub reported_at: String,
}

type EscalatedRow = (
    String,
    String,
    crate::policy::Mode,
    crate::policy::JoinPolicy,
    bool,
    ReportReason,
    Option<String>,
    SanitizedHtml,
    Option<String>,
    i64,
    PostState,
);

/// The escalated reports of the steunpunt `slug`'s groups, for its admins.
pub async fn escalated(
    state: &AppState,
    session: &Session,
    slug: &str,
) -> Result<Vec<EscalatedReport>, AppError> {
    let (slug, session) = (slug.to_string(), session.clone());
    state
        .db
        .run(move |conn| {
            let sp_id: String = steunpunten::table
                .filter(steunpunten::slug.eq(&slug))
                .select(steunpunten::id)
                .first(conn)
                .optional()?
                .ok_or_else(AppError::not_found)?;
            let sp_actor = crate::steunpunten::actor(conn, Some(&sp_id), Some(&session))?;
            decide_steunpunt(&sp_actor, SteunpuntAction::Administer).require()?;
            let rows: Vec<EscalatedRow> = reports::table
                .inner_join(posts::table)
                .inner_join(groups::table.on(groups::id.eq(reports::group_id)))
                .filter(groups::steunpunt_id.eq(&sp_id))
                .filter(reports::escalated.eq(true))
                .order(reports::created_at.desc())
                .limit(200)
                .select((
                    groups::slug,
                    groups::name,
                    groups::mode,
                    groups::join_policy,
                    groups::listed,
                    reports::reason,
                    reports::note,
                    posts::body_html,
                    posts::content_warning,
                    reports::created_at,
                    posts::state,
                ))
                .load(conn)?;
            // The steunpunt's view of each post, asked of the policy like any other read.
            let actor = Actor {
                steunpunt_admin: true,
                ..Actor::account(session.account.role)
            };
            Ok(rows
                .into_iter()
                .filter(|row| {
                    let facts = GroupFacts {
                        access: AccessSettings {
                            mode: row.2,
                            join_policy: row.3,
                            listed: row.4,
                        },
                        stage: Stage::Led,
                    };
                    let content = Content {
                        own: false,
                        standing: row.10.standing(),
                        locked: false,
                        escalated: true,
                    };
                    decide_on_content(&actor, &facts, content, ForumAction::SeePost).is_allowed()
                })
                .map(|row| EscalatedReport {
                    group_slug: row.0,
                    group_name: row.1,
                    reason: row.5,
                    note: row.6,
                    body_html: row.7,
                    content_warning: row.8,
                    reported_at: time::rfc3339(row.9),
                })
                .collect())
        })
        .await
}

/// Reports older than `days` are deleted (retention): open ones and those sent on to the
/// steunpunt alike. The post itself stays, under its group's retention.
pub fn purge_old(conn: &mut DbConnection, days: u32) -> Result<usize, AppError> {
    let cutoff = time::now() - i64::from(days) * 86_400;
    Ok(diesel::delete(reports::table.filter(reports::created_at.lt(cutoff))).execute(conn)?)
}
