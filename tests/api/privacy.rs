//! Privacy, tested: plant an IP address, a user agent, a password and tokens in real
//! requests to the real binary, then search the database (SQLite files including `-wal`,
//! or every PostgreSQL row) and the logs for them.

use serde_json::{Value, json};

use crate::helpers::{Backend, ServerProcess, TestDatabase};

const PLANTED_IP: &str = "203.0.113.77";
const PLANTED_AGENT: &str = "PlantedAgent/9.9 (privacy-probe)";
const LOGIN: &str = "privacy_probe_login";
const PASSWORD: &str = "planted password 4711";

fn client(origin: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", PLANTED_IP.parse().unwrap());
    headers.insert("user-agent", PLANTED_AGENT.parse().unwrap());
    headers.insert("origin", origin.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn probe(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let server = ServerProcess::start(
        db.dir.path(),
        &[
            ("KRING_DATABASE__URL", db.url.as_str()),
            ("KRING_SERVER__TRUSTED_PROXIES", "127.0.0.1"),
            ("RUST_LOG", "debug"),
        ],
        &["serve", "--bind", "127.0.0.1:0"],
    );
    let base = server.address.clone();
    let http = client(&base);
    let url = |p: &str| format!("{base}{p}");

    let registered = http
        .post(url("/api/v1/accounts"))
        .json(&json!({"login": LOGIN, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let codes: Value = registered.json().await.unwrap();
    let code = codes["recovery_codes"][0].as_str().unwrap().to_string();

    let session: Value = http
        .post(url("/api/v1/sessions"))
        .json(&json!({"login": LOGIN, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ended_token = session["token"].as_str().unwrap().to_string();
    assert_eq!(
        http.get(url("/api/v1/me"))
            .bearer_auth(&ended_token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let wrong = http
        .post(url("/api/v1/sessions"))
        .json(&json!({"login": LOGIN, "password": "a wrong planted guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    http.delete(url("/api/v1/sessions/current"))
        .bearer_auth(&ended_token)
        .send()
        .await
        .unwrap();

    // A page login that stays alive: its hash must be stored, its raw token never.
    let page_login = http
        .post(url("/login"))
        .form(&[("login", LOGIN), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(page_login.status(), 303);
    let live_token = page_login
        .cookies()
        .find(|c| c.name() == "kring_session")
        .unwrap()
        .value()
        .to_string();
    assert_eq!(
        http.get(url("/account")).send().await.unwrap().status(),
        200
    );

    let log = server.stop();
    let stored = db.dump();
    let stored_text = String::from_utf8_lossy(&stored);

    // Sanity: we are looking at the real data.
    assert!(
        stored_text.contains(&db.login_hash(LOGIN)),
        "the login name's keyed hash is stored"
    );
    assert!(
        stored_text.contains(&kring::secrets::sha256_hex(&live_token)),
        "the token hash is stored"
    );
    assert!(log.contains("request"), "the request log was captured");

    for (what, planted) in [
        ("IP address", PLANTED_IP),
        ("user agent", PLANTED_AGENT),
        ("password", PASSWORD),
        ("wrong password", "a wrong planted guess"),
        ("live session token", live_token.as_str()),
        ("ended session token", ended_token.as_str()),
        ("recovery code", code.as_str()),
        ("login name", LOGIN),
    ] {
        assert!(
            !stored_text.contains(planted),
            "{what} found in the {backend:?} database"
        );
        assert!(!log.contains(planted), "{what} found in the log:\n{log}");
    }
}

#[tokio::test]
async fn nothing_planted_is_stored_or_logged_on_sqlite() {
    probe(Backend::Sqlite).await;
}

#[tokio::test]
async fn nothing_planted_is_stored_or_logged_on_postgres() {
    probe(Backend::Postgres).await;
}

/// What was deleted is gone from the database files (SQLite: secure_delete and a truncating
/// checkpoint at shutdown; PostgreSQL: gone from every row).
async fn deleted_text_is_gone(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let env = [("KRING_DATABASE__URL", db.url.as_str())];
    let (ok, output) = crate::helpers::run_kring(
        db.dir.path(),
        &env,
        &["admin", "create-admin", "privacy_admin"],
        "een sterk beheerderswachtwoord\n",
    );
    assert!(ok, "{output}");
    let server = ServerProcess::start(db.dir.path(), &env, &["serve", "--bind", "127.0.0.1:0"]);
    let base = server.address.clone();
    let http = reqwest::Client::new();
    let post = async |path: &str, token: Option<&str>, body: Value| {
        let mut request = http.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    };
    let login = async |name: &str, password: &str| -> String {
        let response = post(
            "/api/v1/sessions",
            None,
            json!({"login": name, "password": password}),
        )
        .await;
        response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let admin = login("privacy_admin", "een sterk beheerderswachtwoord").await;
    post(
        "/api/v1/staff-accounts",
        Some(&admin),
        json!({"login": "privacy_staff", "password": PASSWORD}),
    )
    .await;
    post(
        "/api/v1/steunpunten/steunpunt/admins",
        Some(&admin),
        json!({"login": "privacy_staff"}),
    )
    .await;
    let staff = login("privacy_staff", PASSWORD).await;
    let created = post(
        "/api/v1/groups",
        Some(&staff),
        json!({"steunpunt": "steunpunt", "slug": "privacy-groep", "name": "Privacygroep",
            "mode": "closed", "join_policy": "approval", "listed": true, "theme": "addiction"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let invite: Value = post(
        "/api/v1/groups/privacy-groep/invites",
        Some(&staff),
        json!({"role": "leader"}),
    )
    .await
    .json()
    .await
    .unwrap();
    for name in [
        "privacy_leader",
        "privacy_applicant",
        "privacy_leaver",
        "privacy_erased",
        "privacy_writer",
    ] {
        post(
            "/api/v1/accounts",
            None,
            json!({"login": name, "password": PASSWORD}),
        )
        .await;
    }
    let leader = login("privacy_leader", PASSWORD).await;
    let joined = post(
        "/api/v1/groups/privacy-groep/members",
        Some(&leader),
        json!({"display_name": "Leider", "invite_code": invite["code"], "accept_house_rules": true}),
    )
    .await;
    assert_eq!(joined.status(), 201);

    const INTRODUCTION: &str = "PLANTED-INTRODUCTION: ik drink te veel sinds mijn scheiding";
    const ERASED_POST: &str = "PLANTED-ERASED-POST: wat ik schreef voor ik ging";
    const DELETED_POST: &str = "PLANTED-DELETED-POST: toch maar niet";
    const REJECTED_POST: &str = "PLANTED-REJECTED-POST: dit hoort hier niet";
    const EXPIRED_MESSAGE: &str = "PLANTED-EXPIRED-MESSAGE: tot volgende week";
    const REASON: &str = "PLANTED-REASON: deze groep past niet";
    let applicant = login("privacy_applicant", PASSWORD).await;
    post(
        "/api/v1/groups/privacy-groep/members",
        Some(&applicant),
        json!({"display_name": "Aanvrager", "introduction": INTRODUCTION, "accept_house_rules": true}),
    )
    .await;
    let requests: Value = http
        .get(format!("{base}/api/v1/groups/privacy-groep/join-requests"))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = requests[0]["id"].as_str().unwrap();
    post(
        &format!("/api/v1/join-requests/{id}/decision"),
        Some(&leader),
        json!({"approve": false, "reason": REASON}),
    )
    .await;
    let seen: Value = http
        .get(format!("{base}/api/v1/groups/privacy-groep/join-request"))
        .bearer_auth(&applicant)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen["reason"], REASON,
        "the applicant reads the reason once"
    );

    // A member who leaves, and an account that is erased.
    let leaver = login("privacy_leaver", PASSWORD).await;
    let code: Value = post(
        "/api/v1/groups/privacy-groep/invites",
        Some(&leader),
        json!({"max_uses": 3}),
    )
    .await
    .json()
    .await
    .unwrap();
    post(
        "/api/v1/groups/privacy-groep/members",
        Some(&leaver),
        json!({"display_name": "PlantedLeaver", "invite_code": code["code"], "accept_house_rules": true}),
    )
    .await;
    http.delete(format!("{base}/api/v1/groups/privacy-groep/members/me"))
        .bearer_auth(&leaver)
        .send()
        .await
        .unwrap();
    let erased = login("privacy_erased", PASSWORD).await;
    post(
        "/api/v1/groups/privacy-groep/members",
        Some(&erased),
        json!({"display_name": "PlantedErased", "invite_code": code["code"], "accept_house_rules": true}),
    )
    .await;
    // The erased account wrote a topic first; its erasure deletes what it wrote.
    post(
        "/api/v1/groups/privacy-groep/topics",
        Some(&erased),
        json!({"title": "Van mij", "body": ERASED_POST}),
    )
    .await;
    // A leader's own post, deleted by its author.
    let own: Value = post(
        "/api/v1/groups/privacy-groep/topics",
        Some(&leader),
        json!({"title": "Even iets", "body": DELETED_POST}),
    )
    .await
    .json()
    .await
    .unwrap();
    let removed = http
        .delete(format!(
            "{base}/api/v1/posts/{}",
            own["post_id"].as_str().unwrap()
        ))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    // A held post a leader rejects.
    let premoderated = http
        .put(format!("{base}/api/v1/groups/privacy-groep/premoderation"))
        .bearer_auth(&leader)
        .json(&json!({"mode": "all", "first_posts": 1, "hold_guest_posts": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(premoderated.status(), 200);
    let writer = login("privacy_writer", PASSWORD).await;
    post(
        "/api/v1/groups/privacy-groep/members",
        Some(&writer),
        json!({"display_name": "Schrijver", "invite_code": code["code"], "accept_house_rules": true}),
    )
    .await;
    let held: Value = post(
        "/api/v1/groups/privacy-groep/topics",
        Some(&writer),
        json!({"title": "Wacht", "body": REJECTED_POST}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(held["held"], true, "{held}");
    let rejected = post(
        &format!("/api/v1/posts/{}/review", held["post_id"].as_str().unwrap()),
        Some(&leader),
        json!({"approve": false, "reason": "Past hier niet."}),
    )
    .await;
    assert!(rejected.status().is_success(), "{}", rejected.status());
    // A chat message, then its retention runs out (the room keeps messages 1 hour; the
    // message is made two hours old) and `kring purge` runs.
    let room: Value = post(
        "/api/v1/groups/privacy-groep/rooms",
        Some(&leader),
        json!({"name": "Avond", "retention_hours": 1}),
    )
    .await
    .json()
    .await
    .unwrap();
    let room = room["id"].as_str().unwrap().to_string();
    let mut chat = crate::chat::Client::open(&base, &room, &[crate::chat::bearer(&leader)], "")
        .await
        .unwrap();
    let said = chat.say(EXPIRED_MESSAGE, "m-1").await;
    drop(chat);
    let gone = http
        .delete(format!("{base}/api/v1/me"))
        .bearer_auth(&erased)
        .json(&json!({"password": PASSWORD, "posts": "delete"}))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);

    // The chat message's retention runs out, and `kring purge` runs beside the server.
    let id = said["id"].as_str().unwrap().to_string();
    let settings = kring::configuration::Settings::for_tests(&db.url);
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use kring::db::schema::messages;
        let db = kring::db::Db::connect(&settings.database).unwrap();
        diesel::update(messages::table.find(&id))
            .set(messages::sent_at.eq(kring::time::now() - 2 * 3600))
            .execute(&mut *db.get_blocking().unwrap())
            .unwrap();
    })
    .await
    .unwrap();
    let (ok, purged) = crate::helpers::run_kring(db.dir.path(), &env, &["purge"], "");
    assert!(ok, "{purged}");
    // What other members and the public read of the group afterwards: its forum, members,
    // directory entry and pages, and the room's history and page.
    let mut visible = String::new();
    for path in [
        "/api/v1/groups/privacy-groep/topics".to_string(),
        "/api/v1/groups/privacy-groep/members".to_string(),
        "/api/v1/groups/privacy-groep".to_string(),
        "/g/privacy-groep".to_string(),
        "/g/privacy-groep/forum".to_string(),
        format!("/api/v1/rooms/{room}/messages"),
        format!("/c/{room}"),
    ] {
        let response = http
            .get(format!("{base}{path}"))
            .bearer_auth(&writer)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        visible.push_str(&response.text().await.unwrap());
    }
    let log = server.stop();
    let stored = String::from_utf8_lossy(&db.dump()).to_string();
    assert!(
        stored.contains(&db.login_hash("privacy_leader")),
        "sanity: the data is where we look"
    );
    for (what, text) in [
        ("decided introduction", INTRODUCTION),
        ("read decline reason", REASON),
        ("name of a member who left", "PlantedLeaver"),
        ("name of an erased account's membership", "PlantedErased"),
        ("erased account's login name", "privacy_erased"),
        ("a live account's login name", "privacy_writer"),
        ("erased account's post", ERASED_POST),
        ("post deleted by its author", DELETED_POST),
        ("rejected held post", REJECTED_POST),
        ("chat message past its retention", EXPIRED_MESSAGE),
    ] {
        assert!(
            !stored.contains(text),
            "{what} is still in the {backend:?} database"
        );
        assert!(!log.contains(text), "{what} is in the log");
        assert!(!visible.contains(text), "{what} is shown to other members");
        eprintln!("looked for the {what}: gone ({backend:?})");
    }
}

#[tokio::test]
async fn deleted_text_is_gone_on_sqlite() {
    deleted_text_is_gone(Backend::Sqlite).await;
}

#[tokio::test]
async fn deleted_text_is_gone_on_postgres() {
    deleted_text_is_gone(Backend::Postgres).await;
}
