//! What someone may do with the forum's content: the group's rules, plus facts about the
//! post or topic (whose it is, whether it waits for a leader or was hidden, whether its
//! topic is locked, whether a report about it went to the steunpunt). And whether a new post
//! waits for a leader before others see it (pre-moderation).

use super::Decision::{self, Allow, Deny};
use super::{Action, Actor, Denial, GroupFacts, Mode, Relation, decide};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForumAction {
    /// The topic list, a topic's page, the notice board.
    ReadForum,
    StartTopic,
    Reply,
    /// See a post's body (a hidden post shows a placeholder instead; a held one is not
    /// listed at all for whoever may not see it).
    SeePost,
    EditPost,
    DeletePost,
    ReportPost,
    /// Hide a post from members, or show it again (leaders).
    HidePost,
    /// Approve or reject a held post (leaders).
    ReviewPost,
    /// Pin, lock and delete topics (leaders).
    ModerateTopic,
    /// The queue of held posts and reports (leaders).
    ViewReviewQueue,
    /// Dismiss a report, or send it on to the steunpunt (leaders).
    SettleReport,
    /// Post and take down announcements on the notice board (leaders).
    ManageAnnouncements,
    /// Choose the group's pre-moderation (leaders).
    SetPremoderation,
}

impl ForumAction {
    pub const EVERY: [ForumAction; 14] = [
        ForumAction::ReadForum,
        ForumAction::StartTopic,
        ForumAction::Reply,
        ForumAction::SeePost,
        ForumAction::EditPost,
        ForumAction::DeletePost,
        ForumAction::ReportPost,
        ForumAction::HidePost,
        ForumAction::ReviewPost,
        ForumAction::ModerateTopic,
        ForumAction::ViewReviewQueue,
        ForumAction::SettleReport,
        ForumAction::ManageAnnouncements,
        ForumAction::SetPremoderation,
    ];

    pub fn name(self) -> String {
        super::snake_name(&format!("{self:?}"))
    }
}

/// Where a post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostStanding {
    Visible,
    /// Waits for a leader (pre-moderation).
    Held,
    /// Hidden by a leader.
    Hidden,
}

/// What the policy needs to know about the content acted on. For group-wide forum actions
/// (the list, a new topic, the queue) [`Content::NONE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content {
    /// The asker wrote it (their current membership did).
    pub own: bool,
    pub standing: PostStanding,
    /// Its topic is locked.
    pub locked: bool,
    /// A leader sent a report about it to the steunpunt.
    pub escalated: bool,
}

impl Content {
    pub const NONE: Content = Content {
        own: false,
        standing: PostStanding::Visible,
        locked: false,
        escalated: false,
    };
}

pub fn decide_on_content(
    actor: &Actor,
    group: &GroupFacts,
    content: Content,
    action: ForumAction,
) -> Decision {
    let leader = actor.relation == Relation::Leader;
    // Only a member can have written a post with their current membership.
    let own = content.own && matches!(actor.relation, Relation::Member | Relation::Leader);
    let lead = || decide(actor, group, Action::ModerateContent);
    match action {
        ForumAction::ReadForum => decide(actor, group, Action::ReadContent),
        ForumAction::StartTopic => decide(actor, group, Action::WriteContent),
        ForumAction::Reply => match decide(actor, group, Action::WriteContent) {
            Allow if content.locked && !leader => Deny(Denial::TopicLocked),
            decision => decision,
        },
        ForumAction::SeePost => {
            // The steunpunt sees an escalated post, and nothing else of a closed group.
            if content.escalated && actor.steunpunt_admin {
                return Allow;
            }
            match decide(actor, group, Action::ReadContent) {
                Allow => {
                    Decision::allowed_if(content.standing == PostStanding::Visible || own || leader)
                }
                denied => denied,
            }
        }
        ForumAction::EditPost => {
            if !own {
                return visible_then(actor, group, Deny(Denial::Forbidden));
            }
            match decide(actor, group, Action::WriteContent) {
                Allow if content.standing == PostStanding::Hidden => Deny(Denial::Forbidden),
                Allow if content.locked && !leader => Deny(Denial::TopicLocked),
                decision => decision,
            }
        }
        ForumAction::DeletePost => {
            if leader {
                return lead();
            }
            // One's own words can always go, muted or in a locked topic.
            match decide(actor, group, Action::ReadContent) {
                Allow => Decision::allowed_if(own),
                denied => denied,
            }
        }
        ForumAction::ReportPost => {
            let read = decide(actor, group, Action::ReadContent);
            if read != Allow {
                return read;
            }
            if own || content.standing != PostStanding::Visible {
                return Deny(Denial::Forbidden);
            }
            // Members report, muted ones too (worry is not writing); others join first.
            match (actor.account, actor.relation) {
                (None, _) => Deny(Denial::LoginRequired),
                (Some(_), Relation::Member | Relation::Leader) => Allow,
                (Some(role), _) if role.is_staff() => Deny(Denial::StaffAccount),
                (Some(_), _) if group.access.mode == Mode::Closed => Deny(Denial::Forbidden),
                (Some(_), _) => Deny(Denial::MembershipRequired),
            }
        }
        ForumAction::HidePost => match lead() {
            Allow if content.standing == PostStanding::Held => Deny(Denial::PostHeld),
            decision => decision,
        },
        ForumAction::ReviewPost => match lead() {
            Allow if content.standing != PostStanding::Held => Deny(Denial::NotHeld),
            decision => decision,
        },
        ForumAction::ModerateTopic
        | ForumAction::ViewReviewQueue
        | ForumAction::SettleReport
        | ForumAction::ManageAnnouncements
        | ForumAction::SetPremoderation => lead(),
    }
}

/// `denial`, unless the group does not even let the asker read: then that reason.
fn visible_then(actor: &Actor, group: &GroupFacts, denial: Decision) -> Decision {
    match decide(actor, group, Action::ReadContent) {
        Allow => denial,
        denied => denied,
    }
}

/// How a group pre-moderates: none, the first `n` posts of each member, or every post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Premoderation {
    None,
    FirstPosts(u32),
    All,
}

/// Whether a new post by `actor` waits for a leader. `approved_posts` is how many of the
/// member's posts were published before; `hold_guests` the group's choice for guests.
pub fn held(
    actor: &Actor,
    premoderation: Premoderation,
    hold_guests: bool,
    approved_posts: u32,
) -> bool {
    match actor.relation {
        Relation::Leader => false,
        Relation::Member => match premoderation {
            Premoderation::None => false,
            Premoderation::FirstPosts(n) => approved_posts < n,
            Premoderation::All => true,
        },
        // Only guests write without a membership (where the mode lets them).
        Relation::None | Relation::Applicant | Relation::Declined => {
            hold_guests || premoderation == Premoderation::All
        }
    }
}
