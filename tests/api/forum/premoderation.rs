//! Pre-moderation: the first N posts of a member, or every post, wait for a leader (202);
//! held posts are seen by their author and the leaders only; approving publishes them,
//! rejecting deletes them and tells the author (only) why.

use reqwest::Method;
use serde_json::{Value, json};

use super::{post, post_ids, same, topic_ids};
use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    the_first_posts_of_a_member_wait_for_a_leader,
    with_all_every_post_waits_and_a_rejection_tells_only_its_author,
    only_held_posts_are_reviewed_and_held_posts_are_not_hidden,
    only_leaders_choose_the_premoderation,
    approving_a_reply_does_not_publish_its_held_topic,
);

struct Kring {
    leader: String,
    member: String,
    other: String,
}

async fn kring(app: &TestApp, premoderation: Value) -> Kring {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "kring", "registered", None, true).await;
    let leader = app.leader(&sp, "kring", "Leider").await;
    let (_, member) = app.member().await;
    app.joined(&member, "kring", json!({"display_name": "Nieuw"}))
        .await;
    let (_, other) = app.member().await;
    app.joined(&other, "kring", json!({"display_name": "Ander"}))
        .await;
    app.premoderate(&leader, "kring", premoderation).await;
    Kring {
        leader,
        member,
        other,
    }
}

async fn the_first_posts_of_a_member_wait_for_a_leader(app: TestApp) {
    let k = kring(
        &app,
        json!({"mode": "first_posts", "first_posts": 2, "hold_guest_posts": true}),
    )
    .await;
    // Leaders are never held.
    let (leaders, _) = app
        .published(&k.leader, "kring", "Van de leiding", "Welkom.")
        .await;

    // First post: a topic, held. Not in the others' list; in the author's and the leader's.
    let opened = app
        .topic(
            Some(&k.member),
            "kring",
            "Mijn eerste",
            "Hallo, ik ben nieuw.",
        )
        .await;
    let (topic, first) = app.written(opened, true).await;
    let list = app.topics(Some(&k.other), "kring").await;
    assert_eq!(topic_ids(&list), vec![leaders.clone()]);
    let page = app
        .read(Some(&k.other), &format!("/api/v1/topics/{topic}"))
        .await;
    assert_error(page, 404, "not_found").await;
    for token in [&k.member, &k.leader] {
        let list = app.topics(Some(token), "kring").await;
        assert!(topic_ids(&list).contains(&topic), "{list:#}");
        let page = app.topic_page(Some(token), &topic).await;
        assert_eq!(post(&page, &first)["state"], "held");
        assert_eq!(page["topic"]["held"], true);
    }
    let mine = app.topics(Some(&k.member), "kring").await;
    let listed = mine["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == topic.as_str())
        .unwrap();
    assert_eq!(
        (listed["held"].clone(), listed["own"].clone()),
        (json!(true), json!(true))
    );

    // Second post: a reply in the leader's topic, held: the others do not see it.
    let replied = app
        .reply(Some(&k.member), &leaders, "Dank voor het welkom.")
        .await;
    let (_, second) = app.written(replied, true).await;
    let page = app.topic_page(Some(&k.other), &leaders).await;
    assert_eq!(post_ids(&page).len(), 1, "{page:#}");
    let page = app.topic_page(Some(&k.member), &leaders).await;
    assert_eq!(post(&page, &second)["own"], true);
    let page = app.topic_page(Some(&k.leader), &leaders).await;
    assert_eq!(post(&page, &second)["state"], "held");

    // The queue holds both; approving publishes them.
    let queue = app
        .read_ok(Some(&k.leader), "/api/v1/groups/kring/review")
        .await;
    let held: Vec<String> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["post"]["id"].as_str().unwrap().to_string())
        .collect();
    same(held, vec![first.clone(), second.clone()]);
    for id in [&first, &second] {
        let approved = app.review(&k.leader, id, json!({"approve": true})).await;
        assert_eq!(approved.status(), 204);
    }
    let list = app.topics(Some(&k.other), "kring").await;
    assert!(topic_ids(&list).contains(&topic));
    let page = app.topic_page(Some(&k.other), &leaders).await;
    assert_eq!(post(&page, &second)["state"], "visible");
    let queue = app
        .read_ok(Some(&k.leader), "/api/v1/groups/kring/review")
        .await;
    assert_eq!(queue["items"], json!([]));

    // Third post: published at once.
    let third = app.replied(&k.member, &topic, "Nu mag het zo.").await;
    let page = app.topic_page(Some(&k.other), &topic).await;
    same(post_ids(&page), vec![first, third]);
    // The other member's first post is still held: it is per member.
    let theirs = app.reply(Some(&k.other), &topic, "Ik ook.").await;
    app.written(theirs, true).await;
}

