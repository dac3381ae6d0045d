//! Reports: members report posts to the leaders; the leaders' review queue puts "I'm
//! worried" first; a leader dismisses a report or sends it on to the steunpunt, whose admins
//! then see that post (not its author) and still nothing else of a closed group.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{HOME, TestApp, assert_error};

backend_tests!(
    who_may_report_a_post,
    the_review_queue_puts_worries_first_and_leaders_settle_reports,
    the_steunpunt_sees_an_escalated_post_and_nothing_else_of_a_closed_group,
);

async fn decide(app: &TestApp, token: &str, report: &str, action: &str) -> reqwest::Response {
    app.call(
        Method::POST,
        &format!("/api/v1/reports/{report}/decision"),
        Some(token),
        Some(&json!({"action": action})),
    )
    .await
}

async fn reported(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

async fn who_may_report_a_post(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "kring", "registered", None, true).await;
    let leader = app.leader(&sp, "kring", "Leider").await;
    let (_, anna) = app.member().await;
    app.joined(&anna, "kring", json!({"display_name": "Anna"}))
        .await;
    let (_, bram) = app.member().await;
    let bram_id = app
        .joined(&bram, "kring", json!({"display_name": "Bram"}))
        .await;
    let (_, outsider) = app.member().await;
    let (topic, post) = app
        .published(&anna, "kring", "Onderwerp", "Iets vervelends.")
        .await;

    let id = reported(app.report(Some(&bram), &post, "hurtful").await).await;
    let again = app.report(Some(&bram), &post, "spam").await;
    assert_error(again, 409, "already_reported").await;
    let own = app.report(Some(&anna), &post, "spam").await;
    assert_error(own, 403, "forbidden").await;
    let guest = app.report(None, &post, "spam").await;
    assert_eq!(guest.status(), 401);
    let account = app.report(Some(&outsider), &post, "spam").await;
    assert_error(account, 409, "membership_required").await;
    let staff = app.report(Some(&sp), &post, "spam").await;
    assert_error(staff, 403, "staff_account").await;
    let unknown = app
        .call(
            Method::POST,
            &format!("/api/v1/posts/{post}/reports"),
            Some(&leader),
            Some(&json!({"reason": "vervelend"})),
        )
        .await;
    assert_error(unknown, 400, "invalid_json").await;
    // A muted member still reports: worry is not writing.
    let muted = app
        .sanction(
            &leader,
            "kring",
            &bram_id,
            "mute",
            json!({"reason": "even rustig"}),
        )
        .await;
    assert_eq!(muted.status(), 200);
    let reply = app
        .replied(&leader, &topic, "Laten we rustig blijven.")
        .await;
    reported(app.report(Some(&bram), &reply, "worried").await).await;
    // Exactly the two reports are stored, the first one as it was made.
    let rows = app.db.rows_in("reports");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let first = rows.iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(first["reason"], "hurtful");
    assert_eq!(first["note"], "voor de leiders");
}

