//! Steunpunten and staff, directory data, house rules, and access changes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{HOME, PASSWORD, TestApp, assert_error};

backend_tests!(
    instance_admin_creates_steunpunten_and_appoints_staff,
    leaders_close_and_the_steunpunt_opens_with_confirmation,
    access_settings_are_never_changed_without_a_policy_decision,
);

async fn instance_admin_creates_steunpunten_and_appoints_staff(app: TestApp) {
    let admin = app.instance_admin().await;
    let (member_login, member) = app.member().await;
    let body = json!({"slug": "regio-oost", "name": "Steunpunt Oost", "crisis_text": "Bel 113."});
    let denied = app
        .send_json(Method::POST, "/api/v1/steunpunten", &member, Some(&body))
        .await;
    assert_error(denied, 403, "forbidden").await;
    let created = app
        .send_json(Method::POST, "/api/v1/steunpunten", &admin, Some(&body))
        .await;
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["time_zone"], "Europe/Amsterdam", "the default zone");
    // A steunpunt elsewhere reads its groups' meeting times in its own zone.
    let caribbean = json!({"slug": "regio-bonaire", "name": "Steunpunt Bonaire",
                           "crisis_text": "Bel 113.", "time_zone": "America/Kralendijk"});
    let made = app
        .send_json(
            Method::POST,
            "/api/v1/steunpunten",
            &admin,
            Some(&caribbean),
        )
        .await;
    assert_eq!(made.status(), 201);
    let made: serde_json::Value = made.json().await.unwrap();
    assert_eq!(made["time_zone"], "America/Kralendijk");
    let nowhere = json!({"slug": "regio-mars", "name": "Steunpunt Mars",
                         "crisis_text": "Bel 113.", "time_zone": "Mars/Olympus_Mons"});
    let refused = app
        .send_json(Method::POST, "/api/v1/steunpunten", &admin, Some(&nowhere))
        .await;
    assert_error(refused, 422, "invalid_time_zone").await;
    let again = app
        .send_json(Method::POST, "/api/v1/steunpunten", &admin, Some(&body))
        .await;
    assert_error(again, 409, "slug_taken").await;
    // Only staff accounts become steunpunt admins.
    let not_staff = app
        .send_json(
            Method::POST,
            "/api/v1/steunpunten/regio-oost/admins",
            &admin,
            Some(&json!({"login": member_login})),
        )
        .await;
    assert_error(not_staff, 422, "not_staff").await;
    let staff = app
        .send_json(
            Method::POST,
            "/api/v1/staff-accounts",
            &member,
            Some(&json!({"login": "staf_oost", "password": PASSWORD})),
        )
        .await;
    assert_error(staff, 403, "forbidden").await;
    let sp_admin = app.steunpunt_admin().await;
    // An admin of one steunpunt cannot create groups in another.
    let elsewhere = app
        .send_json(
            Method::POST,
            "/api/v1/groups",
            &sp_admin,
            Some(
                &json!({"steunpunt": "regio-oost", "slug": "elders", "name": "Elders",
                "mode": "open", "listed": true, "theme": "addiction"}),
            ),
        )
        .await;
    assert_error(elsewhere, 403, "forbidden").await;
    let no_policy = app
        .send_json(
            Method::POST,
            "/api/v1/groups",
            &sp_admin,
            Some(&json!({"steunpunt": HOME, "slug": "dicht", "name": "Dicht",
                "mode": "closed", "listed": true, "theme": "addiction"})),
        )
        .await;
    assert_error(no_policy, 422, "join_policy_required").await;
}

async fn leaders_close_and_the_steunpunt_opens_with_confirmation(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "wisselend", "open", None, true).await;
    let leader = app.leader(&sp, "wisselend", "Leider").await;
    let patch = async |token: &str, body: Value| {
        app.send_json(
            Method::PATCH,
            "/api/v1/groups/wisselend",
            token,
            Some(&body),
        )
        .await
    };
    let closed = patch(
        &leader,
        json!({"mode": "closed", "join_policy": "approval"}),
    )
    .await;
    assert_eq!(closed.status(), 200);
    assert_eq!(closed.json::<Value>().await.unwrap()["mode"], "closed");
    let unlisted = patch(&leader, json!({"listed": false})).await;
    assert_eq!(unlisted.status(), 200);
    let reopen = patch(&leader, json!({"mode": "registered"})).await;
    assert_error(reopen, 403, "forbidden").await;
    // The steunpunt proposes; nothing changes until a leader accepts with confirmation.
    let proposed = patch(&sp, json!({"mode": "registered", "listed": true})).await;
    assert_eq!(proposed.status(), 202);
    let proposed: Value = proposed.json().await.unwrap();
    assert_eq!(proposed["mode"], "closed", "{proposed}");
    assert_eq!(proposed["proposal"]["mode"], "registered", "{proposed}");
    let accept = async |token: &str, confirm: bool| {
        app.send_json(
            Method::POST,
            "/api/v1/groups/wisselend/access-proposal/accept",
            token,
            Some(&json!({ "confirm_wider_audience": confirm })),
        )
        .await
    };
    assert_error(accept(&sp, true).await, 403, "forbidden").await;
    assert_error(accept(&leader, false).await, 409, "confirmation_required").await;
    let accepted = accept(&leader, true).await;
    assert_eq!(accepted.status(), 200);
    let accepted: Value = accepted.json().await.unwrap();
    assert_eq!(accepted["mode"], "registered");
    assert_eq!(accepted["listed"], true);
    assert_error(accept(&leader, true).await, 409, "no_proposal").await;
    // Directory data is the steunpunt's; house rules are the leaders'.
    assert_error(
        patch(&leader, json!({"name": "Nieuwe naam"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        patch(&sp, json!({"house_rules": "Regels"})).await,
        403,
        "forbidden",
    )
    .await;
    let rules = patch(&leader, json!({"house_rules": "# Onze afspraken\n\n<script>x</script>\n\n**Respect** <script>y</script>"})).await;
    assert_eq!(rules.status(), 200);
    let view: Value = app
        .api
        .get(app.url("/api/v1/groups/wisselend"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let html = view["house_rules_html"].as_str().unwrap();
    assert!(
        html.contains("<strong>Respect</strong>") && !html.contains("<script"),
        "{html}"
    );
    let renamed = patch(&sp, json!({"name": "Wisselende groep", "status": "active"})).await;
    assert_eq!(renamed.status(), 200);
}

async fn access_settings_are_never_changed_without_a_policy_decision(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "open-a", "open", None, true).await;
    app.group(&sp, "poort", "closed", Some("invite_and_approval"), true)
        .await;
    let leader = app.leader(&sp, "poort", "Leider").await;
    let (_, outsider) = app.member().await;
    for body in [
        json!({"join_policy": "invite"}),
        json!({}),
        json!({"mode": "open"}),
    ] {
        let response = app
            .send_json(
                Method::PATCH,
                "/api/v1/groups/open-a",
                &outsider,
                Some(&body),
            )
            .await;
        assert_error(response, 403, "forbidden").await;
    }
    // Dropping a gate (leader approval) opens the group: not the leader's alone.
    let drop_gate = app
        .send_json(
            Method::PATCH,
            "/api/v1/groups/poort",
            &leader,
            Some(&json!({"join_policy": "invite"})),
        )
        .await;
    assert_error(drop_gate, 403, "forbidden").await;
    let entry: Value = app
        .get("/api/v1/groups/open-a", &outsider)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["mode"], "open", "nothing changed");
    let entry: Value = app
        .get("/api/v1/groups/poort", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["join_policy"], "invite_and_approval");
}
