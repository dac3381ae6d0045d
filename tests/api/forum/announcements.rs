//! The notice board (prikbord): leaders' announcements stand above the topics until taken
//! down or expired, for whoever may read the forum.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    leaders_put_up_and_take_down_announcements,
    a_closed_groups_notice_board_is_for_its_members,
);

async fn announce(app: &TestApp, token: &str, slug: &str, body: Value) -> reqwest::Response {
    app.call(
        Method::POST,
        &format!("/api/v1/groups/{slug}/announcements"),
        Some(token),
        Some(&body),
    )
    .await
}

async fn leaders_put_up_and_take_down_announcements(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "kring", "registered", None, true).await;
    let leader = app.leader(&sp, "kring", "Leider").await;
    let (_, member) = app.member().await;
    app.joined(&member, "kring", json!({"display_name": "Lid"}))
        .await;

    let by_member = announce(
        &app,
        &member,
        "kring",
        json!({"title": "Ik", "body": "Hoi"}),
    )
    .await;
    assert_error(by_member, 403, "forbidden").await;
    let by_staff = announce(&app, &sp, "kring", json!({"title": "Wij", "body": "Hoi"})).await;
    assert_eq!(by_staff.status(), 403);
    let posted = announce(
        &app,
        &leader,
        "kring",
        json!({"title": "Geen bijeenkomst", "body": "De **12e** gaat niet door.",
            "expires_in_days": 7}),
    )
    .await;
    assert_eq!(posted.status(), 201);
    let expiring: Value = posted.json().await.unwrap();
    assert_eq!(expiring["title"], "Geen bijeenkomst");
    assert!(
        expiring["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>12e</strong>")
    );
    let expires = expiring["expires_at"].as_str().expect("an expiry");
    let created = expiring["created_at"].as_str().unwrap();
    let days = (chrono_secs(expires) - chrono_secs(created)) / 86_400;
    assert_eq!(days, 7, "{created} .. {expires}");
    // Stamped in whole seconds: a second apart, so "newest first" is certain.
    super::next_second().await;
    let standing: Value = announce(
        &app,
        &leader,
        "kring",
        json!({"title": "Nieuwe plek", "body": "Voortaan in het buurthuis."}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(standing["expires_at"].is_null(), "{standing}");
    for days in [0, 366] {
        let refused = announce(
            &app,
            &leader,
            "kring",
            json!({"title": "Fout", "body": "x", "expires_in_days": days}),
        )
        .await;
        assert_error(refused, 422, "invalid_field").await;
    }

    // On the board and above the topics, newest first, for members and guests alike.
    let board = app
        .read_ok(Some(&member), "/api/v1/groups/kring/announcements")
        .await;
    let titles: Vec<&Value> = board
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["title"])
        .collect();
    assert_eq!(titles, vec!["Nieuwe plek", "Geen bijeenkomst"]);
    let list = app.topics(Some(&member), "kring").await;
    assert_eq!(list["announcements"], board);
    let guest = app.read(None, "/api/v1/groups/kring/announcements").await;
    assert_error(guest, 401, "login_required").await;

    // Taken down: by a leader only.
    let id = standing["id"].as_str().unwrap();
    let path = format!("/api/v1/announcements/{id}");
    let by_member = app.call(Method::DELETE, &path, Some(&member), None).await;
    assert_error(by_member, 403, "forbidden").await;
    let gone = app.call(Method::DELETE, &path, Some(&leader), None).await;
    assert_eq!(gone.status(), 204);
    let again = app.call(Method::DELETE, &path, Some(&leader), None).await;
    assert_error(again, 404, "not_found").await;
    let board = app
        .read_ok(Some(&member), "/api/v1/groups/kring/announcements")
        .await;
    assert_eq!(board.as_array().unwrap().len(), 1);
    assert_eq!(app.db.rows_in("announcements").len(), 1);
    let log = app
        .read_ok(Some(&member), "/api/v1/groups/kring/modlog")
        .await;
    let actions: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["action"])
        .collect();
    assert!(actions.contains(&&json!("announcement_posted")));
    assert!(actions.contains(&&json!("announcement_removed")));
}

/// Seconds since the epoch of an RFC 3339 time written by Kring.
fn chrono_secs(rfc3339: &str) -> i64 {
    kring::time::parse_rfc3339(rfc3339).unwrap_or_else(|| panic!("{rfc3339}"))
}

async fn a_closed_groups_notice_board_is_for_its_members(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "dicht", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "dicht", "Leider").await;
    let code = app.invite(&leader, "dicht", "member", 1).await;
    let (_, member) = app.member().await;
    app.joined(
        &member,
        "dicht",
        json!({"display_name": "Lid", "invite_code": code}),
    )
    .await;
    let (_, outsider) = app.member().await;
    let posted = announce(
        &app,
        &leader,
        "dicht",
        json!({"title": "Alleen voor ons", "body": "Volgende week bij Els."}),
    )
    .await;
    assert_eq!(posted.status(), 201);
    let board = app
        .read_ok(Some(&member), "/api/v1/groups/dicht/announcements")
        .await;
    assert_eq!(board[0]["title"], "Alleen voor ons");
    for token in [&outsider, &sp] {
        let refused = app
            .read(Some(token), "/api/v1/groups/dicht/announcements")
            .await;
        assert_error(refused, 403, "forbidden").await;
    }
    let guest = app.read(None, "/api/v1/groups/dicht/announcements").await;
    assert_error(guest, 401, "login_required").await;
    // Nor does the group page or directory carry it to outsiders.
    let page = app.read(Some(&outsider), "/api/v1/groups/dicht").await;
    assert!(!page.text().await.unwrap().contains("Alleen voor ons"));
}
