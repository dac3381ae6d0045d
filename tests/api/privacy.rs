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
    assert!(stored_text.contains(LOGIN), "the login name is stored");
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
    ] {
        assert!(
            !stored_text.contains(planted),
            "{what} found in the {backend:?} database"
        );
        assert!(!log.contains(planted), "{what} found in the log:\n{log}");
    }
    assert!(!log.contains(LOGIN), "login name found in the log:\n{log}");
}

#[tokio::test]
async fn nothing_planted_is_stored_or_logged_on_sqlite() {
    probe(Backend::Sqlite).await;
}

#[tokio::test]
async fn nothing_planted_is_stored_or_logged_on_postgres() {
    probe(Backend::Postgres).await;
}
