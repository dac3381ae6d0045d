//! Bans and mutes, and the steunpunt removing a leader.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    bans_and_mutes,
    the_steunpunt_removes_a_leader,
    a_muted_member_cannot_shake_off_the_mute_by_leaving,
);

async fn bans_and_mutes(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "open-groep", "open", None, true).await;
    let leader = app.leader(&sp, "open-groep", "Leider").await;
    let (_, fien) = app.member().await;
    let id = app
        .joined(&fien, "open-groep", json!({"display_name": "Fien"}))
        .await;

    let by_member = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{id}/mute"),
            &fien,
            Some(&json!({"reason": "zomaar"})),
        )
        .await;
    assert_error(by_member, 403, "forbidden").await;
    let past = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{id}/mute"),
            &leader,
            Some(&json!({"reason": "even afkoelen", "until": "2001-01-01T00:00:00Z"})),
        )
        .await;
    assert_error(past, 422, "invalid_until").await;
    let muted = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{id}/mute"),
            &leader,
            Some(&json!({"reason": "even afkoelen", "until": "2099-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(muted.status(), 200);
    let view: Value = app
        .get("/api/v1/groups/open-groep", &fien)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["me"]["muted"], true);
    let may = view["may"].as_array().unwrap();
    assert!(may.contains(&json!("read_content")) && !may.contains(&json!("write_content")));

    // A ban, for good: even an open group's content is closed to them; the entry is not.
    let banned = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{id}/ban"),
            &leader,
            Some(&json!({"reason": "herhaald kwetsend"})),
        )
        .await;
    assert_eq!(banned.status(), 200);
    let body: Value = banned.json().await.unwrap();
    assert_eq!(body["banned_until"], "forever");
    let view: Value = app
        .get("/api/v1/groups/open-groep", &fien)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("read_content"))
    );
    assert_error(
        app.get("/api/v1/groups/open-groep/members", &fien).await,
        403,
        "forbidden",
    )
    .await;
    let leave = app
        .send_json(
            Method::DELETE,
            "/api/v1/groups/open-groep/members/me",
            &fien,
            None,
        )
        .await;
    assert_error(leave, 403, "forbidden").await;
    let rejoin = app
        .join(&fien, "open-groep", json!({"display_name": "Fien2"}))
        .await;
    assert_error(rejoin, 403, "forbidden").await;
    // Members don't see banned people; leaders do.
    let (_, other) = app.member().await;
    app.join(&other, "open-groep", json!({"display_name": "Gerrit"}))
        .await;
    let seen = app
        .get("/api/v1/groups/open-groep/members", &other)
        .await
        .text()
        .await
        .unwrap();
    assert!(!seen.contains("Fien") && !seen.contains("banned"), "{seen}");
    let seen = app
        .get("/api/v1/groups/open-groep/members", &leader)
        .await
        .text()
        .await
        .unwrap();
    assert!(seen.contains("Fien") && seen.contains("forever"), "{seen}");

    let unban = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/groups/open-groep/members/{id}/ban"),
            &leader,
            None,
        )
        .await;
    assert_eq!(unban.status(), 204);
    assert_eq!(
        app.get("/api/v1/groups/open-groep/members", &fien)
            .await
            .status(),
        200
    );

    // Leaders are not banned by leaders.
    let members: Value = app
        .get("/api/v1/groups/open-groep/members", &leader)
        .await
        .json()
        .await
        .unwrap();
    let leader_id = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "leader")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let no = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{leader_id}/ban"),
            &leader,
            Some(&json!({"reason": "test"})),
        )
        .await;
    assert_error(no, 403, "cannot_sanction_leader").await;
    let log: Value = app
        .get("/api/v1/groups/open-groep/modlog", &leader)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["member_muted", "member_banned", "member_unbanned"] {
        assert!(actions.contains(&expected), "{actions:?}");
    }
    // Members get a neutral summary: what, not whom or why.
    let summary = app
        .get("/api/v1/groups/open-groep/modlog", &other)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        summary.contains("member_banned")
            && !summary.contains("Fien")
            && !summary.contains("kwetsend"),
        "{summary}"
    );
}

async fn the_steunpunt_removes_a_leader(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "wissel", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "wissel", "Oude_Leider").await;
    let leaders: Value = app
        .get("/api/v1/groups/wissel/leaders", &sp)
        .await
        .json()
        .await
        .unwrap();
    let id = leaders[0]["id"].as_str().unwrap().to_string();
    assert_error(
        app.get("/api/v1/groups/wissel/leaders", &leader).await,
        403,
        "forbidden",
    )
    .await;
    let by_leader = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/groups/wissel/leaders/{id}"),
            &leader,
            None,
        )
        .await;
    assert_error(by_leader, 403, "forbidden").await;
    let removed = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/groups/wissel/leaders/{id}"),
            &sp,
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);
    assert_error(
        app.get("/api/v1/groups/wissel/join-requests", &leader)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/groups/wissel/members", &leader)
            .await
            .status(),
        200,
        "still a member"
    );
}

async fn a_muted_member_cannot_shake_off_the_mute_by_leaving(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "stilte", "open", None, true).await;
    let leader = app.leader(&sp, "stilte", "Leider").await;
    let (_, bob) = app.member().await;
    let id = app
        .joined(&bob, "stilte", json!({"display_name": "Bob"}))
        .await;
    app.send_json(
        Method::POST,
        &format!("/api/v1/groups/stilte/members/{id}/mute"),
        &leader,
        Some(&json!({"reason": "even rust"})),
    )
    .await;
    let leave = app
        .send_json(
            Method::DELETE,
            "/api/v1/groups/stilte/members/me",
            &bob,
            None,
        )
        .await;
    assert_error(leave, 403, "forbidden").await;
}
