//! The forum over the API: who reads and writes in each mode, guests, pre-moderation,
//! editing and deleting, leaders' moderation, reports and the review queue, the notice
//! board, bad input, and what a member's export, erasure and leaving do to what they wrote.

mod access;
mod announcements;
mod erasure;
mod guests;
mod input;
mod moderation;
mod posts;
mod premoderation;
mod reports;

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

/// Everyone a forum test needs, one account each, placed in groups by [`Cast::group`]:
/// the steunpunt admin who creates them, a leader, a member, a muted and a banned member,
/// and an account without a membership.
pub struct Cast {
    pub staff: String,
    pub leader: String,
    pub member: String,
    pub muted: String,
    pub banned: String,
    pub outsider: String,
}

impl Cast {
    pub async fn new(app: &TestApp) -> Cast {
        let staff = app.steunpunt_admin().await;
        let login = format!("leider_{}", &kring::secrets::new_id()[..6]).replace('-', "_");
        app.register(&login).await;
        let leader = app.login(&login, PASSWORD).await;
        Cast {
            staff,
            leader,
            member: app.member().await.1,
            muted: app.member().await.1,
            banned: app.member().await.1,
            outsider: app.member().await.1,
        }
    }

    /// Creates `slug` (`mode`, `join_policy`, listed or not) and places everyone: the leader
    /// "Leider", the members "Lid", "Stil" (muted) and "Geweerd" (banned).
    pub async fn group(
        &self,
        app: &TestApp,
        slug: &str,
        mode: &str,
        join_policy: Option<&str>,
        listed: bool,
    ) {
        app.group(&self.staff, slug, mode, join_policy, listed)
            .await;
        let code = app.invite(&self.staff, slug, "leader", 1).await;
        app.joined(
            &self.leader,
            slug,
            json!({"display_name": "Leider", "invite_code": code}),
        )
        .await;
        let code = app.invite(&self.leader, slug, "member", 3).await;
        for (token, name, sanction) in [
            (&self.member, "Lid", None),
            (&self.muted, "Stil", Some("mute")),
            (&self.banned, "Geweerd", Some("ban")),
        ] {
            let id = app
                .joined(
                    token,
                    slug,
                    json!({"display_name": name, "invite_code": code}),
                )
                .await;
            if let Some(what) = sanction {
                let done = app
                    .sanction(
                        &self.leader,
                        slug,
                        &id,
                        what,
                        json!({"reason": "voor de test"}),
                    )
                    .await;
                assert_eq!(done.status(), 200, "{what} {name} in {slug}");
            }
        }
    }
}

/// The ids of the posts on a topic page.
pub fn post_ids(page: &Value) -> Vec<String> {
    page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// The ids of the topics in a topic list.
pub fn topic_ids(list: &Value) -> Vec<String> {
    list["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

/// The post `id` on a topic page.
pub fn post<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("post {id} is not on the page: {page:#}"))
}

/// The same ids, in any order.
pub fn same(mut got: Vec<String>, mut want: Vec<String>) {
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

/// Waits until the clock has passed the next whole second. Topics and announcements are
/// stamped in whole seconds (their lists order ties by id), so which of two is newer is only
/// certain a second apart. Posts keep their place in a topic and need no wait.
pub async fn next_second() {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
}
