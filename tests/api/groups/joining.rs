//! Every join path: a display name, an introduction a leader decides, an invite code, both; names; leaving.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    open_read_only_and_registered_groups_are_joined_with_a_display_name,
    closed_approval_introduction_then_a_leaders_decision,
    closed_invite_code_from_the_meeting,
    closed_invite_and_approval_needs_both,
    display_names_follow_the_rules_and_are_unique_per_group,
    leaving_erases_the_membership,
);

async fn open_read_only_and_registered_groups_are_joined_with_a_display_name(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    for mode in ["open", "read_only", "registered"] {
        let slug = format!("groep-{}", mode.replace('_', "-"));
        app.group(&sp, &slug, mode, None, true).await;
        let (_, token) = app.member().await;
        let no_rules = app
            .join(
                &token,
                &slug,
                json!({"display_name": "Zonnebloem", "accept_house_rules": false}),
            )
            .await;
        assert_error(no_rules, 422, "house_rules_not_accepted").await;
        let joined = app
            .join(&token, &slug, json!({"display_name": "Zonnebloem"}))
            .await;
        assert_eq!(joined.status(), 201, "{mode}");
        let body: Value = joined.json().await.unwrap();
        assert_eq!(body["state"], "active");
        assert_eq!(body["membership"]["display_name"], "Zonnebloem");
        let again = app
            .join(&token, &slug, json!({"display_name": "Anders"}))
            .await;
        assert_error(again, 409, "already_member").await;
        let view: Value = app
            .get(&format!("/api/v1/groups/{slug}"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(view["me"]["display_name"], "Zonnebloem");
        assert!(
            view["may"]
                .as_array()
                .unwrap()
                .contains(&json!("write_content"))
        );
    }
    // A guest cannot join anything.
    let guest = app
        .api
        .post(app.url("/api/v1/groups/groep-open/members"))
        .json(&json!({"display_name": "Gast", "accept_house_rules": true}))
        .send()
        .await
        .unwrap();
    assert_error(guest, 401, "unauthorized").await;
}

async fn closed_approval_introduction_then_a_leaders_decision(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "mantelzorg", "closed", Some("approval"), true)
        .await;
    let leader = app.leader(&sp, "mantelzorg", "Begeleider_Jan").await;
    let (_, anna) = app.member().await;
    let short = app
        .join(
            &anna,
            "mantelzorg",
            json!({"display_name": "Anna", "introduction": "hoi"}),
        )
        .await;
    assert_error(short, 422, "invalid_field").await;
    let intro = "Ik zorg al drie jaar voor mijn moeder en zoek lotgenoten.";
    let pending = app
        .join(
            &anna,
            "mantelzorg",
            json!({"display_name": "Anna", "introduction": intro}),
        )
        .await;
    assert_eq!(pending.status(), 202);
    let again = app
        .join(
            &anna,
            "mantelzorg",
            json!({"display_name": "Anna", "introduction": intro}),
        )
        .await;
    assert_error(again, 409, "already_pending").await;
    // Waiting is not membership: nothing to read yet.
    assert_error(
        app.get("/api/v1/groups/mantelzorg/members", &anna).await,
        403,
        "forbidden",
    )
    .await;
    let own: Value = app
        .get("/api/v1/groups/mantelzorg/join-request", &anna)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["state"], "pending");

    // The leader reads the introduction and approves.
    assert_error(
        app.get("/api/v1/groups/mantelzorg/join-requests", &anna)
            .await,
        403,
        "forbidden",
    )
    .await;
    let list: Value = app
        .get("/api/v1/groups/mantelzorg/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["introduction"], intro);
    let id = list[0]["id"].as_str().unwrap().to_string();
    // Someone else cannot decide, and learns nothing.
    let (_, stranger) = app.member().await;
    let meddling = app.decide(&stranger, &id, json!({"approve": true})).await;
    assert_error(meddling, 404, "not_found").await;
    let approved = app.decide(&leader, &id, json!({"approve": true})).await;
    assert_eq!(approved.status(), 200);
    let members: Value = app
        .get("/api/v1/groups/mantelzorg/members", &anna)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Anna", "Begeleider_Jan"]);

    // Another applicant is declined with a reason, which they see once.
    let (_, bert) = app.member().await;
    app.join(
        &bert,
        "mantelzorg",
        json!({"display_name": "Bert", "introduction": "Ik wil graag meelezen met jullie."}),
    )
    .await;
    let list: Value = app
        .get("/api/v1/groups/mantelzorg/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_str().unwrap().to_string();
    let no_reason = app.decide(&leader, &id, json!({"approve": false})).await;
    assert_error(no_reason, 422, "invalid_field").await;
    let declined = app
        .decide(&leader, &id, json!({"approve": false, "reason": "Deze groep is voor mantelzorgers; kijk eens bij de rouwgroep."}))
        .await;
    assert_eq!(declined.status(), 200);
    let twice = app.decide(&leader, &id, json!({"approve": true})).await;
    assert_error(twice, 404, "not_found").await;
    let seen: Value = app
        .get("/api/v1/groups/mantelzorg/join-request", &bert)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["state"], "declined");
    assert!(seen["reason"].as_str().unwrap().contains("rouwgroep"));
    assert_eq!(
        app.get("/api/v1/groups/mantelzorg/join-request", &bert)
            .await
            .status(),
        404,
        "read once, then gone"
    );
    let pending: Value = app
        .get("/api/v1/groups/mantelzorg/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert!(pending.as_array().unwrap().is_empty());
    // The modlog names the approved member, never the declined applicant.
    let log = app
        .get("/api/v1/groups/mantelzorg/modlog", &leader)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("join_request_declined") && !log.contains("Bert"),
        "{log}"
    );
}

async fn closed_invite_code_from_the_meeting(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "verslaving", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "verslaving", "Leider").await;
    let code = app.invite(&leader, "verslaving", "member", 5).await;
    assert_eq!(
        code.len(),
        19,
        "four groups of four base32 characters: 80 bits"
    );
    let (_, carla) = app.member().await;
    let without = app
        .join(&carla, "verslaving", json!({"display_name": "Carla"}))
        .await;
    assert_error(without, 403, "invite_required").await;
    let wrong = app
        .join(
            &carla,
            "verslaving",
            json!({"display_name": "Carla", "invite_code": "AAAA-BBBB-CCCC-DDDD"}),
        )
        .await;
    assert_error(wrong, 422, "invalid_invite").await;
    let sloppy = code.to_lowercase().replace('-', " ");
    let joined = app
        .join(
            &carla,
            "verslaving",
            json!({"display_name": "Carla", "invite_code": sloppy}),
        )
        .await;
    assert_eq!(joined.status(), 201);

    // An unlisted group never confirms itself to a wrong code.
    app.group(&sp, "stil", "closed", Some("invite"), false)
        .await;
    let (_, dirk) = app.member().await;
    let hidden = app
        .join(
            &dirk,
            "stil",
            json!({"display_name": "Dirk", "invite_code": "AAAA-BBBB-CCCC-DDDD"}),
        )
        .await;
    assert_error(hidden, 404, "not_found").await;
    let nowhere = app
        .join(
            &dirk,
            "bestaat-niet",
            json!({"display_name": "Dirk", "invite_code": "AAAA-BBBB-CCCC-DDDD"}),
        )
        .await;
    assert_error(nowhere, 404, "not_found").await;
    let stil_leader = app.leader(&sp, "stil", "Stille_Leider").await;
    let code = app.invite(&stil_leader, "stil", "member", 1).await;
    let joined = app
        .join(
            &dirk,
            "stil",
            json!({"display_name": "Dirk", "invite_code": code}),
        )
        .await;
    assert_eq!(joined.status(), 201);
    assert_eq!(app.get("/api/v1/groups/stil", &dirk).await.status(), 200);
}

