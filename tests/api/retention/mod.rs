//! Retention: sessions, inactive accounts, posts and chat messages past their time are purged
//! for real. `lapse`: what waits on a decision; `files`: deleted text leaving the files.

use diesel::prelude::*;
use kring::db::schema::{accounts, recovery_codes, sessions};

mod files;
mod lapse;

use crate::backend_tests;
use crate::helpers::{TestApp, test_settings};

backend_tests!(
    expired_sessions_and_inactive_accounts_are_purged,
    one_process_purges_at_a_time,
    leaders_set_retention_within_the_steunpunts_bounds,
    the_steunpunt_sets_the_bounds,
    a_meetings_messages_are_kept_from_the_end_of_the_session,
    posts_and_messages_past_their_retention_are_purged
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

async fn expired_sessions_and_inactive_accounts_are_purged(app: TestApp) {
    let (_, stale_token) = app.member().await;
    let (_, live_token) = app.member().await;
    let (gone_login, _) = app.member().await;
    let settings = test_settings(&app.db);
    let stale_hash = kring::secrets::sha256_hex(&stale_token);
    let gone_key = app.db.login_hash(&gone_login);
    let report = tokio::task::spawn_blocking(move || {
        let db = kring::db::Db::connect(&settings.database).unwrap();
        let mut conn = db.get_blocking().unwrap();
        diesel::update(sessions::table.find(&stale_hash))
            .set(sessions::expires_at.eq(kring::time::now() - 1))
            .execute(&mut *conn)
            .unwrap();
        diesel::update(accounts::table.filter(accounts::login_hash.eq(&gone_key)))
            .set(accounts::last_seen_on.eq("2020-01-01"))
            .execute(&mut *conn)
            .unwrap();
        drop(conn);
        let report = kring::retention::purge_blocking(&db, &settings).unwrap();
        let mut conn = db.get_blocking().unwrap();
        let left: i64 = accounts::table
            .filter(accounts::login_hash.eq(&gone_key))
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

/// Runs `work` on a connection of its own (to backdate rows), then one purge if `purge`;
/// the purge's report.
async fn backdate(
    app: &TestApp,
    purge: bool,
    work: impl FnOnce(&mut kring::db::DbConnection) + Send + 'static,
) -> Option<kring::retention::PurgeReport> {
    let settings = test_settings(&app.db);
    tokio::task::spawn_blocking(move || {
        let db = kring::db::Db::connect(&settings.database).unwrap();
        work(&mut db.get_blocking().unwrap());
        purge.then(|| kring::retention::purge_blocking(&db, &settings).unwrap())
    })
    .await
    .unwrap()
}

/// [`backdate`], then one purge; its report.
async fn backdated_purge(
    app: &TestApp,
    work: impl FnOnce(&mut kring::db::DbConnection) + Send + 'static,
) -> kring::retention::PurgeReport {
    backdate(app, true, work).await.expect("a purge ran")
}

/// Waits up to 15 s for `still` to turn false, polling; fails naming `what`.
async fn within_15_s(what: &str, mut still: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while still() {
        assert!(start.elapsed().as_secs() < 15, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn patch_group(
    app: &TestApp,
    token: &str,
    slug: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.send_json(
        reqwest::Method::PATCH,
        &format!("/api/v1/groups/{slug}"),
        token,
        Some(&body),
    )
    .await
}

async fn leaders_set_retention_within_the_steunpunts_bounds(app: TestApp) {
    use crate::helpers::assert_error;
    let cast = crate::forum::Cast::new(&app).await;
    cast.group(&app, "bewaar", "registered", None, true).await;
    // A new group keeps what the configuration says, and says so.
    let group = app.read_ok(None, "/api/v1/groups/bewaar").await;
    assert_eq!(
        group["retention"],
        serde_json::json!({"post_days": 365, "pinned_days": 365, "chat_hours": 24}),
        "{group}"
    );
    let room = crate::chat::room(
        &app,
        &cast.leader,
        "bewaar",
        serde_json::json!({"name": "Avond"}),
    )
    .await;
    // Only leaders choose, and only within the steunpunt's bounds (730 days, 720 hours).
    let change =
        serde_json::json!({"retention": {"post_days": 30, "pinned_days": 400, "chat_hours": 12}});
    assert_error(
        patch_group(&app, &cast.member, "bewaar", change.clone()).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        patch_group(&app, &cast.staff, "bewaar", change.clone()).await,
        403,
        "forbidden",
    )
    .await;
    for too_long in [
        serde_json::json!({"retention": {"post_days": 731}}),
        serde_json::json!({"retention": {"pinned_days": 0}}),
        serde_json::json!({"retention": {"chat_hours": 721}}),
    ] {
        assert_error(
            patch_group(&app, &cast.leader, "bewaar", too_long).await,
            422,
            "retention_out_of_bounds",
        )
        .await;
    }
    let changed = patch_group(&app, &cast.leader, "bewaar", change).await;
    assert_eq!(changed.status(), 200);
    let changed: serde_json::Value = changed.json().await.unwrap();
    assert_eq!(
        changed["retention"],
        serde_json::json!({"post_days": 30, "pinned_days": 400, "chat_hours": 12})
    );
    // The group's chat retention bounds its rooms: the room kept 24 hours, now 12; a room
    // may keep shorter, never longer.
    let shown = app
        .read_ok(Some(&cast.member), &format!("/api/v1/rooms/{room}"))
        .await;
    assert_eq!(shown["retention_hours"], 12, "{shown}");
    let longer = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/groups/bewaar/rooms",
            &cast.leader,
            Some(&serde_json::json!({"name": "Lang", "retention_hours": 13})),
        )
        .await;
    assert_error(longer, 422, "retention_out_of_bounds").await;
    // Members read it on the group's page, in plain words; the change is in the log.
    let page = app
        .browser()
        .get(app.url("/g/bewaar"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(
            "Forumberichten blijven 30 dagen staan (in een vastgezet onderwerp 400 dagen)"
        ),
        "{page}"
    );
    assert!(
        page.contains("Chatberichten verdwijnen 12 uur na afloop"),
        "{page}"
    );
    let log = app
        .read_ok(Some(&cast.leader), "/api/v1/groups/bewaar/modlog")
        .await;
    assert!(log.to_string().contains("retention_changed"), "{log}");
    // Leaders change it on their page too, and read there when the oldest post goes.
    app.published(&cast.member, "bewaar", "Eerste", "Een begin.")
        .await;
    let leaders = app
        .browser()
        .get(app.url("/g/bewaar/beheer"))
        .bearer_auth(&cast.leader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(leaders.contains("id=\"post_days\""), "{leaders}");
    assert!(
        leaders.contains("Het oudste forumbericht verdwijnt rond"),
        "{leaders}"
    );
    let saved = app
        .browser()
        .post(app.url("/g/bewaar/beheer/bewaren"))
        .bearer_auth(&cast.leader)
        .form(&[
            ("post_days", "60"),
            ("pinned_days", "90"),
            ("chat_hours", "6"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let group = app.read_ok(None, "/api/v1/groups/bewaar").await;
    assert_eq!(
        group["retention"],
        serde_json::json!({"post_days": 60, "pinned_days": 90, "chat_hours": 6})
    );
}

async fn posts_and_messages_past_their_retention_are_purged(app: TestApp) {
    use kring::db::schema::{messages, posts, topics};
    let cast = crate::forum::Cast::new(&app).await;
    cast.group(&app, "vergaan", "registered", None, true).await;
    let change =
        serde_json::json!({"retention": {"post_days": 60, "pinned_days": 100, "chat_hours": 2}});
    assert_eq!(
        patch_group(&app, &cast.leader, "vergaan", change)
            .await
            .status(),
        200
    );
    // An old topic whose opening post expires while its reply stays; a pinned topic whose
    // opening post is past even its longer retention while its reply is not; a held post
    // nobody decided on (younger than the group's retention: it goes by the held rule).
    let (old_topic, old_post) = app
        .published(
            &cast.member,
            "vergaan",
            "Oud onderwerp VERGAAN_TITEL",
            "Tekst die vergaat VERGAAN_OUD",
        )
        .await;
    let reply = app
        .replied(&cast.leader, &old_topic, "Antwoord dat blijft")
        .await;
    let (pinned, pinned_post) = app
        .published(&cast.leader, "vergaan", "Vast", "Vastgezette tekst")
        .await;
    let pin = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/v1/topics/{pinned}"),
            &cast.leader,
            Some(&serde_json::json!({"pinned": true})),
        )
        .await;
    assert_eq!(pin.status(), 200, "{}", pin.text().await.unwrap());
    let pinned_reply = app
        .replied(
            &cast.member,
            &pinned,
            "Vastgezet antwoord VERGAAN_VAST_BLIJFT",
        )
        .await;
    app.premoderate(
        &cast.leader,
        "vergaan",
        serde_json::json!({"mode": "all", "first_posts": 1, "hold_guest_posts": true}),
    )
    .await;
    let held = app
        .reply(
            Some(&cast.member),
            &old_topic,
            "Wacht op een begeleider VERGAAN_HELD",
        )
        .await;
    let (_, held_post) = app.written(held, true).await;
    // A chat message in an always-open room: its clock starts when it was sent.
    let room = crate::chat::room(
        &app,
        &cast.leader,
        "vergaan",
        serde_json::json!({"name": "Open"}),
    )
    .await;
    let mut client = crate::chat::Client::join(&app, &room, &cast.member).await;
    let old_message = client.say("Gezegd en vergaan VERGAAN_CHAT", "c-1").await;
    let new_message = client.say("Net gezegd", "c-2").await;
    drop(client);
    let day = 86_400;
    let now = kring::time::now();
    let ids = (
        old_post.clone(),
        pinned_post.clone(),
        held_post.clone(),
        pinned_reply.clone(),
    );
    let old_id = old_message["id"].as_str().unwrap().to_string();
    let report = backdated_purge(&app, move |conn| {
        let (old_post, pinned_post, held_post, pinned_reply) = ids;
        for (id, age) in [
            (&old_post, 61 * day),
            (&pinned_post, 101 * day),
            (&pinned_reply, 61 * day),
            (&held_post, 31 * day),
        ] {
            diesel::update(posts::table.find(id))
                .set(posts::created_at.eq(now - age))
                .execute(conn)
                .unwrap();
        }
        diesel::update(messages::table.find(&old_id))
            .set(messages::sent_at.eq(now - 3 * 3600))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert_eq!(
        report.forum_posts, 3,
        "the old post, the pinned topic's old opener and the held one: {report:?}"
    );
    assert_eq!(report.chat_messages, 1, "{report:?}");
    let left = app.db.rows_in("posts");
    let left: Vec<&str> = left.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert!(
        left.contains(&reply.as_str()) && left.contains(&pinned_reply.as_str()),
        "{left:?}"
    );
    for gone in [&old_post, &pinned_post, &held_post] {
        assert!(!left.contains(&gone.as_str()), "{gone} stayed: {left:?}");
    }
    // The topics stay with their replies, but an expired opening post takes its title and
    // its opener with it: the topic reads with a neutral title, opened by nobody.
    let topics_left = app.db.rows_in("topics");
    assert_eq!(topics_left.len(), 2);
    for topic in &topics_left {
        assert_eq!(topic["title"], "", "{topic}");
        assert!(topic["author_membership"].is_null(), "{topic}");
    }
    let page = app.topic_page(Some(&cast.member), &old_topic).await;
    assert!(!page.to_string().contains("VERGAAN_TITEL"), "{page}");
    let _ = topics::table;
    let messages_left = app.db.rows_in("messages");
    assert_eq!(messages_left.len(), 1);
    assert_eq!(messages_left[0]["id"], new_message["id"]);
    // And the text is gone from every byte of the database files (SQLite; on PostgreSQL
    // from every live row), once the write-ahead log is truncated.
    app.checkpoint().await;
    let dump = String::from_utf8_lossy(&app.db.dump()).to_string();
    for sentinel in [
        "VERGAAN_OUD",
        "VERGAAN_TITEL",
        "VERGAAN_HELD",
        "VERGAAN_CHAT",
    ] {
        assert!(!dump.contains(sentinel), "{sentinel} survived the purge");
    }
}

/// The steunpunt's admins set the bounds (and the time zone schedules are read in); a
/// lower bound brings its groups and rooms down with it at once.
async fn the_steunpunt_sets_the_bounds(app: TestApp) {
    use crate::helpers::assert_error;
    let cast = crate::forum::Cast::new(&app).await;
    cast.group(&app, "grens", "registered", None, true).await;
    let room = crate::chat::room(
        &app,
        &cast.leader,
        "grens",
        serde_json::json!({"name": "Avond", "retention_hours": 24}),
    )
    .await;
    let patch = |token: String, body: serde_json::Value| {
        let app = &app;
        async move {
            app.send_json(
                reqwest::Method::PATCH,
                "/api/v1/steunpunten/steunpunt",
                &token,
                Some(&body),
            )
            .await
        }
    };
    let lower = serde_json::json!({"post_retention_days_max": 100, "chat_retention_hours_max": 6});
    assert_error(
        patch(cast.leader.clone(), lower.clone()).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        patch(cast.member.clone(), lower.clone()).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        patch(
            cast.staff.clone(),
            serde_json::json!({"time_zone": "Mars/Olympus"}),
        )
        .await,
        422,
        "invalid_time_zone",
    )
    .await;
    assert_error(
        patch(
            cast.staff.clone(),
            serde_json::json!({"chat_retention_hours_max": 0}),
        )
        .await,
        422,
        "invalid_field",
    )
    .await;
    let changed = patch(cast.staff.clone(), lower).await;
    assert_eq!(changed.status(), 200);
    let changed: serde_json::Value = changed.json().await.unwrap();
    assert_eq!(changed["post_retention_days_max"], 100, "{changed}");
    assert_eq!(changed["chat_retention_hours_max"], 6, "{changed}");
    let group = app.read_ok(None, "/api/v1/groups/grens").await;
    assert_eq!(
        group["retention"],
        serde_json::json!({"post_days": 100, "pinned_days": 100, "chat_hours": 6}),
        "{group}"
    );
    let shown = app
        .read_ok(Some(&cast.member), &format!("/api/v1/rooms/{room}"))
        .await;
    assert_eq!(shown["retention_hours"], 6, "{shown}");
    // Leaders choose within the new bound only.
    assert_error(
        patch_group(
            &app,
            &cast.leader,
            "grens",
            serde_json::json!({"retention": {"post_days": 101}}),
        )
        .await,
        422,
        "retention_out_of_bounds",
    )
    .await;
    let tz = patch(
        cast.staff.clone(),
        serde_json::json!({"time_zone": "Europe/Brussels"}),
    )
    .await;
    assert_eq!(tz.status(), 200);
    let tz: serde_json::Value = tz.json().await.unwrap();
    assert_eq!(tz["time_zone"], "Europe/Brussels");
}

/// In a room with a schedule, a message's clock starts when its meeting session ends: a
/// message older than the retention stays while its session runs, and goes once the
/// session is over by more than the retention.
async fn a_meetings_messages_are_kept_from_the_end_of_the_session(app: TestApp) {
    use kring::db::schema::messages;
    let cast = crate::forum::Cast::new(&app).await;
    cast.group(&app, "avond", "registered", None, true).await;
    let room = crate::chat::room(
        &app,
        &cast.leader,
        "avond",
        serde_json::json!({"name": "Bijeenkomst", "retention_hours": 2,
            "schedule": format!("{} 20:00-21:30", crate::helpers::another_day())}),
    )
    .await;
    // Closed now; a leader opens the session by hand (for `chat.session_hours`).
    let opened = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/rooms/{room}/session"),
            &cast.leader,
            Some(&serde_json::json!({"open": true})),
        )
        .await;
    assert_eq!(opened.status(), 200);
    let mut client = crate::chat::Client::join(&app, &room, &cast.member).await;
    let said = client.say("Tijdens de bijeenkomst", "s-1").await;
    drop(client);
    let id = said["id"].as_str().unwrap().to_string();
    let now = kring::time::now();
    // Sent three hours ago by its own clock, but its session has not ended: it stays.
    let backdated = id.clone();
    let first = backdated_purge(&app, move |conn| {
        diesel::update(messages::table.find(&backdated))
            .set(messages::sent_at.eq(now - 3 * 3600))
            .execute(conn)
            .unwrap();
    })
    .await;
    let ends = app.db.rows_in("messages")[0]["session_ends_at"].as_i64();
    assert_eq!(first.chat_messages, 0, "{first:?}");
    let ends = ends.expect("the message knows when its session ends");
    assert!(ends > now, "the session runs on: {ends} vs {now}");
    // Its session ended three hours ago: now it goes.
    let second = backdated_purge(&app, move |conn| {
        diesel::update(messages::table.find(&id))
            .set(messages::session_ends_at.eq(Some(now - 3 * 3600)))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert_eq!(second.chat_messages, 1, "{second:?}");
    assert!(app.db.rows_in("messages").is_empty());
}
