//! What waits on someone's decision does not wait forever: undecided join requests,
//! unread declines, unsettled reports, announcements without an end.

use diesel::prelude::*;

use super::backdated_purge;
use crate::backend_tests;
use crate::helpers::{TestApp, test_settings};

backend_tests!(unread_declines_expire, what_nobody_decides_on_expires);

async fn unread_declines_expire(app: TestApp) {
    use kring::db::schema::join_requests;
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "vergeet", "closed", Some("approval"), true)
        .await;
    let leader = app.leader(&sp, "vergeet", "Leider").await;
    let (_, applicant) = app.member().await;
    app.join(
        &applicant,
        "vergeet",
        serde_json::json!({"display_name": "Vraag",
        "introduction": "Ik zou graag meedoen met jullie groep."}),
    )
    .await;
    let list: serde_json::Value = app
        .get("/api/v1/groups/vergeet/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_str().unwrap().to_string();
    app.send_json(
        reqwest::Method::POST,
        &format!("/api/v1/join-requests/{id}/decision"),
        &leader,
        Some(&serde_json::json!({"approve": false, "reason": "Niet nu, sorry."})),
    )
    .await;
    let settings = test_settings(&app.db);
    let purged = tokio::task::spawn_blocking(move || {
        let db = kring::db::Db::connect(&settings.database).unwrap();
        let mut conn = db.get_blocking().unwrap();
        let old = kring::time::now() - 31 * 24 * 3600;
        diesel::update(join_requests::table.find(&id))
            .set(join_requests::decided_at.eq(Some(old)))
            .execute(&mut *conn)
            .unwrap();
        drop(conn);
        kring::retention::purge_blocking(&db, &settings).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(purged.decided_requests, 1);
    assert_eq!(
        app.get("/api/v1/groups/vergeet/join-request", &applicant)
            .await
            .status(),
        404
    );
}

/// A join request no leader decides on, a report nobody settles (sent on to the steunpunt
/// or not) and an announcement without an end do not stay forever; younger ones stay.
async fn what_nobody_decides_on_expires(app: TestApp) {
    use kring::db::schema::{announcements, join_requests, reports};
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "wachten", "closed", Some("approval"), true)
        .await;
    let leader = app.leader(&sp, "wachten", "Leider").await;
    // A second leader reports the first one's posts (nobody reports their own).
    let reporter = app.leader(&sp, "wachten", "Tweede").await;
    let mut waiting = vec![];
    for name in ["Oud", "Nieuw"] {
        let (_, applicant) = app.member().await;
        let asked = app
            .join(
                &applicant,
                "wachten",
                serde_json::json!({"display_name": name,
                "introduction": format!("WACHT_{name}: ik wil graag meedoen.")}),
            )
            .await;
        assert_eq!(asked.status(), 202, "{}", asked.text().await.unwrap());
        waiting.push(applicant);
    }
    let (topic, post) = app
        .published(&leader, "wachten", "Onderwerp", "Een bericht")
        .await;
    let reply = app.replied(&leader, &topic, "Nog een").await;
    let mut reported = vec![];
    for (post, reason) in [(&post, "worried"), (&reply, "off_topic")] {
        let made = app.report(Some(&reporter), post, reason).await;
        assert_eq!(made.status(), 201);
        let body: serde_json::Value = made.json().await.unwrap();
        reported.push(body["id"].as_str().unwrap().to_string());
    }
    let escalated = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{}/decision", reported[0]),
            Some(&leader),
            Some(&serde_json::json!({"action": "escalate"})),
        )
        .await;
    assert_eq!(escalated.status(), 204);
    for title in ["Zonder einde", "Ook zonder einde"] {
        let board = app
            .send_json(
                reqwest::Method::POST,
                "/api/v1/groups/wachten/announcements",
                &leader,
                Some(&serde_json::json!({"title": title, "body": "Tot de volgende keer."})),
            )
            .await;
        assert_eq!(board.status(), 201);
    }
    let old_report = reported[0].clone();
    let report = backdated_purge(&app, move |conn| {
        let day = 86_400;
        diesel::update(join_requests::table.filter(join_requests::display_name.eq("Oud")))
            .set(join_requests::requested_on.eq(kring::time::days_ago(61)))
            .execute(conn)
            .unwrap();
        diesel::update(reports::table.find(&old_report))
            .set(reports::created_at.eq(kring::time::now() - 91 * day))
            .execute(conn)
            .unwrap();
        diesel::update(announcements::table.filter(announcements::title.eq("Zonder einde")))
            .set(announcements::created_at.eq(kring::time::now() - 366 * day))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert_eq!(report.undecided_requests, 1, "{report:?}");
    assert_eq!(report.old_reports, 1, "{report:?}");
    assert_eq!(report.expired_announcements, 1, "{report:?}");
    let requests = app.db.rows_in("join_requests");
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["display_name"], "Nieuw");
    let reports_left = app.db.rows_in("reports");
    assert_eq!(reports_left.len(), 1, "{reports_left:?}");
    assert_eq!(reports_left[0]["id"], reported[1].as_str());
    let board = app.db.rows_in("announcements");
    assert_eq!(board.len(), 1, "{board:?}");
    assert_eq!(board[0]["title"], "Ook zonder einde");
    // The applicant whose request lapsed may simply ask again.
    let again = app
        .join(
            &waiting[0],
            "wachten",
            serde_json::json!({"display_name": "Oud", "introduction": "Ik probeer het nog eens."}),
        )
        .await;
    assert_eq!(again.status(), 202);
}
