//! One's own posts: edit them (shown as edited), delete them for real (gone from the
//! database, not flagged), and what deleting an opening post or a topic's last post does.
//! Content warnings are stored and returned with the body.

use reqwest::Method;
use serde_json::json;

use super::{post, post_ids, topic_ids};
use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    a_member_edits_their_own_post_and_no_one_elses,
    a_deleted_post_is_gone_from_the_database,
    deleting_an_opening_post_keeps_the_replies_under_a_neutral_title,
    a_content_warning_is_stored_and_returned_with_the_body,
    posts_written_in_one_second_keep_their_order,
);

struct Kring {
    leader: String,
    anna: String,
    bram: String,
}

async fn kring(app: &TestApp) -> Kring {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "kring", "registered", None, true).await;
    let leader = app.leader(&sp, "kring", "Leider").await;
    let (_, anna) = app.member().await;
    app.joined(&anna, "kring", json!({"display_name": "Anna"}))
        .await;
    let (_, bram) = app.member().await;
    app.joined(&bram, "kring", json!({"display_name": "Bram"}))
        .await;
    Kring { leader, anna, bram }
}

async fn edit(
    app: &TestApp,
    token: &str,
    post: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.call(
        Method::PATCH,
        &format!("/api/v1/posts/{post}"),
        Some(token),
        Some(&body),
    )
    .await
}

async fn a_member_edits_their_own_post_and_no_one_elses(app: TestApp) {
    let k = kring(&app).await;
    let (topic, opening) = app
        .published(&k.anna, "kring", "Slapen", "Ik slaap slecht.")
        .await;
    let reply = app.replied(&k.bram, &topic, "Herkenbaar.").await;
    let page = app.topic_page(Some(&k.bram), &topic).await;
    assert_eq!(post(&page, &opening)["edited"], false);
    let actions = post(&page, &reply)["actions"].clone();
    assert!(
        actions.as_array().unwrap().contains(&json!("edit")),
        "{actions}"
    );

    let edited = edit(
        &app,
        &k.anna,
        &opening,
        json!({"body": "Ik slaap **heel** slecht."}),
    )
    .await;
    assert_eq!(edited.status(), 200);
    let answer: serde_json::Value = edited.json().await.unwrap();
    assert_eq!(answer["held"], false);
    assert_eq!(answer["post_id"], opening.as_str());
    let page = app.topic_page(Some(&k.bram), &topic).await;
    let shown = post(&page, &opening);
    assert_eq!(shown["edited"], true);
    let html = shown["body_html"].as_str().unwrap();
    assert!(html.contains("<strong>heel</strong>"), "{html}");
    assert!(
        !html.contains("Ik slaap slecht."),
        "no earlier version: {html}"
    );

    // Not someone else's post, not even a leader's edit.
    for (token, id) in [(&k.bram, &opening), (&k.anna, &reply), (&k.leader, &reply)] {
        let refused = edit(&app, token, id, json!({"body": "Overschreven."})).await;
        assert_error(refused, 403, "forbidden").await;
    }
    // The title goes with one's own opening post, and only with it.
    let renamed = edit(&app, &k.anna, &opening, json!({"title": "Slecht slapen"})).await;
    assert_eq!(renamed.status(), 200);
    let page = app.topic_page(Some(&k.bram), &topic).await;
    assert_eq!(page["topic"]["title"], "Slecht slapen");
    let by_reply = edit(&app, &k.bram, &reply, json!({"title": "Gekaapt"})).await;
    assert_error(by_reply, 403, "forbidden").await;
    let page = app.topic_page(Some(&k.bram), &topic).await;
    assert_eq!(page["topic"]["title"], "Slecht slapen");
    assert_eq!(
        post(&page, &reply)["edited"],
        false,
        "a refused edit changes nothing"
    );
    let body = post(&page, &reply)["body_html"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(body.contains("Herkenbaar."), "{body}");
    // An edit is checked like a new post.
    let empty = edit(&app, &k.anna, &opening, json!({"body": "   "})).await;
    assert_error(empty, 422, "body_empty").await;
    let unknown = edit(&app, &k.anna, &opening, json!({"tekst": "x"})).await;
    assert_error(unknown, 400, "invalid_json").await;
}

async fn a_deleted_post_is_gone_from_the_database(app: TestApp) {
    let k = kring(&app).await;
    let (topic, _) = app
        .published(&k.leader, "kring", "Onderwerp", "Praat mee.")
        .await;
    const SECRET: &str = "VERWIJDERD-GEHEIM mijn telefoonnummer 0612345678";
    let reply = app.replied(&k.anna, &topic, SECRET).await;
    assert_eq!(app.db.rows_in("posts").len(), 2);
    // Not someone else's.
    let path = format!("/api/v1/posts/{reply}");
    let refused = app.call(Method::DELETE, &path, Some(&k.bram), None).await;
    assert_error(refused, 403, "forbidden").await;
    let deleted = app.call(Method::DELETE, &path, Some(&k.anna), None).await;
    assert_eq!(deleted.status(), 204);
    let again = app.call(Method::DELETE, &path, Some(&k.anna), None).await;
    assert_error(again, 404, "not_found").await;
    let posts = app.db.rows_in("posts");
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(posts.iter().all(|p| p["id"] != reply.as_str()));
    let page = app.topic_page(Some(&k.leader), &topic).await;
    assert_eq!(post_ids(&page).len(), 1);
    // Not in any row, nor (SQLite, after a checkpoint) anywhere in the database files.
    app.checkpoint().await;
    let stored = String::from_utf8_lossy(&app.db.dump()).to_string();
    assert!(stored.contains("Praat mee."), "sanity: we look at the data");
    assert!(
        !stored.contains("VERWIJDERD-GEHEIM"),
        "a deleted post's text is still stored"
    );
}

async fn deleting_an_opening_post_keeps_the_replies_under_a_neutral_title(app: TestApp) {
    let k = kring(&app).await;
    let (topic, opening) = app
        .published(
            &k.anna,
            "kring",
            "Mijn verhaal met naam en toenaam",
            "Lang verhaal.",
        )
        .await;
    let reply = app.replied(&k.bram, &topic, "Sterkte.").await;
    let path = format!("/api/v1/posts/{opening}");
    let deleted = app.call(Method::DELETE, &path, Some(&k.anna), None).await;
    assert_eq!(deleted.status(), 204);
    let page = app.topic_page(Some(&k.bram), &topic).await;
    assert_eq!(page["topic"]["title"], "", "a neutral title");
    assert_eq!(post_ids(&page), vec![reply.clone()]);
    let list = app.topics(Some(&k.bram), "kring").await;
    assert_eq!(topic_ids(&list), vec![topic.clone()]);
    assert_eq!(list["topics"][0]["title"], "");
    let topics = app.db.rows_in("topics");
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0]["title"], "");
    assert!(topics[0]["author_membership"].is_null());

    // The last post goes: the topic goes with it.
    let path = format!("/api/v1/posts/{reply}");
    let deleted = app.call(Method::DELETE, &path, Some(&k.bram), None).await;
    assert_eq!(deleted.status(), 204);
    assert!(app.db.rows_in("topics").is_empty());
    assert!(app.db.rows_in("posts").is_empty());
    let page = app
        .read(Some(&k.bram), &format!("/api/v1/topics/{topic}"))
        .await;
    assert_error(page, 404, "not_found").await;
    let list = app.topics(Some(&k.bram), "kring").await;
    assert_eq!(list["topics"], json!([]));
    // A single-post topic goes at once too.
    let (single, only) = app
        .published(&k.anna, "kring", "Kort", "Eén bericht.")
        .await;
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/v1/posts/{only}"),
            Some(&k.anna),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    let page = app
        .read(Some(&k.anna), &format!("/api/v1/topics/{single}"))
        .await;
    assert_error(page, 404, "not_found").await;
}

