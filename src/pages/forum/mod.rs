//! The forum's pages: a group's topic list with its notice board (`/g/{slug}/forum`), a
//! topic (`/t/{id}`) with replying, quoting, editing, deleting, reporting and the leaders'
//! buttons, and the leaders' review queue with the notice board and pre-moderation
//! (`/g/{slug}/wachtrij`). Everything works without JavaScript: forms post and redirect.
//! One file per feature: `topics`, `posts`, `review` (the queue) and `announcements` (the
//! leaders' forms on it); what several share lives here.
//!
//! Like every page these call the forum's services, which ask the policy; the templates show
//! the actions the policy allowed (`PostView::actions`, `may_reply`, `may_moderate`).

mod announcements;
mod posts;
mod review;
mod topics;

use actix_web::http::Method;
use actix_web::web;
use serde::Deserialize;

use crate::forum::{AnnouncementView, AuthorKind, PostView, TopicSummary};
use crate::i18n::Catalogue;
use crate::policy::ForumAction;
use crate::web::routes::{self, Access};

/// "2026-12-01T20:15:00Z" as "2026-12-01 20:15" (UTC, like every time Kring shows).
fn when(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => rfc3339.to_string(),
    }
}

/// A post with what the template shows around it, in the visitor's language.
pub struct PostItem {
    pub p: PostView,
    pub when: String,
    pub author_note: String,
}

fn post_item(t: &Catalogue, p: PostView) -> PostItem {
    let author_note = match p.author_kind {
        AuthorKind::Leader => t.get("forum.leader_badge"),
        AuthorKind::Guest => t.get("forum.guest_badge"),
        AuthorKind::Member | AuthorKind::FormerMember => "",
    };
    let mut p = p;
    if p.author_kind == AuthorKind::FormerMember {
        p.author = t.get("forum.former_member").to_string();
    }
    PostItem {
        when: when(&p.created_at),
        author_note: author_note.to_string(),
        p,
    }
}

fn topic_title(t: &Catalogue, title: &str) -> String {
    if title.is_empty() {
        t.get("forum.neutral_title").to_string()
    } else {
        title.to_string()
    }
}

pub struct TopicLine {
    pub t: TopicSummary,
    pub title: String,
    pub when: String,
}

pub struct AnnouncementItem {
    pub a: AnnouncementView,
    pub until: Option<String>,
}

pub(crate) fn announcement_items(list: Vec<AnnouncementView>) -> Vec<AnnouncementItem> {
    list.into_iter()
        .map(|a| AnnouncementItem {
            until: a.expires_at.as_deref().map(|e| when(e)[..10].to_string()),
            a,
        })
        .collect()
}

pub(crate) fn topic_lines(
    t: &Catalogue,
    topics: Vec<TopicSummary>,
    at_most: usize,
) -> Vec<TopicLine> {
    topics
        .into_iter()
        .take(at_most)
        .map(|topic| TopicLine {
            title: topic_title(t, &topic.title),
            when: when(&topic.last_post_at),
            t: topic,
        })
        .collect()
}

/// What someone typed into a post form, kept when the post is refused.
#[derive(Default)]
pub struct Typed {
    pub title: String,
    pub body: String,
    pub content_warning: String,
    pub guest_name: String,
}

#[derive(Deserialize)]
struct PostForm {
    title: Option<String>,
    body: String,
    content_warning: Option<String>,
    guest_name: Option<String>,
}

impl PostForm {
    fn typed(&self) -> Typed {
        Typed {
            title: self.title.clone().unwrap_or_default(),
            body: self.body.clone(),
            content_warning: self.content_warning.clone().unwrap_or_default(),
            guest_name: self.guest_name.clone().unwrap_or_default(),
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct SlugForm {
    slug: String,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Access::Forum;
    use ForumAction as F;
    use Method as M;
    routes::add(
        cfg,
        M::GET,
        "/g/{slug}/forum",
        &[Forum(F::ReadForum)],
        topics::forum,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/forum",
        &[Forum(F::StartTopic)],
        topics::start_topic,
    );
    routes::add(
        cfg,
        M::GET,
        "/t/{id}",
        &[Forum(F::ReadForum)],
        topics::topic,
    );
    routes::add(
        cfg,
        M::POST,
        "/t/{id}/reply",
        &[Forum(F::Reply)],
        posts::reply,
    );
    routes::add(
        cfg,
        M::POST,
        "/t/{id}/moderate",
        &[Forum(F::ModerateTopic)],
        topics::moderate_topic,
    );
    routes::add(
        cfg,
        M::POST,
        "/t/{id}/delete",
        &[Forum(F::ModerateTopic)],
        topics::delete_topic,
    );
    routes::add(
        cfg,
        M::GET,
        "/p/{id}/edit",
        &[Forum(F::EditPost)],
        posts::edit_form,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/edit",
        &[Forum(F::EditPost)],
        posts::edit,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/delete",
        &[Forum(F::DeletePost)],
        posts::delete_post,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/hide",
        &[Forum(F::HidePost)],
        posts::hide_post,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/unhide",
        &[Forum(F::HidePost)],
        posts::unhide_post,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/review",
        &[Forum(F::ReviewPost)],
        posts::review_post,
    );
    routes::add(
        cfg,
        M::POST,
        "/p/{id}/report",
        &[Forum(F::ReportPost)],
        posts::report_post,
    );
    routes::add(
        cfg,
        M::GET,
        "/g/{slug}/wachtrij",
        &[Forum(F::ViewReviewQueue)],
        review::review,
    );
    routes::add(
        cfg,
        M::POST,
        "/r/{id}/settle",
        &[Forum(F::SettleReport)],
        review::settle,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/prikbord",
        &[Forum(F::ManageAnnouncements)],
        announcements::announce,
    );
    routes::add(
        cfg,
        M::POST,
        "/a/{id}/delete",
        &[Forum(F::ManageAnnouncements)],
        announcements::take_down,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/premoderatie",
        &[Forum(F::SetPremoderation)],
        announcements::set_premoderation,
    );
    routes::add(
        cfg,
        M::POST,
        "/rejections/{id}/dismiss",
        &[Access::OwnAccount],
        posts::dismiss_rejection,
    );
}
