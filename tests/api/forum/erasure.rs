//! What a member wrote, in their export and at their erasure or leaving: exported as typed;
//! on erasure or leaving deleted, or kept under "former member", as they choose.

use reqwest::Method;
use serde_json::{Value, json};

use super::{post, post_ids};
use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp};

backend_tests!(
    my_export_holds_what_i_wrote_and_reported,
    erasure_anonymises_or_deletes_my_posts_as_i_choose,
    leaving_a_group_with_posts_delete_deletes_my_posts_there,
);

async fn erase(app: &TestApp, token: &str, posts: &str) {
    let erased = app
        .call(
            Method::DELETE,
            "/api/v1/me",
            Some(token),
            Some(&json!({"password": PASSWORD, "posts": posts})),
        )
        .await;
    assert_eq!(erased.status(), 204, "{}", erased.text().await.unwrap());
}

async fn kring(app: &TestApp, slug: &str) -> String {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, slug, "registered", None, true).await;
    app.leader(&sp, slug, "Leider").await
}

async fn my_export_holds_what_i_wrote_and_reported(app: TestApp) {
    let leader = kring(&app, "kring").await;
    let (_, me) = app.member().await;
    app.joined(&me, "kring", json!({"display_name": "Ikke"}))
        .await;
    let opened = app
        .topic_with(
            Some(&me),
            "kring",
            json!({"title": "Mijn onderwerp", "body": "Mijn *eigen* woorden.",
                "content_warning": "zwaar"}),
        )
        .await;
    let (topic, opening) = app.written(opened, false).await;
    let (_, theirs) = app
        .published(&leader, "kring", "Van de leider", "Leiderstekst.")
        .await;
    assert_eq!(
        app.report(Some(&me), &theirs, "off_topic").await.status(),
        201
    );

    let export = app.read_ok(Some(&me), "/api/v1/me/export").await;
    let forum = &export["forum"];
    let posts = forum["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 1, "{forum:#}");
    assert_eq!(posts[0]["id"], opening.as_str());
    assert_eq!(
        posts[0]["body_markdown"], "Mijn *eigen* woorden.",
        "the Markdown I typed"
    );
    assert_eq!(posts[0]["topic_title"], "Mijn onderwerp");
    assert_eq!(posts[0]["content_warning"], "zwaar");
    assert_eq!(forum["topics_opened"][0][0], topic.as_str());
    let reports = forum["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["post_id"], theirs.as_str());
    assert_eq!(reports[0]["reason"], "off_topic");
    assert!(
        !export.to_string().contains("Leiderstekst"),
        "not what others wrote"
    );
}

async fn erasure_anonymises_or_deletes_my_posts_as_i_choose(app: TestApp) {
    let leader = kring(&app, "kring").await;
    let (topic, _) = app
        .published(&leader, "kring", "Onderwerp", "Praat mee.")
        .await;
    let (_, keeper) = app.member().await;
    app.joined(&keeper, "kring", json!({"display_name": "Blijver"}))
        .await;
    let (_, leaver) = app.member().await;
    app.joined(&leaver, "kring", json!({"display_name": "Wisser"}))
        .await;
    let kept = app
        .replied(&keeper, &topic, "BEWAARD-BERICHT blijft staan.")
        .await;
    let gone = app
        .replied(&leaver, &topic, "GEWIST-BERICHT gaat weg.")
        .await;
    let (own_topic, _) = app
        .published(&leaver, "kring", "GEWIST-ONDERWERP", "Alleen ik.")
        .await;

    erase(&app, &keeper, "anonymise").await;
    let page = app.topic_page(Some(&leader), &topic).await;
    let shown = post(&page, &kept);
    assert_eq!(shown["author_kind"], "former_member");
    assert_eq!(shown["author"], "");
    assert!(
        shown["body_html"]
            .as_str()
            .unwrap()
            .contains("BEWAARD-BERICHT")
    );
    assert!(!page.to_string().contains("Blijver"), "{page:#}");

    erase(&app, &leaver, "delete").await;
    let page = app.topic_page(Some(&leader), &topic).await;
    assert!(!post_ids(&page).contains(&gone));
    let read = app
        .read(Some(&leader), &format!("/api/v1/topics/{own_topic}"))
        .await;
    assert_eq!(
        read.status(),
        404,
        "their own topic went with its only post"
    );
    assert_eq!(
        app.db.rows_in("posts").len(),
        2,
        "the opening post and the kept reply"
    );
    app.checkpoint().await;
    let stored = String::from_utf8_lossy(&app.db.dump()).to_string();
    assert!(stored.contains("BEWAARD-BERICHT"), "sanity");
    for text in ["GEWIST-BERICHT", "GEWIST-ONDERWERP", "Wisser", "Blijver"] {
        assert!(!stored.contains(text), "{text} is still stored");
    }
}

async fn leaving_a_group_with_posts_delete_deletes_my_posts_there(app: TestApp) {
    let leader = kring(&app, "kring").await;
    let elsewhere = kring(&app, "andere-kring").await;
    let (topic, _) = app
        .published(&leader, "kring", "Onderwerp", "Praat mee.")
        .await;
    let (there, _) = app
        .published(&elsewhere, "andere-kring", "Daar", "Ook hier.")
        .await;
    let (_, me) = app.member().await;
    app.joined(&me, "kring", json!({"display_name": "Ikke"}))
        .await;
    app.joined(&me, "andere-kring", json!({"display_name": "Ikke"}))
        .await;
    let (_, anonymous) = app.member().await;
    app.joined(&anonymous, "kring", json!({"display_name": "Anoniem"}))
        .await;
    let mine = app.replied(&me, &topic, "Hier weg.").await;
    let kept_there = app.replied(&me, &there, "Daar blijft het.").await;
    let by_default = app
        .replied(&anonymous, &topic, "Blijft, zonder naam.")
        .await;

    let left = app
        .call(
            Method::DELETE,
            "/api/v1/groups/kring/members/me?posts=delete",
            Some(&me),
            None,
        )
        .await;
    assert_eq!(left.status(), 204);
    let left = app
        .call(
            Method::DELETE,
            "/api/v1/groups/kring/members/me",
            Some(&anonymous),
            None,
        )
        .await;
    assert_eq!(left.status(), 204);
    let bad = app
        .call(
            Method::DELETE,
            "/api/v1/groups/andere-kring/members/me?posts=alles",
            Some(&me),
            None,
        )
        .await;
    assert_eq!(bad.status(), 400);

    let page = app.topic_page(Some(&leader), &topic).await;
    assert!(!post_ids(&page).contains(&mine), "{page:#}");
    assert_eq!(
        post(&page, &by_default)["author_kind"],
        "former_member",
        "anonymise by default"
    );
    let page = app.topic_page(Some(&elsewhere), &there).await;
    assert_eq!(
        post(&page, &kept_there)["author"],
        "Ikke",
        "the other group keeps my post"
    );
    let posts: Vec<Value> = app.db.rows_in("posts");
    assert!(posts.iter().all(|p| p["id"] != mine.as_str()));
    assert_eq!(posts.len(), 4);
}
