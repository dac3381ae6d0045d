//! Leaders lead the forum: lock and pin topics, hide and show posts, delete posts and
//! topics; the moderation log says so, in full for leaders and as a neutral summary (with
//! the category, never a name or a reason) for members.

use reqwest::Method;
use serde_json::{Value, json};

use super::{next_second, post, post_ids, topic_ids};
use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    a_locked_topic_takes_replies_from_leaders_only,
    a_pinned_topic_comes_first,
    a_hidden_post_shows_members_a_placeholder_and_leaders_the_body,
    the_log_tells_members_what_happened_and_leaders_who_and_why,
);

struct Kring {
    leader: String,
    member: String,
}

async fn kring(app: &TestApp) -> Kring {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "kring", "registered", None, true).await;
    let leader = app.leader(&sp, "kring", "Leider").await;
    let (_, member) = app.member().await;
    app.joined(&member, "kring", json!({"display_name": "Lid"}))
        .await;
    Kring { leader, member }
}

async fn change(app: &TestApp, token: &str, topic: &str, body: Value) -> reqwest::Response {
    app.call(
        Method::PATCH,
        &format!("/api/v1/topics/{topic}"),
        Some(token),
        Some(&body),
    )
    .await
}

async fn a_locked_topic_takes_replies_from_leaders_only(app: TestApp) {
    let k = kring(&app).await;
    let (topic, _) = app
        .published(&k.member, "kring", "Discussie", "Wat vinden jullie?")
        .await;
    let by_member = change(&app, &k.member, &topic, json!({"locked": true})).await;
    assert_error(by_member, 403, "forbidden").await;
    let locked = change(&app, &k.leader, &topic, json!({"locked": true})).await;
    assert_eq!(locked.status(), 200);
    let summary: Value = locked.json().await.unwrap();
    assert_eq!(
        (summary["locked"].clone(), summary["pinned"].clone()),
        (json!(true), json!(false))
    );

    let replied = app.reply(Some(&k.member), &topic, "Nog één ding.").await;
    assert_error(replied, 403, "topic_locked").await;
    let page = app.topic_page(Some(&k.member), &topic).await;
    assert_eq!(page["topic"]["locked"], true);
    assert_eq!(page["may_reply"], false);
    assert_eq!(page["reply_denied"], "topic_locked");
    assert_eq!(page["may_moderate"], false);
    let leader_reply = app.replied(&k.leader, &topic, "We sluiten dit af.").await;
    let page = app.topic_page(Some(&k.leader), &topic).await;
    assert_eq!(page["may_reply"], true);
    assert_eq!(page["may_moderate"], true);
    assert!(post_ids(&page).contains(&leader_reply));
    // Unlocked, members reply again.
    let unlocked = change(&app, &k.leader, &topic, json!({"locked": false})).await;
    assert_eq!(unlocked.status(), 200);
    app.replied(&k.member, &topic, "Dank.").await;
}

async fn a_pinned_topic_comes_first(app: TestApp) {
    let k = kring(&app).await;
    let (older, _) = app
        .published(&k.leader, "kring", "Huisregels", "Lees ze.")
        .await;
    next_second().await;
    let (newer, _) = app
        .published(&k.member, "kring", "Vraagje", "Hoe gaat het?")
        .await;
    let list = app.topics(Some(&k.member), "kring").await;
    assert_eq!(
        topic_ids(&list),
        vec![newer.clone(), older.clone()],
        "newest first"
    );
    let by_member = change(&app, &k.member, &older, json!({"pinned": true})).await;
    assert_error(by_member, 403, "forbidden").await;
    let pinned = change(&app, &k.leader, &older, json!({"pinned": true})).await;
    assert_eq!(pinned.status(), 200);
    // Even after newer activity elsewhere, the pinned topic stands first.
    app.replied(&k.member, &newer, "Nog een reactie.").await;
    let list = app.topics(Some(&k.member), "kring").await;
    assert_eq!(topic_ids(&list), vec![older.clone(), newer.clone()]);
    assert_eq!(list["topics"][0]["pinned"], true);
    assert_eq!(list["topics"][1]["pinned"], false);
    let unpinned = change(&app, &k.leader, &older, json!({"pinned": false})).await;
    assert_eq!(unpinned.status(), 200);
    let list = app.topics(Some(&k.member), "kring").await;
    assert_eq!(topic_ids(&list), vec![newer, older]);
}

