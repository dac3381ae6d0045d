//! What topics, posts, reports and announcements are, as stored and as shown. No access
//! decisions here: the services ask the policy, these types only carry what it allowed.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{posts, topics};
use crate::markdown::SanitizedHtml;
use crate::policy::{Content, PostStanding, Premoderation};

text_enum! {
    /// Where a post stands.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum PostState {
        Visible = "visible",
        /// Waits for a leader (pre-moderation); only its author and the leaders see it.
        Held = "held",
        /// Hidden by a leader: members see that a post was hidden, not what it said.
        Hidden = "hidden",
    }
}

impl PostState {
    pub fn standing(self) -> PostStanding {
        match self {
            PostState::Visible => PostStanding::Visible,
            PostState::Held => PostStanding::Held,
            PostState::Hidden => PostStanding::Hidden,
        }
    }
}

text_enum! {
    /// Why a member reports a post.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ReportReason {
        /// "I'm worried about this person": first in the leaders' queue.
        Worried = "worried",
        OffTopic = "off_topic",
        Hurtful = "hurtful",
        PrivateInfo = "private_info",
        Spam = "spam",
    }
}

text_enum! {
    /// How a group pre-moderates its forum.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum PremoderationMode {
        /// Posts appear at once.
        None = "none",
        /// The first posts of each member wait for a leader.
        FirstPosts = "first_posts",
        /// Every post by a member waits for a leader.
        All = "all",
    }
}

impl PremoderationMode {
    pub fn with_posts(self, first_posts: i32) -> Premoderation {
        match self {
            PremoderationMode::None => Premoderation::None,
            PremoderationMode::FirstPosts => {
                Premoderation::FirstPosts(u32::try_from(first_posts).unwrap_or(0))
            }
            PremoderationMode::All => Premoderation::All,
        }
    }
}

/// Who wrote a post, as readers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    Member,
    Leader,
    /// Written without an account, in an open group, under a name typed with the post.
    Guest,
    /// The member left or erased their account and chose to keep what they wrote.
    FormerMember,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = topics)]
pub struct TopicRow {
    pub id: String,
    pub group_id: String,
    pub title: String,
    pub pinned: bool,
    pub locked: bool,
    pub held: bool,
    pub author_membership: Option<String>,
    pub created_at: i64,
    pub last_post_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = posts)]
pub struct PostRow {
    pub id: String,
    pub topic_id: String,
    pub group_id: String,
    pub author_membership: Option<String>,
    pub guest_name: Option<String>,
    pub body_markdown: String,
    pub body_html: SanitizedHtml,
    pub content_warning: Option<String>,
    pub state: PostState,
    pub created_at: i64,
    pub edited: bool,
    pub position: i64,
}

impl PostRow {
    /// The facts the policy judges about this post, for the reader with `membership`.
    pub fn content(&self, membership: Option<&str>, locked: bool, escalated: bool) -> Content {
        Content {
            own: membership.is_some() && self.author_membership.as_deref() == membership,
            standing: self.state.standing(),
            locked,
            escalated,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost<'a> {
    pub id: String,
    pub topic_id: &'a str,
    pub group_id: &'a str,
    pub author_membership: Option<&'a str>,
    pub guest_name: Option<&'a str>,
    pub body_markdown: &'a str,
    pub body_html: &'a SanitizedHtml,
    pub content_warning: Option<&'a str>,
    pub state: PostState,
    pub created_at: i64,
    pub position: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = topics)]
pub struct NewTopic<'a> {
    pub id: String,
    pub group_id: &'a str,
    pub title: &'a str,
    pub held: bool,
    pub author_membership: Option<&'a str>,
    pub created_at: i64,
    pub last_post_at: i64,
}

/// A topic in the list. No reply or view counts: nothing that invites comparison.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicSummary {
    pub id: String,
    /// Empty when its opener erased their words and the replies stay: show a neutral title.
    pub title: String,
    pub pinned: bool,
    pub locked: bool,
    /// Its opening post waits for a leader (only its author and the leaders see it).
    pub held: bool,
    /// When the last post was written (RFC 3339).
    pub last_post_at: String,
    /// The asker opened it.
    pub own: bool,
}

/// A topic, as its page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicView {
    pub id: String,
    /// The group's slug.
    pub group: String,
    pub title: String,
    pub pinned: bool,
    pub locked: bool,
    pub held: bool,
}

/// A post as its reader may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostView {
    pub id: String,
    /// The display name in this group, the guest's typed name, or empty for a former member.
    pub author: String,
    pub author_kind: AuthorKind,
    /// Absent when the reader may not see the body (a hidden post, for members).
    #[schema(value_type = Option<String>)]
    pub body_html: Option<SanitizedHtml>,
    /// Shown before the body; the body is folded away until the reader opens it.
    pub content_warning: Option<String>,
    pub state: PostState,
    /// When it was written (RFC 3339).
    pub created_at: String,
    /// Edited after it was written (no earlier versions are kept).
    pub edited: bool,
    /// The asker wrote it.
    pub own: bool,
    /// What the asker may do with it: `edit`, `delete`, `report`, `hide`, `review`, `quote`.
    pub actions: Vec<&'static str>,
}

/// One of the leaders' announcements on the notice board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnouncementView {
    pub id: String,
    pub title: String,
    #[schema(value_type = String)]
    pub body_html: SanitizedHtml,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; absent when it stands until a leader takes it down.
    pub expires_at: Option<String>,
}

/// Why a leader did not publish one of my posts: for my eyes only, until I dismiss it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectionView {
    pub id: String,
    pub topic_title: String,
    pub reason: String,
    pub on: String,
}
