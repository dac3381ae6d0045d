//! Retention: expired sessions and inactive accounts are purged for real.

use diesel::prelude::*;
use kring::db::schema::{accounts, recovery_codes, sessions};

use crate::backend_tests;
use crate::helpers::{TestApp, test_settings};

backend_tests!(expired_sessions_and_inactive_accounts_are_purged);

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
