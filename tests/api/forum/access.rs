//! Who reads the topic list and a topic, and who opens topics and replies, in each mode, for
//! each kind of asker: the design's access table, spelled out and asked over HTTP.

use serde_json::{Value, json};

use super::{Cast, post_ids, topic_ids};
use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(who_reads_and_writes_the_forum_in_each_mode);

const ROLES: [&str; 7] = [
    "guest", "account", "member", "muted", "banned", "leader", "staff",
];

/// (group, mode, join policy, listed, reads, writes) for the roles in [`ROLES`] order. A
/// read is a status; a write is "201", "202" (held) or "status error_code".
type Row = (
    &'static str,
    &'static str,
    Option<&'static str>,
    bool,
    [u16; 7],
    [&'static str; 7],
);

const TABLE: [Row; 5] = [
    (
        "forum-open",
        "open",
        None,
        true,
        [200, 200, 200, 200, 403, 200, 200],
        [
            "202",
            "409 membership_required",
            "201",
            "403 forbidden",
            "403 forbidden",
            "201",
            "403 staff_account",
        ],
    ),
    (
        "forum-read-only",
        "read_only",
        None,
        true,
        [200, 200, 200, 200, 403, 200, 200],
        [
            "401 login_required",
            "409 membership_required",
            "201",
            "403 forbidden",
            "403 forbidden",
            "201",
            "403 staff_account",
        ],
    ),
    (
        "forum-registered",
        "registered",
        None,
        true,
        [401, 200, 200, 200, 403, 200, 200],
        [
            "401 login_required",
            "409 membership_required",
            "201",
            "403 forbidden",
            "403 forbidden",
            "201",
            "403 staff_account",
        ],
    ),
    (
        "forum-closed",
        "closed",
        Some("approval"),
        true,
        [401, 403, 200, 200, 403, 200, 403],
        [
            "401 login_required",
            "403 forbidden",
            "201",
            "403 forbidden",
            "403 forbidden",
            "201",
            "403 forbidden",
        ],
    ),
    (
        "forum-hidden",
        "closed",
        Some("invite"),
        false,
        [404, 404, 200, 200, 403, 200, 403],
        [
            "404 not_found",
            "404 not_found",
            "201",
            "403 forbidden",
            "403 forbidden",
            "201",
            "403 forbidden",
        ],
    ),
];

fn read_code(status: u16) -> &'static str {
    match status {
        401 => "login_required",
        403 => "forbidden",
        404 => "not_found",
        _ => unreachable!(),
    }
}

/// Checks one answer against "201", "202" or "status code"; `None` when it was right.
async fn mismatch(response: reqwest::Response, want: &str, what: &str) -> Option<String> {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let ok = match want.split_once(' ') {
        None => {
            let held = want == "202";
            status.to_string() == want
                && body["held"] == held
                && body["topic_id"].is_string()
                && body["post_id"].is_string()
        }
        Some((code_status, code)) => {
            status.to_string() == code_status
                && body["error"] == code
                && body["message"].as_str().is_some_and(|m| !m.is_empty())
        }
    };
    (!ok).then(|| format!("{what}: want {want}, got {status} {body}"))
}

async fn who_reads_and_writes_the_forum_in_each_mode(app: TestApp) {
    let cast = Cast::new(&app).await;
    let mut failures = vec![];
    for (slug, mode, join_policy, listed, reads, writes) in TABLE {
        cast.group(&app, slug, mode, join_policy, listed).await;
        let (topic, _) = app
            .published(&cast.leader, slug, "Welkom", "Fijn dat je er bent.")
            .await;
        let tokens = [
            None,
            Some(cast.outsider.as_str()),
            Some(cast.member.as_str()),
            Some(cast.muted.as_str()),
            Some(cast.banned.as_str()),
            Some(cast.leader.as_str()),
            Some(cast.staff.as_str()),
        ];
        for (i, role) in ROLES.into_iter().enumerate() {
            let token = tokens[i];
            let what = |op: &str| format!("{op} in {mode} ({slug}) as {role}");
            // Reading: the list and the topic, with its content when allowed.
            for path in [
                format!("/api/v1/groups/{slug}/topics"),
                format!("/api/v1/topics/{topic}"),
            ] {
                let response = app.read(token, &path).await;
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                let ok = if reads[i] == 200 {
                    status == 200
                        && if path.contains("/groups/") {
                            topic_ids(&body).contains(&topic)
                        } else {
                            body["posts"].as_array().unwrap().iter().any(|p| {
                                p["body_html"]
                                    .as_str()
                                    .is_some_and(|h| h.contains("Fijn dat je er bent."))
                            })
                        }
                } else {
                    status == reads[i] && body["error"] == read_code(reads[i])
                };
                if !ok {
                    failures.push(format!(
                        "{}: want {}, got {status} {body}",
                        what(&format!("GET {path}")),
                        reads[i]
                    ));
                }
            }
            // Writing: a new topic and a reply (guests with a name).
            let guest = token.is_none().then_some("Gastschrijver");
            let opened = app
                .topic_with(
                    token,
                    slug,
                    json!({"title": format!("Van {role}"), "body": "Hallo allemaal.",
                        "guest_name": guest}),
                )
                .await;
            failures.extend(mismatch(opened, writes[i], &what("open a topic")).await);
            let replied = app
                .reply_with(
                    token,
                    &topic,
                    json!({"body": "Dank je wel.", "guest_name": guest}),
                )
                .await;
            failures.extend(mismatch(replied, writes[i], &what("reply")).await);
        }
        // What was written is what the readers see: the leader's topic has the replies of
        // those who may write and that were published (not the guest's held one).
        let page = app.topic_page(Some(&cast.member), &topic).await;
        let published = writes.iter().filter(|w| **w == "201").count();
        assert_eq!(post_ids(&page).len(), 1 + published, "{slug}: {page:#}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