async fn closed_invite_and_approval_needs_both(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "trauma", "closed", Some("invite_and_approval"), true)
        .await;
    let leader = app.leader(&sp, "trauma", "Leider").await;
    let code = app.invite(&leader, "trauma", "member", 3).await;
    let (_, eva) = app.member().await;
    let intro_only = app
        .join(&eva, "trauma", json!({"display_name": "Eva", "introduction": "Ik was bij de bijeenkomst van dinsdag."}))
        .await;
    assert_error(intro_only, 403, "invite_required").await;
    let code_only = app
        .join(
            &eva,
            "trauma",
            json!({"display_name": "Eva", "invite_code": code}),
        )
        .await;
    assert_error(code_only, 422, "invalid_field").await;
    let both = app
        .join(
            &eva,
            "trauma",
            json!({"display_name": "Eva", "invite_code": code,
            "introduction": "Ik was bij de bijeenkomst van dinsdag."}),
        )
        .await;
    assert_eq!(both.status(), 202);
    let list: Value = app
        .get("/api/v1/groups/trauma/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_str().unwrap();
    let approved = app.decide(&leader, id, json!({"approve": true})).await;
    assert_eq!(approved.status(), 200);
    assert_eq!(
        app.get("/api/v1/groups/trauma/members", &eva)
            .await
            .status(),
        200
    );
}

