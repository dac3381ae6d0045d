//! Denied reads answer 401, 403 or 404 and leak nothing; two memberships of one account cannot be linked; racing joins get 409, never 500.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{TestApp, assert_error};

backend_tests!(
    denied_reads_answer_401_403_404_and_leak_nothing,
    one_account_in_two_groups_cannot_be_linked,
    concurrent_joins_under_one_name_get_409_not_500,
);

async fn denied_reads_answer_401_403_404_and_leak_nothing(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "gesloten", "closed", Some("approval"), true)
        .await;
    app.group(&sp, "alleen-leden", "registered", None, true)
        .await;
    app.group(&sp, "onzichtbaar", "closed", Some("invite"), false)
        .await;
    let leader = app.leader(&sp, "gesloten", "Leider").await;
    let _ = leader;
    let (_, outsider) = app.member().await;
    let guest_members = app
        .api
        .get(app.url("/api/v1/groups/gesloten/members"))
        .send()
        .await
        .unwrap();
    assert_error(guest_members, 401, "login_required").await;
    assert_error(
        app.get("/api/v1/groups/gesloten/members", &outsider).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        app.get("/api/v1/groups/gesloten/modlog", &outsider).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        app.get("/api/v1/groups/onzichtbaar/members", &outsider)
            .await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.get("/api/v1/groups/onzichtbaar/modlog", &sp).await,
        403,
        "forbidden",
    )
    .await;
    // The steunpunt admin sees structure, not the closed group's members.
    assert_error(
        app.get("/api/v1/groups/gesloten/members", &sp).await,
        403,
        "forbidden",
    )
    .await;
    // The entry of a closed group tells how to join, and nothing about who is in it.
    let entry = app
        .api
        .get(app.url("/api/v1/groups/gesloten"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !entry.contains("Leider") && !entry.contains("count"),
        "{entry}"
    );
    let guest_may: Value = serde_json::from_str(&entry).unwrap();
    assert!(
        !guest_may["may"]
            .as_array()
            .unwrap()
            .contains(&json!("read_content"))
    );
    // A registered group: guests are told to log in, accounts may read.
    let guest_view: Value = app
        .api
        .get(app.url("/api/v1/groups/alleen-leden"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !guest_view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("read_content"))
    );
    let account_view: Value = app
        .get("/api/v1/groups/alleen-leden", &outsider)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        account_view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("read_content"))
    );
    assert!(
        !account_view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("write_content"))
    );
}

async fn one_account_in_two_groups_cannot_be_linked(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "verslaving-noord", "closed", Some("approval"), true)
        .await;
    app.group(&sp, "rouw-noord", "closed", Some("approval"), true)
        .await;
    let leader_a = app.leader(&sp, "verslaving-noord", "Leider_A").await;
    let leader_b = app.leader(&sp, "rouw-noord", "Leider_B").await;
    let (login, both) = app.member().await;
    let me: Value = app.get("/api/v1/me", &both).await.json().await.unwrap();
    let account_id = me["account"]["id"].as_str().unwrap().to_string();
    for (slug, name, leader) in [
        ("verslaving-noord", "Stroom", &leader_a),
        ("rouw-noord", "Wolk", &leader_b),
    ] {
        app.join(&both, slug, json!({"display_name": name, "introduction": "Ik ben er graag bij, met een open hart."})).await;
        let list: Value = app
            .get(&format!("/api/v1/groups/{slug}/join-requests"), leader)
            .await
            .json()
            .await
            .unwrap();
        let id = list[0]["id"].as_str().unwrap();
        app.send_json(
            Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            leader,
            Some(&json!({"approve": true})),
        )
        .await;
    }
    // Everything each group's leader can see about its members.
    let mut seen_by = vec![];
    for (slug, leader) in [("verslaving-noord", &leader_a), ("rouw-noord", &leader_b)] {
        let mut text = String::new();
        for path in ["members", "modlog", "join-requests", "invites"] {
            text.push_str(
                &app.get(&format!("/api/v1/groups/{slug}/{path}"), leader)
                    .await
                    .text()
                    .await
                    .unwrap(),
            );
        }
        text.push_str(
            &app.get(&format!("/api/v1/groups/{slug}"), leader)
                .await
                .text()
                .await
                .unwrap(),
        );
        seen_by.push(text);
    }
    assert!(
        seen_by[0].contains("Stroom") && !seen_by[0].contains("Wolk"),
        "{}",
        seen_by[0]
    );
    assert!(
        seen_by[1].contains("Wolk") && !seen_by[1].contains("Stroom"),
        "{}",
        seen_by[1]
    );
    for text in &seen_by {
        assert!(!text.contains(&account_id), "the account id leaks");
        assert!(
            !text.contains(&login.to_lowercase()),
            "the login name leaks"
        );
    }
    // A member is an id, a name and a role (and, for leaders, what they may do to them, which
    // follows from the role alone): no times, no account, nothing to correlate.
    let mut ids = vec![];
    for (slug, leader) in [("verslaving-noord", &leader_a), ("rouw-noord", &leader_b)] {
        let members: Value = app
            .get(&format!("/api/v1/groups/{slug}/members"), leader)
            .await
            .json()
            .await
            .unwrap();
        for member in members.as_array().unwrap() {
            let keys: Vec<&String> = member
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "may")
                .collect();
            assert_eq!(keys, ["display_name", "id", "role"], "{member}");
            for action in member["may"].as_array().into_iter().flatten() {
                assert!(
                    ["ban", "mute", "lift_sanction"].contains(&action.as_str().unwrap()),
                    "{member}"
                );
            }
            ids.push(member["id"].as_str().unwrap().to_string());
        }
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "membership ids are per membership");
    // The member's own view of each group shows only that group's name.
    let a: Value = app
        .get("/api/v1/groups/verslaving-noord", &both)
        .await
        .json()
        .await
        .unwrap();
    let b: Value = app
        .get("/api/v1/groups/rouw-noord", &both)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["me"]["display_name"], "Stroom");
    assert_eq!(b["me"]["display_name"], "Wolk");
    assert_ne!(a["me"]["id"], b["me"]["id"]);
}

async fn concurrent_joins_under_one_name_get_409_not_500(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "drukte", "open", None, true).await;
    let mut tokens = vec![];
    for _ in 0..6 {
        tokens.push(app.member().await.1);
    }
    let attempts = tokens
        .iter()
        .map(|token| app.join(token, "drukte", json!({"display_name": "Dezelfde"})));
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
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    // One account clicking twice: one membership, one 409.
    let (_, twice) = app.member().await;
    let both = futures_util::future::join_all([
        app.join(&twice, "drukte", json!({"display_name": "Dubbel"})),
        app.join(&twice, "drukte", json!({"display_name": "Dubbel"})),
    ])
    .await;
    let mut statuses: Vec<u16> = both.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
}
