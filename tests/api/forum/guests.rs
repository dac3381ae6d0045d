//! Guests in open groups: they write under a name typed with the post, marked as guest; the
//! name of a member is not theirs to take; their posts wait for a leader unless the leaders
//! choose otherwise.

use serde_json::json;

use super::{post, post_ids, same, topic_ids};
use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    guest_posts_are_held_until_a_leader_approves,
    a_guest_may_not_take_a_members_name,
    guest_posts_appear_at_once_when_the_leaders_choose_so,
);

async fn guest_posts_are_held_until_a_leader_approves(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "open-kring", "open", None, true).await;
    let leader = app.leader(&sp, "open-kring", "Leider").await;
    let (_, member) = app.member().await;
    app.joined(&member, "open-kring", json!({"display_name": "Lid"}))
        .await;

    let opened = app
        .topic_with(
            None,
            "open-kring",
            json!({"title": "Een vraag van buiten", "body": "Mag ik meelezen?",
                "guest_name": "Bezoeker"}),
        )
        .await;
    let (topic, opening) = app.written(opened, true).await;
    // Invisible to members and other guests: not in the list, and no page.
    for token in [Some(member.as_str()), None] {
        let list = app.topics(token, "open-kring").await;
        assert!(!topic_ids(&list).contains(&topic), "{list:#}");
        let page = app.read(token, &format!("/api/v1/topics/{topic}")).await;
        assert_error(page, 404, "not_found").await;
    }
    // The leaders see it, held, with the guest's name marked as guest.
    let list = app.topics(Some(&leader), "open-kring").await;
    let listed = &list["topics"][0];
    assert_eq!(listed["id"], topic.as_str());
    assert_eq!(listed["held"], true);
    let page = app.topic_page(Some(&leader), &topic).await;
    let held = post(&page, &opening);
    assert_eq!(held["state"], "held");
    assert_eq!(held["author"], "Bezoeker");
    assert_eq!(held["author_kind"], "guest");
    assert!(
        held["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("review"))
    );
    let queue = app
        .read_ok(Some(&leader), "/api/v1/groups/open-kring/review")
        .await;
    assert_eq!(queue["items"][0]["kind"], "held_post");
    assert_eq!(queue["items"][0]["post"]["id"], opening.as_str());

    let approved = app
        .review(&leader, &opening, json!({"approve": true}))
        .await;
    assert_eq!(approved.status(), 204);
    for token in [Some(member.as_str()), None] {
        let list = app.topics(token, "open-kring").await;
        assert_eq!(topic_ids(&list), vec![topic.clone()]);
        assert_eq!(list["topics"][0]["held"], false);
        let page = app.topic_page(token, &topic).await;
        let shown = post(&page, &opening);
        assert_eq!(shown["state"], "visible");
        assert_eq!(shown["author_kind"], "guest");
        assert!(
            shown["body_html"]
                .as_str()
                .unwrap()
                .contains("Mag ik meelezen?")
        );
    }
    // A guest's reply waits too.
    let replied = app
        .reply_with(
            None,
            &topic,
            json!({"body": "Nog een vraag.", "guest_name": "Bezoeker"}),
        )
        .await;
    let (_, reply) = app.written(replied, true).await;
    let page = app.topic_page(Some(&member), &topic).await;
    assert_eq!(post_ids(&page), vec![opening.clone()]);
    let page = app.topic_page(Some(&leader), &topic).await;
    same(post_ids(&page), vec![opening, reply]);
}

async fn a_guest_may_not_take_a_members_name(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "open-kring", "open", None, true).await;
    app.leader(&sp, "open-kring", "Leider").await;
    let (_, member) = app.member().await;
    app.joined(&member, "open-kring", json!({"display_name": "Marieke"}))
        .await;
    let (topic, _) = app
        .published(&member, "open-kring", "Hallo", "Ik ben Marieke.")
        .await;
    for name in ["Marieke", "Leider"] {
        let opened = app
            .topic_with(
                None,
                "open-kring",
                json!({"title": "Ik ben het", "body": "Echt waar.", "guest_name": name}),
            )
            .await;
        assert_error(opened, 409, "display_name_taken").await;
        let replied = app
            .reply_with(None, &topic, json!({"body": "Echt.", "guest_name": name}))
            .await;
        assert_error(replied, 409, "display_name_taken").await;
    }
    // A guest names themselves: without a name there is no guest post.
    let nameless = app
        .topic(None, "open-kring", "Naamloos", "Wie ben ik?")
        .await;
    assert_eq!(nameless.status(), 422, "{}", nameless.text().await.unwrap());
    // Nothing of these attempts was stored.
    assert_eq!(app.db.rows_in("posts").len(), 1);
}

async fn guest_posts_appear_at_once_when_the_leaders_choose_so(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "open-kring", "open", None, true).await;
    let leader = app.leader(&sp, "open-kring", "Leider").await;
    let settings = app
        .read_ok(Some(&leader), "/api/v1/groups/open-kring/premoderation")
        .await;
    assert_eq!(settings["hold_guest_posts"], true, "held by default");
    assert_eq!(settings["mode"], "none");
    app.premoderate(
        &leader,
        "open-kring",
        json!({"mode": "none", "first_posts": 3, "hold_guest_posts": false}),
    )
    .await;
    let settings = app
        .read_ok(Some(&leader), "/api/v1/groups/open-kring/premoderation")
        .await;
    assert_eq!(settings["hold_guest_posts"], false);

    let opened = app
        .topic_with(
            None,
            "open-kring",
            json!({"title": "Direct zichtbaar", "body": "Hallo!", "guest_name": "Passant"}),
        )
        .await;
    let (topic, opening) = app.written(opened, false).await;
    let replied = app
        .reply_with(
            None,
            &topic,
            json!({"body": "Ik weer.", "guest_name": "Passant"}),
        )
        .await;
    let (_, reply) = app.written(replied, false).await;
    // Another guest sees both, under the guest's name.
    let page = app.topic_page(None, &topic).await;
    same(post_ids(&page), vec![opening, reply.clone()]);
    assert_eq!(post(&page, &reply)["author"], "Passant");
    assert_eq!(post(&page, &reply)["author_kind"], "guest");
    // `all` holds guests again, whatever hold_guest_posts says.
    app.premoderate(
        &leader,
        "open-kring",
        json!({"mode": "all", "first_posts": 3, "hold_guest_posts": false}),
    )
    .await;
    let replied = app
        .reply_with(
            None,
            &topic,
            json!({"body": "En nu?", "guest_name": "Passant"}),
        )
        .await;
    app.written(replied, true).await;
}
