//! Display names that only look different: compared by their confusable skeleton, and keys
//! stored by an older rule brought up to date at start-up.

use diesel::prelude::*;
use kring::db::schema::{join_requests, memberships};
use reqwest::Method;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{TestApp, assert_error, test_settings};

backend_tests!(
    a_look_alike_of_a_members_name_is_taken,
    stale_display_keys_are_recomputed_at_start,
);

/// "Аnna" with a Cyrillic А (U+0410).
const CYRILLIC_ANNA: &str = "\u{0410}nna";

async fn a_look_alike_of_a_members_name_is_taken(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "lijkt-op", "open", None, true).await;
    let (_, anna) = app.member().await;
    let (_, other) = app.member().await;
    let joined = app
        .join(&anna, "lijkt-op", json!({"display_name": "Anna"}))
        .await;
    assert_eq!(joined.status(), 201);
    for look_alike in [CYRILLIC_ANNA, "ANNA", "\u{0410}NN\u{0410}"] {
        let response = app
            .join(&other, "lijkt-op", json!({"display_name": look_alike}))
            .await;
        assert_error(response, 409, "display_name_taken").await;
    }
    // Nor by renaming: "Kim" is a member, and "Kirn" looks the same.
    let joined = app
        .join(&other, "lijkt-op", json!({"display_name": "Kim"}))
        .await;
    assert_eq!(joined.status(), 201);
    let rename = app
        .send_json(
            Method::PATCH,
            "/api/v1/groups/lijkt-op/members/me",
            &anna,
            Some(&json!({"display_name": "Kirn"})),
        )
        .await;
    assert_error(rename, 409, "display_name_taken").await;

    // The name shows as typed.
    let members: serde_json::Value = app
        .get("/api/v1/groups/lijkt-op/members", &anna)
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
    assert!(
        names.contains(&"Anna") && names.contains(&"Kim"),
        "{names:?}"
    );
}

/// Runs `work` on a connection to the app's database.
async fn with_db<T: Send + 'static>(
    app: &TestApp,
    work: impl FnOnce(&mut kring::db::DbConnection) -> T + Send + 'static,
) -> T {
    let url = app.db.url.clone();
    tokio::task::spawn_blocking(move || {
        let settings = kring::configuration::Settings::for_tests(&url);
        let db = kring::db::Db::connect(&settings.database).unwrap();
        let mut conn = db.get_blocking().unwrap();
        work(&mut conn)
    })
    .await
    .unwrap()
}

async fn key_of(app: &TestApp, name: &'static str) -> String {
    with_db(app, move |conn| {
        let member = memberships::table
            .filter(memberships::display_name.eq(name))
            .select(memberships::display_key)
            .first::<String>(conn)
            .optional()
            .unwrap();
        member.unwrap_or_else(|| {
            join_requests::table
                .filter(join_requests::display_name.eq(name))
                .select(join_requests::display_key)
                .first::<String>(conn)
                .unwrap()
        })
    })
    .await
}

async fn stale_display_keys_are_recomputed_at_start(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "oud-open", "open", None, true).await;
    app.group(&sp, "oud-dicht", "closed", Some("approval"), true)
        .await;
    for name in ["Anna", "Tim", "Carla"] {
        let (_, token) = app.member().await;
        let joined = app
            .join(&token, "oud-open", json!({"display_name": name}))
            .await;
        assert_eq!(joined.status(), 201);
    }
    let (_, applicant) = app.member().await;
    let pending = app
        .join(
            &applicant,
            "oud-dicht",
            json!({"display_name": "Kim", "introduction": "Hallo allemaal."}),
        )
        .await;
    assert_eq!(pending.status(), 202);

    // The keys as the old rule (case folding only) stored them, and a look-alike that the
    // old rule let in beside "Anna".
    with_db(&app, |conn| {
        diesel::update(memberships::table.filter(memberships::display_name.eq("Tim")))
            .set(memberships::display_key.eq("tim"))
            .execute(conn)
            .unwrap();
        diesel::update(memberships::table.filter(memberships::display_name.eq("Carla")))
            .set((
                memberships::display_name.eq(CYRILLIC_ANNA),
                memberships::display_key.eq("\u{0430}nna"),
            ))
            .execute(conn)
            .unwrap();
        diesel::update(join_requests::table.filter(join_requests::display_name.eq("Kim")))
            .set(join_requests::display_key.eq("kim"))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert_eq!(key_of(&app, "Tim").await, "tim");

    // A second process starting on the same database brings the keys up to date.
    let restarted = kring::startup::Application::build(test_settings(&app.db))
        .await
        .expect("the app builds on the old data");
    drop(restarted);
    assert_eq!(key_of(&app, "Tim").await, "tirn");
    assert_eq!(key_of(&app, "Kim").await, "kirn");
    assert_eq!(key_of(&app, "Anna").await, "anna");
    assert_eq!(
        key_of(&app, CYRILLIC_ANNA).await,
        "\u{0430}nna",
        "its new key is Anna's: left as it was"
    );

    // Up to date now: a look-alike of "Tim" is taken, and the shown names are as typed.
    let (_, late) = app.member().await;
    let response = app
        .join(&late, "oud-open", json!({"display_name": "Tirn"}))
        .await;
    assert_error(response, 409, "display_name_taken").await;
    // Nothing else is stale: a later start changes nothing, and still keeps the look-alike.
    let again = with_db(&app, |conn| {
        kring::names::refresh_display_keys(conn).unwrap()
    })
    .await;
    assert_eq!(
        again,
        kring::names::RefreshedKeys {
            updated: 0,
            kept: 1
        }
    );
}