async fn the_review_queue_puts_worries_first_and_leaders_settle_reports(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "kring", "registered", None, true).await;
    let leader = app.leader(&sp, "kring", "Leider").await;
    let (_, anna) = app.member().await;
    app.joined(&anna, "kring", json!({"display_name": "Anna"}))
        .await;
    let (_, bram) = app.member().await;
    app.joined(&bram, "kring", json!({"display_name": "Bram"}))
        .await;
    let (topic, post) = app
        .published(&anna, "kring", "Onderwerp", "Off topic.")
        .await;
    let sad = app
        .replied(&anna, &topic, "Ik zie het niet meer zitten.")
        .await;
    let off_topic = reported(app.report(Some(&bram), &post, "off_topic").await).await;
    let worried = reported(app.report(Some(&bram), &sad, "worried").await).await;

    let by_member = app.read(Some(&bram), "/api/v1/groups/kring/review").await;
    assert_error(by_member, 403, "forbidden").await;
    let by_guest = app.read(None, "/api/v1/groups/kring/review").await;
    assert_error(by_guest, 401, "login_required").await;
    let queue = app
        .read_ok(Some(&leader), "/api/v1/groups/kring/review")
        .await;
    assert_eq!(queue["worried"], 1);
    let items = queue["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "report");
    assert_eq!(items[0]["reason"], "worried");
    assert_eq!(items[0]["report_id"], worried.as_str());
    assert_eq!(items[0]["post"]["id"], sad.as_str());
    assert_eq!(items[0]["note"], "voor de leiders");
    assert_eq!(items[1]["reason"], "off_topic");
    // Who reported is never shown: not even to the leaders.
    assert!(!queue.to_string().contains("Bram"), "{queue:#}");

    let by_member = decide(&app, &bram, &off_topic, "dismiss").await;
    assert_error(by_member, 403, "forbidden").await;
    let dismissed = decide(&app, &leader, &off_topic, "dismiss").await;
    assert_eq!(dismissed.status(), 204);
    let again = decide(&app, &leader, &off_topic, "dismiss").await;
    assert_error(again, 404, "not_found").await;
    let escalated = decide(&app, &leader, &worried, "escalate").await;
    assert_eq!(escalated.status(), 204);
    let queue = app
        .read_ok(Some(&leader), "/api/v1/groups/kring/review")
        .await;
    let items = queue["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{queue:#}");
    assert_eq!(items[0]["escalated"], true);
    let bad = decide(&app, &leader, &worried, "delete").await;
    assert_error(bad, 400, "invalid_json").await;
    let log = app
        .read_ok(Some(&anna), "/api/v1/groups/kring/modlog")
        .await;
    let actions: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["action"])
        .collect();
    assert!(actions.contains(&&json!("report_dismissed")), "{log:#}");
    assert!(actions.contains(&&json!("report_escalated")), "{log:#}");
}

async fn the_steunpunt_sees_an_escalated_post_and_nothing_else_of_a_closed_group(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "dicht", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "dicht", "Leider").await;
    let code = app.invite(&leader, "dicht", "member", 2).await;
    let (_, anna) = app.member().await;
    app.joined(
        &anna,
        "dicht",
        json!({"display_name": "AnnaGeheim", "invite_code": code}),
    )
    .await;
    let (_, bram) = app.member().await;
    app.joined(
        &bram,
        "dicht",
        json!({"display_name": "Bram", "invite_code": code}),
    )
    .await;
    let (topic, post) = app
        .published(&anna, "dicht", "Zwaar", "Ik weet het even niet meer.")
        .await;
    let other = app
        .replied(&anna, &topic, "Ander bericht, niet gemeld.")
        .await;
    let report = reported(app.report(Some(&bram), &post, "worried").await).await;
    reported(app.report(Some(&bram), &other, "off_topic").await).await;

    let path = format!("/api/v1/steunpunten/{HOME}/reports");
    let before = app.read_ok(Some(&sp), &path).await;
    assert_eq!(before, json!([]), "nothing before a leader sends it on");
    assert_eq!(
        decide(&app, &leader, &report, "escalate").await.status(),
        204
    );
    let list = app.read_ok(Some(&sp), &path).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 1, "{list:#}");
    assert_eq!(items[0]["group_slug"], "dicht");
    assert_eq!(items[0]["reason"], "worried");
    assert_eq!(items[0]["note"], "voor de leiders");
    assert!(
        items[0]["body_html"]
            .as_str()
            .unwrap()
            .contains("Ik weet het even niet meer.")
    );
    let text = list.to_string();
    assert!(
        !text.contains("AnnaGeheim") && !text.contains("Bram"),
        "no names: {text}"
    );
    assert!(
        !text.contains("Ander bericht"),
        "only the escalated post: {text}"
    );
    // Still nothing else of the closed group for the steunpunt.
    let topics = app.read(Some(&sp), "/api/v1/groups/dicht/topics").await;
    assert_error(topics, 403, "forbidden").await;
    let page = app
        .read(Some(&sp), &format!("/api/v1/topics/{topic}"))
        .await;
    assert_error(page, 403, "forbidden").await;
    let queue = app.read(Some(&sp), "/api/v1/groups/dicht/review").await;
    assert_error(queue, 403, "forbidden").await;
    // And the list is the steunpunt admins' alone.
    for token in [&leader, &bram] {
        let refused = app.read(Some(token), &path).await;
        assert_error(refused, 403, "forbidden").await;
    }
}
