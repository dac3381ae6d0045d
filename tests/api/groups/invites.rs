//! Invite codes: limited, revocable, used once under concurrency, settling a waiting request.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    invites_are_limited_revocable_and_leader_invites_belong_to_the_steunpunt,
    a_single_use_invite_is_used_once_under_concurrency,
    an_invite_code_settles_a_waiting_request,
);

async fn invites_are_limited_revocable_and_leader_invites_belong_to_the_steunpunt(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "diabetes", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "diabetes", "Leider").await;
    // A leader cannot appoint leaders; the steunpunt can.
    let denied = app
        .send_json(
            Method::POST,
            "/api/v1/groups/diabetes/invites",
            &leader,
            Some(&json!({"role": "leader"})),
        )
        .await;
    assert_error(denied, 403, "forbidden").await;
    let many = app
        .send_json(
            Method::POST,
            "/api/v1/groups/diabetes/invites",
            &sp,
            Some(&json!({"role": "leader", "max_uses": 3})),
        )
        .await;
    assert_error(many, 422, "invalid_max_uses").await;
    let long = app
        .send_json(
            Method::POST,
            "/api/v1/groups/diabetes/invites",
            &leader,
            Some(&json!({"expires_in_days": 365})),
        )
        .await;
    assert_error(long, 422, "invalid_expiry").await;

    let code = app.invite(&leader, "diabetes", "member", 1).await;
    let (_, first) = app.member().await;
    let (_, second) = app.member().await;
    assert_eq!(
        app.join(
            &first,
            "diabetes",
            json!({"display_name": "Eerste", "invite_code": code})
        )
        .await
        .status(),
        201
    );
    let spent = app
        .join(
            &second,
            "diabetes",
            json!({"display_name": "Tweede", "invite_code": code}),
        )
        .await;
    assert_error(spent, 422, "invalid_invite").await;

    let code = app.invite(&leader, "diabetes", "member", 10).await;
    let list: Value = app
        .get("/api/v1/groups/diabetes/invites", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert!(list.to_string().find(&code).is_none(), "codes are not kept");
    assert!(
        !list.to_string().contains("created_by"),
        "not linked to their maker"
    );
    let open = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uses"] == 0)
        .unwrap();
    let id = open["id"].as_str().unwrap();
    let revoked = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/groups/diabetes/invites/{id}"),
            &leader,
            None,
        )
        .await;
    assert_eq!(revoked.status(), 204);
    let dead = app
        .join(
            &second,
            "diabetes",
            json!({"display_name": "Tweede", "invite_code": code}),
        )
        .await;
    assert_error(dead, 422, "invalid_invite").await;
    // The member list of a leader invite shows the new leader.
    let members: Value = app
        .get("/api/v1/groups/diabetes/members", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "leader")
    );
}

async fn a_single_use_invite_is_used_once_under_concurrency(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "eenmalig", "closed", Some("invite"), true)
        .await;
    let code = app.invite(&sp, "eenmalig", "leader", 1).await;
    let mut tokens = vec![];
    for _ in 0..8 {
        tokens.push(app.member().await.1);
    }
    let attempts = tokens.iter().enumerate().map(|(i, token)| {
        app.join(
            token,
            "eenmalig",
            json!({"display_name": format!("Kandidaat{i}"), "invite_code": code}),
        )
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 422),
        "{statuses:?}"
    );
    let leaders: Value = app
        .get("/api/v1/groups/eenmalig/leaders", &sp)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(leaders.as_array().unwrap().len(), 1);
}

async fn an_invite_code_settles_a_waiting_request(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "wachtrij", "closed", Some("approval"), true)
        .await;
    let leader = app.leader(&sp, "wachtrij", "Leider").await;
    let (_, anna) = app.member().await;
    let intro = "Ik kom sinds kort naar de bijeenkomsten en wil graag online meedoen.";
    let pending = app
        .join(
            &anna,
            "wachtrij",
            json!({"display_name": "Anna", "introduction": intro}),
        )
        .await;
    assert_eq!(pending.status(), 202);
    let list: Value = app
        .get("/api/v1/groups/wachtrij/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_str().unwrap().to_string();
    let code = app.invite(&leader, "wachtrij", "member", 1).await;
    let joined = app
        .join(
            &anna,
            "wachtrij",
            json!({"display_name": "Anna", "invite_code": code}),
        )
        .await;
    assert_eq!(joined.status(), 201);
    let list: Value = app
        .get("/api/v1/groups/wachtrij/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list.as_array().unwrap().is_empty(),
        "the introduction went with the request"
    );
    let late = app.decide(&leader, &id, json!({"approve": true})).await;
    assert_error(late, 404, "not_found").await;
}