async fn display_names_follow_the_rules_and_are_unique_per_group(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "groep-a", "open", None, true).await;
    let (_, one) = app.member().await;
    let (_, two) = app.member().await;
    for (name, code) in [
        ("ab", "display_name_length"),
        ("twee woorden", "display_name_characters"),
        ("Zon\u{200B}", "display_name_invisible"),
    ] {
        assert_error(
            app.join(&one, "groep-a", json!({"display_name": name}))
                .await,
            422,
            code,
        )
        .await;
    }
    assert_eq!(
        app.join(&one, "groep-a", json!({"display_name": "Merel"}))
            .await
            .status(),
        201
    );
    let taken = app
        .join(&two, "groep-a", json!({"display_name": "MEREL"}))
        .await;
    assert_error(taken, 409, "display_name_taken").await;
    assert_eq!(
        app.join(&two, "groep-a", json!({"display_name": "Lijster"}))
            .await
            .status(),
        201
    );
    let rename = app
        .send_json(
            Method::PATCH,
            "/api/v1/groups/groep-a/members/me",
            &two,
            Some(&json!({"display_name": "merel"})),
        )
        .await;
    assert_error(rename, 409, "display_name_taken").await;
    let rename = app
        .send_json(
            Method::PATCH,
            "/api/v1/groups/groep-a/members/me",
            &two,
            Some(&json!({"display_name": "Roodborst"})),
        )
        .await;
    assert_eq!(rename.status(), 200);
}

async fn leaving_erases_the_membership(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "tijdelijk", "open", None, true).await;
    let (_, hanna) = app.member().await;
    app.join(&hanna, "tijdelijk", json!({"display_name": "Hanna"}))
        .await;
    let left = app
        .send_json(
            Method::DELETE,
            "/api/v1/groups/tijdelijk/members/me",
            &hanna,
            None,
        )
        .await;
    assert_eq!(left.status(), 204);
    let view: Value = app
        .get("/api/v1/groups/tijdelijk", &hanna)
        .await
        .json()
        .await
        .unwrap();
    assert!(view["me"].is_null());
    // The name is free again: nothing of the old membership is left.
    let (_, ivo) = app.member().await;
    assert_eq!(
        app.join(&ivo, "tijdelijk", json!({"display_name": "Hanna"}))
            .await
            .status(),
        201
    );
    let again = app
        .send_json(
            Method::DELETE,
            "/api/v1/groups/tijdelijk/members/me",
            &hanna,
            None,
        )
        .await;
    assert_error(again, 403, "forbidden").await;
}