async fn a_content_warning_is_stored_and_returned_with_the_body(app: TestApp) {
    let k = kring(&app).await;
    let opened = app
        .topic_with(
            Some(&k.anna),
            "kring",
            json!({"title": "Verlies", "body": "Over de dood van mijn vader.",
                "content_warning": "overlijden"}),
        )
        .await;
    let (topic, opening) = app.written(opened, false).await;
    let replied = app
        .reply_with(
            Some(&k.bram),
            &topic,
            json!({"body": "Geen waarschuwing nodig.", "content_warning": "  "}),
        )
        .await;
    let (_, reply) = app.written(replied, false).await;
    let page = app.topic_page(Some(&k.bram), &topic).await;
    let warned = post(&page, &opening);
    assert_eq!(warned["content_warning"], "overlijden");
    assert!(
        warned["body_html"]
            .as_str()
            .unwrap()
            .contains("Over de dood van mijn vader."),
        "the body comes along; the page folds it"
    );
    assert!(
        post(&page, &reply)["content_warning"].is_null(),
        "blank is none"
    );
    let stored = app.db.rows_in("posts");
    assert!(stored.iter().any(|p| p["content_warning"] == "overlijden"));
    // Changed and removed by its author.
    let changed = app
        .call(
            Method::PATCH,
            &format!("/api/v1/posts/{opening}"),
            Some(&k.anna),
            Some(&json!({"content_warning": ""})),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let page = app.topic_page(Some(&k.bram), &topic).await;
    assert!(post(&page, &opening)["content_warning"].is_null());
    let long = app
        .topic_with(
            Some(&k.anna),
            "kring",
            json!({"title": "Te lang", "body": "x", "content_warning": "w".repeat(101)}),
        )
        .await;
    assert_error(long, 422, "invalid_field").await;
}

/// Posts written within one second keep the order they were written in: a topic's page
/// orders by each post's place in its topic, not by its (second-grained) time.
async fn posts_written_in_one_second_keep_their_order(app: TestApp) {
    let k = kring(&app).await;
    let (topic, opening) = app.published(&k.anna, "kring", "Volgorde", "Eerste.").await;
    let mut written = vec![opening];
    for n in 0..8 {
        written.push(app.replied(&k.bram, &topic, &format!("Antwoord {n}")).await);
    }
    let page = app.topic_page(Some(&k.anna), &topic).await;
    assert_eq!(post_ids(&page), written);
}
