//! What a group and a membership are, as stored and as shown: read models, write models and
//! the directory entry. No access decisions here: `access` gathers facts, the policy judges.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{groups, memberships, steunpunten};
use crate::markdown::{self, SanitizedHtml};
use crate::policy::{AccessSettings, JoinPolicy, MemberRole, Mode};
use crate::time;

text_enum! {
    /// The theme categories of the sociale kaart.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Theme {
        Somatic = "somatic",
        MentalHealth = "mental_health",
        Addiction = "addiction",
        LifeSituation = "life_situation",
        Relatives = "relatives",
    }
}

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Status {
        Starting = "starting",
        Active = "active",
        Stopped = "stopped",
    }
}

pub use crate::retention::{GroupRetention, RetentionBounds};

/// A group as read, with what its pages need of its steunpunt.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = groups)]
pub struct Group {
    pub id: String,
    pub steunpunt_id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub theme: Theme,
    pub region: String,
    pub meeting_rhythm: String,
    pub meeting_place: String,
    pub online_only: bool,
    pub status: Status,
    pub mode: Mode,
    pub join_policy: JoinPolicy,
    pub listed: bool,
    pub house_rules: String,
    pub premoderation: crate::forum::PremoderationMode,
    pub premoderation_posts: i32,
    pub hold_guest_posts: bool,
    /// Forum posts are kept this many days (those in a pinned topic `pinned_retention_days`).
    pub post_retention_days: i32,
    pub pinned_retention_days: i32,
    /// Chat messages are kept this many hours after their meeting session (its rooms keep
    /// no longer).
    pub chat_retention_hours: i32,
    /// The steunpunt's bounds on the three above.
    #[diesel(select_expression = steunpunten::post_retention_days_max)]
    pub post_retention_days_max: i32,
    #[diesel(select_expression = steunpunten::chat_retention_hours_max)]
    pub chat_retention_hours_max: i32,
    #[diesel(select_expression = steunpunten::slug)]
    pub steunpunt_slug: String,
    #[diesel(select_expression = steunpunten::name)]
    pub steunpunt_name: String,
    #[diesel(select_expression = steunpunten::crisis_text)]
    pub crisis_text: String,
    /// The steunpunt's time zone (IANA name): chat schedules are read in it.
    #[diesel(select_expression = steunpunten::time_zone)]
    pub time_zone: String,
}

/// A new group as written.
#[derive(Debug, Insertable)]
#[diesel(table_name = groups)]
pub struct NewGroupRow {
    pub id: String,
    pub steunpunt_id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub theme: Theme,
    pub region: String,
    pub meeting_rhythm: String,
    pub meeting_place: String,
    pub online_only: bool,
    pub status: Status,
    pub mode: Mode,
    pub join_policy: JoinPolicy,
    pub listed: bool,
    pub house_rules: String,
    pub post_retention_days: i32,
    pub pinned_retention_days: i32,
    pub chat_retention_hours: i32,
}

impl Group {
    pub fn premoderation(&self) -> crate::policy::Premoderation {
        self.premoderation.with_posts(self.premoderation_posts)
    }

    pub fn access_settings(&self) -> AccessSettings {
        AccessSettings {
            mode: self.mode,
            join_policy: self.join_policy,
            listed: self.listed,
        }
    }

    pub fn house_rules_html(&self) -> SanitizedHtml {
        markdown::render(&self.house_rules)
    }

    pub fn entry(&self) -> DirectoryEntry {
        DirectoryEntry {
            slug: self.slug.clone(),
            name: self.name.clone(),
            steunpunt: self.steunpunt_slug.clone(),
            description: self.description.clone(),
            theme: self.theme,
            region: self.region.clone(),
            meeting_rhythm: self.meeting_rhythm.clone(),
            meeting_place: self.meeting_place.clone(),
            online_only: self.online_only,
            status: self.status,
            mode: self.mode,
            join_policy: (self.mode == Mode::Closed).then_some(self.join_policy),
            listed: self.listed,
            retention: self.retention(),
        }
    }

    pub fn retention(&self) -> GroupRetention {
        GroupRetention {
            post_days: self.post_retention_days,
            pinned_days: self.pinned_retention_days,
            chat_hours: self.chat_retention_hours,
        }
    }

    /// What the steunpunt allows, within what the instance allows.
    pub fn retention_bounds(&self, settings: &crate::configuration::Settings) -> RetentionBounds {
        RetentionBounds {
            post_days_max: self.post_retention_days_max,
            chat_hours_max: self
                .chat_retention_hours_max
                .min(settings.chat.max_retention_hours as i32),
        }
    }
}

/// What the directory shows of a group. No member counts, no dates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryEntry {
    pub slug: String,
    pub name: String,
    /// The hosting steunpunt's slug.
    pub steunpunt: String,
    pub description: String,
    pub theme: Theme,
    pub region: String,
    pub meeting_rhythm: String,
    pub meeting_place: String,
    pub online_only: bool,
    pub status: Status,
    pub mode: Mode,
    /// How a closed group is joined; absent for other modes.
    pub join_policy: Option<JoinPolicy>,
    pub listed: bool,
    /// How long the group keeps what is written in it.
    pub retention: GroupRetention,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = memberships)]
pub struct MembershipRow {
    pub id: String,
    pub group_id: String,
    pub account_id: String,
    pub display_name: String,
    pub display_key: String,
    pub role: MemberRole,
    pub banned_until: Option<i64>,
    pub ban_reason: Option<String>,
    pub muted_until: Option<i64>,
    pub mute_reason: Option<String>,
    /// How many of this member's posts were published (for pre-moderation; never shown).
    pub approved_posts: i32,
}

impl MembershipRow {
    pub fn banned(&self, now: i64) -> bool {
        self.banned_until.is_some_and(|until| until > now)
    }
    pub fn muted(&self, now: i64) -> bool {
        self.muted_until.is_some_and(|until| until > now)
    }
    pub fn own(&self) -> OwnMembership {
        let now = time::now();
        OwnMembership {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            muted: self.muted(now),
            banned: self.banned(now),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = memberships)]
pub struct NewMembership<'a> {
    pub id: String,
    pub group_id: &'a str,
    pub account_id: &'a str,
    pub display_name: &'a str,
    pub display_key: &'a str,
    pub role: MemberRole,
}

/// My own membership of a group, as I see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnMembership {
    pub id: String,
    pub display_name: String,
    pub role: MemberRole,
    pub muted: bool,
    pub banned: bool,
}
