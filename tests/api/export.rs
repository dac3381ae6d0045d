//! What is kept about an account matches what its export shows and what its erasure removes,
//! checked against the database's own catalogue: every table, every column, every row that
//! refers to the account or one of its memberships. A table added later (the forum's, the
//! chat's) is covered without a change here, and fails this test until export and erasure
//! know about it. Also: the moderation log's retention and the end of a sanction.

use std::collections::HashSet;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, test_settings, unique_source};

backend_tests!(
    the_export_holds_every_row_about_me_and_erasure_leaves_none,
    old_moderation_log_lines_and_ended_sanctions_are_purged,
);

/// Columns that are kept but never exported, each for a stated reason.
const NOT_EXPORTED: &[(&str, &str)] = &[
    // Hashes of secrets: useless to anyone, the owner included.
    ("accounts", "password_hash"),
    ("accounts", "login_hash"),
    ("sessions", "token_hash"),
    ("recovery_codes", "code_hash"),
    // The comparison form of a display name, derived from the name that is exported.
    ("memberships", "display_key"),
    ("join_requests", "display_key"),
    // References to groups and steunpunten, exported by their slug.
    ("memberships", "group_id"),
    ("join_requests", "group_id"),
    ("modlog", "group_id"),
    ("steunpunt_admins", "steunpunt_id"),
    // A modlog line's own id and its group's: the line itself is exported.
    ("modlog", "id"),
    // The forum: references to the group (the posts and topics are exported with their own
    // ids and their topics'), and the HTML rendered from the Markdown that is exported.
    ("topics", "group_id"),
    ("posts", "group_id"),
    ("posts", "body_html"),
    ("reports", "group_id"),
    ("post_rejections", "group_id"),
    // A report's and a rejection note's own ids: the report and the note are exported.
    ("reports", "id"),
    ("post_rejections", "id"),
    // Chat: a message's resend key, made up by the sender's own client to send it once
    // (the message itself is exported); a connection's and a server process's ids, which
    // mean nothing outside the running server (the rooms I am in are exported).
    ("messages", "client_msg_id"),
    ("room_presence", "connection_id"),
    ("room_presence", "process_id"),
];

/// Columns of rows about me that point at someone else's content, which stays after my
/// erasure: my reply's topic, the post I reported.
const OTHERS_CONTENT: &[(&str, &str)] = &[
    ("posts", "topic_id"),
    ("reports", "post_id"),
    // A chat room is the group's, like a topic: my message, my mute in it and my presence
    // go, the room stays.
    ("messages", "room_id"),
    ("room_sanctions", "room_id"),
    ("room_presence", "room_id"),
];