async fn with_all_every_post_waits_and_a_rejection_tells_only_its_author(app: TestApp) {
    let k = kring(
        &app,
        json!({"mode": "all", "first_posts": 1, "hold_guest_posts": true}),
    )
    .await;
    let (topic, _) = app
        .published(&k.leader, "kring", "Onderwerp", "Praat mee.")
        .await;
    let mut held = vec![];
    for text in ["Een", "Twee", "Drie"] {
        let replied = app.reply(Some(&k.member), &topic, text).await;
        held.push(app.written(replied, true).await.1);
        let approved = app
            .review(&k.leader, held.last().unwrap(), json!({"approve": true}))
            .await;
        assert_eq!(approved.status(), 204);
    }
    // Still held after approvals: `all` means all.
    let replied = app
        .reply(Some(&k.member), &topic, "GEWEIGERD-BERICHT met mijn adres")
        .await;
    let (_, rejected) = app.written(replied, true).await;

    // A rejection needs a reason.
    for body in [
        json!({"approve": false}),
        json!({"approve": false, "reason": "  "}),
    ] {
        let refused = app.review(&k.leader, &rejected, body).await;
        assert_eq!(refused.status(), 422, "{}", refused.text().await.unwrap());
    }
    // A member does not review.
    let by_member = app
        .review(
            &k.other,
            &rejected,
            json!({"approve": false, "reason": "Nee hoor"}),
        )
        .await;
    assert_eq!(
        by_member.status(),
        404,
        "a held post of someone else is not there for them"
    );
    let done = app
        .review(
            &k.leader,
            &rejected,
            json!({"approve": false, "reason": "Geen adressen delen, alsjeblieft."}),
        )
        .await;
    assert_eq!(done.status(), 204);
    // The post is gone, for real.
    let posts = app.db.rows_in("posts");
    assert!(posts.iter().all(|p| p["id"] != rejected.as_str()));
    assert_eq!(posts.len(), 4);
    let page = app.topic_page(Some(&k.leader), &topic).await;
    assert!(!post_ids(&page).contains(&rejected));

    // Its author reads why, in the topic list; nobody else does.
    let list = app.topics(Some(&k.member), "kring").await;
    let notes = list["rejected"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{list:#}");
    assert_eq!(notes[0]["reason"], "Geen adressen delen, alsjeblieft.");
    assert_eq!(notes[0]["topic_title"], "Onderwerp");
    let note = notes[0]["id"].as_str().unwrap().to_string();
    for token in [&k.other, &k.leader] {
        let list = app.topics(Some(token), "kring").await;
        assert_eq!(list["rejected"], json!([]), "{list:#}");
    }
    // Only the author dismisses it, once.
    let path = format!("/api/v1/post-rejections/{note}");
    let by_other = app.call(Method::DELETE, &path, Some(&k.other), None).await;
    assert_error(by_other, 404, "not_found").await;
    let dismissed = app.call(Method::DELETE, &path, Some(&k.member), None).await;
    assert_eq!(dismissed.status(), 204);
    let again = app.call(Method::DELETE, &path, Some(&k.member), None).await;
    assert_error(again, 404, "not_found").await;
    let list = app.topics(Some(&k.member), "kring").await;
    assert_eq!(list["rejected"], json!([]));
    assert!(app.db.rows_in("post_rejections").is_empty());
}

async fn only_held_posts_are_reviewed_and_held_posts_are_not_hidden(app: TestApp) {
    let k = kring(
        &app,
        json!({"mode": "all", "first_posts": 1, "hold_guest_posts": true}),
    )
    .await;
    let (topic, visible) = app
        .published(&k.leader, "kring", "Onderwerp", "Praat mee.")
        .await;
    let replied = app.reply(Some(&k.member), &topic, "Wacht even.").await;
    let (_, held) = app.written(replied, true).await;
    let review = app
        .review(&k.leader, &visible, json!({"approve": true}))
        .await;
    assert_error(review, 409, "not_held").await;
    let hide = app
        .call(
            Method::POST,
            &format!("/api/v1/posts/{held}/hide"),
            Some(&k.leader),
            Some(&json!({})),
        )
        .await;
    assert_error(hide, 409, "post_held").await;
    // The held post is untouched by both.
    let page = app.topic_page(Some(&k.leader), &topic).await;
    assert_eq!(post(&page, &held)["state"], "held");
    assert_eq!(post(&page, &visible)["state"], "visible");
}

async fn only_leaders_choose_the_premoderation(app: TestApp) {
    let k = kring(
        &app,
        json!({"mode": "first_posts", "first_posts": 5, "hold_guest_posts": true}),
    )
    .await;
    let shown = app
        .read_ok(Some(&k.leader), "/api/v1/groups/kring/premoderation")
        .await;
    assert_eq!(
        shown,
        json!({"mode": "first_posts", "first_posts": 5, "hold_guest_posts": true})
    );
    let read = app
        .read(Some(&k.member), "/api/v1/groups/kring/premoderation")
        .await;
    assert_error(read, 403, "forbidden").await;
    let set = app
        .call(
            Method::PUT,
            "/api/v1/groups/kring/premoderation",
            Some(&k.member),
            Some(&json!({"mode": "none", "first_posts": 1, "hold_guest_posts": false})),
        )
        .await;
    assert_error(set, 403, "forbidden").await;
    for first_posts in [0, 21] {
        let set = app
            .call(
                Method::PUT,
                "/api/v1/groups/kring/premoderation",
                Some(&k.leader),
                Some(&json!({"mode": "first_posts", "first_posts": first_posts,
                    "hold_guest_posts": true})),
            )
            .await;
        assert_error(set, 422, "invalid_field").await;
    }
    let log = app
        .read_ok(Some(&k.member), "/api/v1/groups/kring/modlog")
        .await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|l| l["action"] == "premoderation_changed"),
        "{log:#}"
    );
}

