//! Retention: expired sessions and inactive accounts are purged for real.

use diesel::prelude::*;
use kring::db::schema::{accounts, recovery_codes, sessions};

use crate::backend_tests;
use crate::helpers::{TestApp, test_settings};

backend_tests!(
    expired_sessions_and_inactive_accounts_are_purged,
    unread_declines_expire,
    one_process_purges_at_a_time
);

/// On PostgreSQL, processes share one database: a purge that finds another one running
/// leaves the work to it.
async fn one_process_purges_at_a_time(app: TestApp) {
    use diesel::connection::SimpleConnection;
    let settings = test_settings(&app.db);
    let backend = app.db.backend;
    let url = app.db.url.clone();
    let (while_held, after) = tokio::task::spawn_blocking(move || {
        let db = kring::db::Db::connect(&settings.database).unwrap();
        let key = kring::retention::PURGE_LOCK_KEY;
        let other = match backend {
            crate::helpers::Backend::Postgres => {
                let mut other = PgConnection::establish(&url).unwrap();
                other
                    .batch_execute(&format!("SELECT pg_advisory_lock({key})"))
                    .unwrap();
                Some(other)
            }
            crate::helpers::Backend::Sqlite => None,
        };
        let while_held = kring::retention::purge_blocking(&db, &settings).unwrap();
        if let Some(mut other) = other {
            other
                .batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
                .unwrap();
        }
        let after = kring::retention::purge_blocking(&db, &settings).unwrap();
        (while_held, after)
    })
    .await
    .unwrap();
    // SQLite has one process per file: there the purge always runs.
    assert_eq!(
        while_held.ran,
        app.db.backend == crate::helpers::Backend::Sqlite
    );
    assert!(after.ran);
}

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

async fn expired_sessions_and_inactive_accounts_are_purged(app: TestApp) {
    let (_, stale_token) = app.member().await;
    let (_, live_token) = app.member().await;
    let (gone_login, _) = app.member().await;
    let settings = test_settings(&app.db);
    let stale_hash = kring::secrets::sha256_hex(&stale_token);
    let gone_key = gone_login.to_lowercase();
    let report = tokio::task::spawn_blocking(move || {
        let db = kring::db::Db::connect(&settings.database).unwrap();
        let mut conn = db.get_blocking().unwrap();
        diesel::update(sessions::table.find(&stale_hash))
            .set(sessions::expires_at.eq(kring::time::now() - 1))
            .execute(&mut *conn)
            .unwrap();
        diesel::update(accounts::table.filter(accounts::login_name.eq(&gone_key)))
            .set(accounts::last_seen_on.eq("2020-01-01"))
            .execute(&mut *conn)
            .unwrap();
        drop(conn);
        let report = kring::retention::purge_blocking(&db, &settings).unwrap();
        let mut conn = db.get_blocking().unwrap();
        let left: i64 = accounts::table
            .filter(accounts::login_name.eq(&gone_key))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        let codes: i64 = recovery_codes::table
            .count()
            .get_result(&mut *conn)
            .unwrap();
        (report, left, codes)
    })
    .await
    .unwrap();
    let (report, left, codes) = report;
    assert_eq!(report.sessions, 1);
    assert_eq!(report.accounts, 1);
    assert_eq!(left, 0, "the inactive account is gone");
    assert_eq!(codes, 16, "its recovery codes went with it");
    assert_eq!(app.get("/api/v1/me", &stale_token).await.status(), 401);
    assert_eq!(app.get("/api/v1/me", &live_token).await.status(), 200);
}