async fn a_hidden_post_shows_members_a_placeholder_and_leaders_the_body(app: TestApp) {
    let k = kring(&app).await;
    let (_, other) = app.member().await;
    app.joined(&other, "kring", json!({"display_name": "Ander"}))
        .await;
    let (topic, _) = app
        .published(&k.leader, "kring", "Onderwerp", "Praat mee.")
        .await;
    let reply = app.replied(&k.member, &topic, "Iets kwetsends.").await;
    let hide_path = format!("/api/v1/posts/{reply}/hide");
    let by_member = app
        .call(Method::POST, &hide_path, Some(&other), Some(&json!({})))
        .await;
    assert_error(by_member, 403, "forbidden").await;
    let hidden = app
        .call(
            Method::POST,
            &hide_path,
            Some(&k.leader),
            Some(&json!({"reason": "kwetsend", "category": "hurtful"})),
        )
        .await;
    assert_eq!(hidden.status(), 204);
    let page = app.topic_page(Some(&other), &topic).await;
    let shown = post(&page, &reply);
    assert_eq!(shown["state"], "hidden");
    assert!(shown["body_html"].is_null(), "{shown}");
    assert!(!page.to_string().contains("kwetsends"), "{page:#}");
    // Its author still sees what they wrote, marked hidden.
    let page = app.topic_page(Some(&k.member), &topic).await;
    let shown = post(&page, &reply);
    assert_eq!(shown["state"], "hidden");
    assert!(
        shown["body_html"]
            .as_str()
            .unwrap()
            .contains("Iets kwetsends.")
    );
    // Its author may not edit it back into view.
    let edited = app
        .call(
            Method::PATCH,
            &format!("/api/v1/posts/{reply}"),
            Some(&k.member),
            Some(&json!({"body": "Iets anders."})),
        )
        .await;
    assert_error(edited, 403, "forbidden").await;
    // Nor report it: there is nothing to see.
    let reported = app.report(Some(&other), &reply, "hurtful").await;
    assert_error(reported, 403, "forbidden").await;
    let page = app.topic_page(Some(&k.leader), &topic).await;
    let shown = post(&page, &reply);
    assert_eq!(shown["state"], "hidden");
    assert!(
        shown["body_html"]
            .as_str()
            .unwrap()
            .contains("Iets kwetsends.")
    );
    assert!(
        shown["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("hide"))
    );

    let unhidden = app
        .call(Method::DELETE, &hide_path, Some(&k.leader), None)
        .await;
    assert_eq!(unhidden.status(), 204);
    let page = app.topic_page(Some(&other), &topic).await;
    let shown = post(&page, &reply);
    assert_eq!(shown["state"], "visible");
    assert!(
        shown["body_html"]
            .as_str()
            .unwrap()
            .contains("Iets kwetsends.")
    );
    let by_member = app
        .call(Method::DELETE, &hide_path, Some(&other), None)
        .await;
    assert_error(by_member, 403, "forbidden").await;
}

async fn the_log_tells_members_what_happened_and_leaders_who_and_why(app: TestApp) {
    let k = kring(&app).await;
    let (topic, _) = app
        .published(&k.leader, "kring", "Onderwerp", "Praat mee.")
        .await;
    let reply = app
        .replied(&k.member, &topic, "Mijn adres is Dorpsstraat 1.")
        .await;
    let removed = app
        .call(
            Method::DELETE,
            &format!("/api/v1/posts/{reply}"),
            Some(&k.leader),
            Some(&json!({"reason": "adres gedeeld", "category": "private_info"})),
        )
        .await;
    assert_eq!(removed.status(), 204);
    assert_eq!(app.db.rows_in("posts").len(), 1, "deleted, not flagged");
    let line = |log: &Value| {
        log.as_array()
            .unwrap()
            .iter()
            .find(|l| l["action"] == "post_deleted")
            .unwrap_or_else(|| panic!("no post_deleted line: {log:#}"))
            .clone()
    };
    let full = line(
        &app.read_ok(Some(&k.leader), "/api/v1/groups/kring/modlog")
            .await,
    );
    assert_eq!(full["target"], "Lid");
    assert_eq!(full["reason"], "adres gedeeld");
    assert_eq!(full["category"], "private_info");
    let summary = line(
        &app.read_ok(Some(&k.member), "/api/v1/groups/kring/modlog")
            .await,
    );
    assert_eq!(summary["category"], "private_info");
    assert!(
        summary.get("target").is_none() && summary.get("reason").is_none(),
        "{summary}"
    );

    // A leader deletes a whole topic; that is logged too.
    let by_member = app
        .call(
            Method::DELETE,
            &format!("/api/v1/topics/{topic}"),
            Some(&k.member),
            None,
        )
        .await;
    assert_error(by_member, 403, "forbidden").await;
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/v1/topics/{topic}"),
            Some(&k.leader),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert!(app.db.rows_in("topics").is_empty() && app.db.rows_in("posts").is_empty());
    let log = app
        .read_ok(Some(&k.member), "/api/v1/groups/kring/modlog")
        .await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|l| l["action"] == "topic_deleted")
    );
    // A removal body that is not one: refused, nothing removed.
    let (_, post_id) = app
        .published(&k.member, "kring", "Nieuw", "Nieuw bericht.")
        .await;
    let bad = app
        .call(
            Method::DELETE,
            &format!("/api/v1/posts/{post_id}"),
            Some(&k.leader),
            Some(&json!({"category": "boos"})),
        )
        .await;
    assert_error(bad, 400, "invalid_body").await;
    assert_eq!(app.db.rows_in("posts").len(), 1);
}