fn strings(row: &Value) -> Vec<(String, String)> {
    row.as_object()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

async fn the_export_holds_every_row_about_me_and_erasure_leaves_none(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "open-kring", "registered", None, true).await;
    app.group(&sp, "dichte-kring", "closed", Some("approval"), true)
        .await;
    app.group(&sp, "wacht-kring", "closed", Some("approval"), true)
        .await;
    app.group(&sp, "nee-kring", "closed", Some("approval"), true)
        .await;
    let leader = app.leader(&sp, "dichte-kring", "Leider").await;
    let nee_leader = app.leader(&sp, "nee-kring", "Poortwachter").await;
    let login = "exporteur";
    app.register(login).await;
    let me = app.login(login, PASSWORD).await;

    // A membership in an open group.
    let joined = app
        .join(&me, "open-kring", json!({"display_name": "Open_Ik"}))
        .await;
    assert_eq!(joined.status(), 201);
    // A membership in a closed group, muted with a reason (a modlog line names me).
    let code = app.invite(&leader, "dichte-kring", "member", 1).await;
    let membership = app
        .joined(
            &me,
            "dichte-kring",
            json!({"display_name": "Dicht_Ik", "invite_code": code}),
        )
        .await;
    // The forum: a topic of my own, a reply (with a content warning) in the leader's topic,
    // a report of the leader's post, and a post a leader rejected, with its reason.
    let (welcome, welcome_post) = app
        .published(&leader, "dichte-kring", "Welkom", "Fijn dat je er bent.")
        .await;
    let (own_topic, _) = app
        .published(
            &me,
            "dichte-kring",
            "Mijn eigen onderwerp",
            "Mijn eerste bericht",
        )
        .await;
    let replied = app
        .reply_with(
            Some(&me),
            &welcome,
            json!({"body": "Mijn antwoord aan de leider", "content_warning": "verdriet"}),
        )
        .await;
    app.written(replied, false).await;
    let reported = app.report(Some(&me), &welcome_post, "hurtful").await;
    assert_eq!(reported.status(), 201);
    app.premoderate(
        &leader,
        "dichte-kring",
        json!({"mode": "all", "first_posts": 1, "hold_guest_posts": true}),
    )
    .await;
    let held = app
        .reply(Some(&me), &own_topic, "Mijn geweigerde bericht")
        .await;
    let (_, held) = app.written(held, true).await;
    let rejected = app
        .review(
            &leader,
            &held,
            json!({"approve": false, "reason": "Liever niet zo, Dicht_Ik."}),
        )
        .await;
    assert_eq!(rejected.status(), 204);
    // The notice board has no author: its rows are about no one, and never in an export.
    let board = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/groups/dichte-kring/announcements",
            &leader,
            Some(&json!({"title": "Volgende keer", "body": "Dinsdag om acht uur."})),
        )
        .await;
    assert_eq!(board.status(), 201);

    // Chat: a message of mine in a room, a leader's mute of me there, and my presence now
    // (the connection stays open through the export).
    let room = crate::chat::room(&app, &leader, "dichte-kring", json!({"name": "Avond"})).await;
    let mut chatting = crate::chat::Client::join(&app, &room, &me).await;
    let said = chatting
        .say("Mijn chatbericht aan de groep", "mijn-eigen-id")
        .await;
    let room_mute = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/rooms/{room}/participants/{membership}/mute"),
            &leader,
            Some(&json!({"reason": "Even stil in de kamer, Dicht_Ik"})),
        )
        .await;
    assert_eq!(room_mute.status(), 204);
    assert_eq!(chatting.next_of("notice").await["kind"], "muted");

    let muted = app
        .sanction(
            &leader,
            "dichte-kring",
            &membership,
            "mute",
            json!({"reason": "even afkoelen, Dicht_Ik"}),
        )
        .await;
    assert_eq!(muted.status(), 200);
    // A pending request with its introduction, and a declined one with its reason.
    let intro = "Mijn introductie: ik wil graag meedoen.";
    let asked = app
        .join(
            &me,
            "wacht-kring",
            json!({"display_name": "Wacht_Ik", "introduction": intro}),
        )
        .await;
    assert_eq!(asked.status(), 202);
    let asked: Value = app
        .join(
            &me,
            "nee-kring",
            json!({"display_name": "Nee_Ik", "introduction": intro}),
        )
        .await
        .json()
        .await
        .unwrap();
    let request = asked["join_request_id"].as_str().unwrap();
    let declined = app
        .decide(
            &nee_leader,
            request,
            json!({"approve": false, "reason": "Nu even niet, sorry."}),
        )
        .await;
    assert_eq!(declined.status(), 200);

    let account_id = app
        .get("/api/v1/me", &me)
        .await
        .json::<Value>()
        .await
        .unwrap()["account"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let export = app.get("/api/v1/me/export", &me).await;
    assert_eq!(export.status(), 200);
    let export: Value = export.json().await.unwrap();
    let exported = export.to_string();

    // Every row that refers to me or one of my memberships, found through the catalogue.
    let rows = app.db.rows();
    let mut mine: HashSet<String> = HashSet::from([account_id.clone()]);
    for (table, row) in &rows {
        if table == "memberships" && row["account_id"] == account_id.as_str() {
            mine.insert(row["id"].as_str().unwrap().to_string());
        }
    }
    let refers_to_me = |row: &Value| strings(row).iter().any(|(_, v)| mine.contains(v));
    let about_me: Vec<&(String, Value)> = rows.iter().filter(|(_, r)| refers_to_me(r)).collect();
    let tables: HashSet<&str> = about_me.iter().map(|(t, _)| t.as_str()).collect();
    for expected in [
        "accounts",
        "sessions",
        "recovery_codes",
        "memberships",
        "join_requests",
        "modlog",
        "topics",
        "posts",
        "reports",
        "post_rejections",
        "messages",
        "room_sanctions",
        "room_presence",
    ] {
        assert!(tables.contains(expected), "no row about me in {expected}");
    }
    assert!(
        rows.iter().any(|(t, _)| t == "announcements") && !tables.contains("announcements"),
        "the notice board is in the catalogue, and about no one"
    );
    let mut missing = vec![];
    for (table, row) in &about_me {
        for (column, value) in strings(row) {
            let withheld = NOT_EXPORTED.contains(&(table.as_str(), column.as_str()));
            if !withheld && !exported.contains(&value) {
                missing.push(format!("{table}.{column} = {value:?}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "stored about me but not in my export: {missing:?}\n{export:#}"
    );
    // My chat, under `chat`: the message, the mute in the room, the room I am in.
    assert_eq!(
        export["chat"]["messages"][0]["id"], said["id"],
        "{export:#}"
    );
    assert_eq!(export["chat"]["room_sanctions"][0]["kind"], "mute");
    assert_eq!(export["chat"]["present_in"], json!([room]));
    // And the export shows nothing of anyone else: not the leader's names.
    assert!(!exported.contains("Poortwachter") && !exported.contains("\"Leider\""));

    // Erasure: afterwards no row refers to me, and nothing I wrote or was called remains.
    let texts: Vec<String> = about_me
        .iter()
        .flat_map(|(table, row)| {
            strings(row)
                .into_iter()
                .filter(|(c, _)| {
                    !NOT_EXPORTED.contains(&(table.as_str(), c.as_str()))
                        && !OTHERS_CONTENT.contains(&(table.as_str(), c.as_str()))
                        && ![
                            "role",
                            "state",
                            "action",
                            "created_on",
                            "last_seen_on",
                            "requested_on",
                        ]
                        .contains(&c.as_str())
                })
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
        })
        .filter(|v| v.len() >= 6)
        .collect();
    let erased = app
        .api
        .delete(app.url("/api/v1/me"))
        .bearer_auth(&me)
        .header("x-forwarded-for", unique_source())
        .json(&json!({"password": PASSWORD, "posts": "delete"}))
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 204);
    let after = app.db.rows();
    let mut left = vec![];
    for (table, row) in &after {
        for (column, value) in strings(row) {
            if mine.contains(&value) || texts.iter().any(|t| value.contains(t.as_str())) {
                left.push(format!("{table}.{column} = {value:?}"));
            }
        }
    }
    assert!(left.is_empty(), "left after erasure: {left:?}");
    // The log still says what happened, without naming anyone.
    let log: Value = app
        .get("/api/v1/groups/dichte-kring/modlog", &leader)
        .await
        .json()
        .await
        .unwrap();
    let muted_line = log
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["action"] == "member_muted")
        .expect("the line stays");
    assert!(muted_line.get("target").is_none() && muted_line.get("reason").is_none());
}

async fn old_moderation_log_lines_and_ended_sanctions_are_purged(app: TestApp) {
    use kring::db::schema::{memberships, modlog};
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "log-kring", "registered", None, true).await;
    let leader = app.leader(&sp, "log-kring", "Leider").await;
    let (_, member) = app.member().await;
    let id = app
        .joined(&member, "log-kring", json!({"display_name": "Lid"}))
        .await;
    let until = kring::time::rfc3339(kring::time::now() + 3600);
    let banned = app
        .sanction(
            &leader,
            "log-kring",
            &id,
            "ban",
            json!({"reason": "een uur afstand", "until": until}),
        )
        .await;
    assert_eq!(banned.status(), 200);
    let settings = test_settings(&app.db);
    let (report, ban, lines) = tokio::task::spawn_blocking(move || {
        let db = kring::db::Db::connect(&settings.database).unwrap();
        let mut conn = db.get_blocking().unwrap();
        // The ban's hour is over, and every log line is older than the retention.
        diesel::update(memberships::table.find(&id))
            .set(memberships::banned_until.eq(Some(kring::time::now() - 1)))
            .execute(&mut *conn)
            .unwrap();
        let old = kring::time::days_ago(settings.retention.modlog_days + 1);
        diesel::update(modlog::table)
            .set(modlog::created_on.eq(old))
            .execute(&mut *conn)
            .unwrap();
        drop(conn);
        let report = kring::retention::purge_blocking(&db, &settings).unwrap();
        let mut conn = db.get_blocking().unwrap();
        let ban: (Option<i64>, Option<String>) = memberships::table
            .find(&id)
            .select((memberships::banned_until, memberships::ban_reason))
            .first(&mut *conn)
            .unwrap();
        let lines: i64 = modlog::table.count().get_result(&mut *conn).unwrap();
        (report, ban, lines)
    })
    .await
    .unwrap();
    assert!(report.ran);
    assert_eq!(report.ended_sanctions, 1);
    assert!(report.modlog_lines >= 2, "{report:?}");
    assert_eq!(
        ban,
        (None, None),
        "an ended ban keeps neither its end nor its reason"
    );
    assert_eq!(lines, 0);
    // The privacy page states the log's retention from the configuration.
    let privacy = app
        .api
        .get(app.url("/privacy"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(privacy.contains("90"), "{privacy}");
}