/// Regression: approving a held reply in a topic whose opening post still waits published
/// the topic (its title, to every member) along with it.
async fn approving_a_reply_does_not_publish_its_held_topic(app: TestApp) {
    let k = kring(
        &app,
        json!({"mode": "all", "first_posts": 1, "hold_guest_posts": true}),
    )
    .await;
    let opened = app
        .topic(
            Some(&k.member),
            "kring",
            "Nog niet voor iedereen",
            "Mijn verhaal.",
        )
        .await;
    let (topic, opening) = app.written(opened, true).await;
    let replied = app.reply(Some(&k.member), &topic, "En nog iets.").await;
    let (_, reply) = app.written(replied, true).await;
    let approved = app
        .review(&k.leader, &reply, json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), 204);
    let list = app.topics(Some(&k.other), "kring").await;
    assert!(!topic_ids(&list).contains(&topic), "{list:#}");
    let page = app
        .read(Some(&k.other), &format!("/api/v1/topics/{topic}"))
        .await;
    assert_error(page, 404, "not_found").await;
    // Approving the opening post publishes the topic, with both posts.
    let approved = app
        .review(&k.leader, &opening, json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), 204);
    let list = app.topics(Some(&k.other), "kring").await;
    assert!(topic_ids(&list).contains(&topic), "{list:#}");
    let page = app.topic_page(Some(&k.other), &topic).await;
    assert_eq!(post_ids(&page), vec![opening, reply]);
}
