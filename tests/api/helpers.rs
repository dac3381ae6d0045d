//! Test harness: the real server on port 0, against a fresh SQLite file or a fresh
//! PostgreSQL database, driven over HTTP.

use std::io::Write;
use std::sync::OnceLock;

use diesel::prelude::*;
use kring::configuration::Settings;
use kring::startup::Application;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

pub const PASSWORD: &str = "paard batterij nietje";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(app: TestApp)` on SQLite and on PostgreSQL; with
/// `settings = f;` first, each app's settings are changed by `f(&mut Settings)`.
#[macro_export]
macro_rules! backend_tests {
    (settings = $tweak:ident; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::helpers::spawn_app_with(
                        $crate::helpers::Backend::Sqlite,
                        super::$tweak,
                    )
                    .await;
                    super::$name(app.expect("SQLite is always there")).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::helpers::spawn_app_with(
                        $crate::helpers::Backend::Postgres,
                        super::$tweak,
                    )
                    .await
                    {
                        super::$name(app).await
                    }
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await;
                    super::$name(app.expect("SQLite is always there")).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) =
                        $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await
                    {
                        super::$name(app).await
                    }
                }
            )*
        }
    };
}

/// The PostgreSQL server to make test databases on, if one answers. In CI (`CI=true`) a
/// missing server fails the run; elsewhere the PostgreSQL runs are skipped, said plainly.
pub fn postgres_admin_url() -> Option<String> {
    static CHECKED: OnceLock<Option<String>> = OnceLock::new();
    CHECKED
        .get_or_init(|| {
            let url = std::env::var("KRING_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            match PgConnection::establish(&url) {
                Ok(_) => Some(url),
                Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                    panic!("CI=true: PostgreSQL is required at {url}, but: {e}")
                }
                Err(e) => {
                    // Written past the test harness's capture, so it shows.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\nNOTE: PostgreSQL is not reachable at {url} ({e}).\n      \
                         The PostgreSQL runs of the tests are SKIPPED; only SQLite was tested.\n"
                    );
                    None
                }
            }
        })
        .clone()
}

/// A fresh, empty database; dropped (PostgreSQL) or deleted (SQLite) afterwards.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pg_drop: Option<(String, String)>,
}

impl TestDatabase {
    pub fn new(backend: Backend) -> Option<TestDatabase> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Some(TestDatabase {
                url: format!("sqlite://{}", dir.path().join("kring.db").display()),
                backend,
                dir,
                pg_drop: None,
            }),
            Backend::Postgres => {
                let admin = postgres_admin_url()?;
                let name = format!(
                    "kring_test_{}",
                    kring::secrets::new_token()[..16].to_lowercase()
                )
                .replace('-', "_");
                let mut conn = PgConnection::establish(&admin).expect("connect to PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .expect("create test database");
                let (base, _) = admin.rsplit_once('/').expect("admin URL has a database");
                Some(TestDatabase {
                    url: format!("{base}/{name}"),
                    backend,
                    dir,
                    pg_drop: Some((admin, name)),
                })
            }
        }
    }

    /// The login key the app and every `kring` process started in [`TestDatabase::dir`] use
    /// (the default `data/login.key`, relative to that folder).
    pub fn login_key_path(&self) -> std::path::PathBuf {
        self.dir.path().join("data").join("login.key")
    }

    /// How a login name is stored in this database.
    pub fn login_hash(&self, login: &str) -> String {
        let key = kring::names::check(login).expect("a valid login name").key;
        kring::accounts::login_key::LoginKey::read(&self.login_key_path())
            .expect("the app made the login key")
            .hash(&key)
    }

    /// What the database's files hold (SQLite: every byte of the database and its `-wal`
    /// and `-shm`), or what a backup of it would (PostgreSQL: `pg_dump`), to search for
    /// what must not be stored.
    pub fn dump(&self) -> Vec<u8> {
        match self.backend {
            Backend::Sqlite => {
                let mut bytes = vec![];
                for entry in std::fs::read_dir(self.dir.path()).unwrap() {
                    let path = entry.unwrap().path();
                    if path.to_string_lossy().contains("kring.db") {
                        bytes.extend(std::fs::read(&path).unwrap());
                    }
                }
                bytes
            }
            Backend::Postgres => {
                // What a backup of the database would hold: `pg_dump`, as an operator runs it.
                let out = std::process::Command::new("pg_dump")
                    .args(["--no-owner", "--dbname", &self.url])
                    .output()
                    .expect("pg_dump runs (postgresql-client)");
                assert!(
                    out.status.success(),
                    "pg_dump: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            }
        }
    }
}

impl TestDatabase {
    /// Every row of every table, as (table, the row as a JSON object), read from the
    /// database's own catalogue: a table added later is included without a change here.
    pub fn rows(&self) -> Vec<(String, Value)> {
        #[derive(QueryableByName)]
        struct Text {
            #[diesel(sql_type = diesel::sql_types::Text)]
            text: String,
        }
        let mut out = vec![];
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let mut conn = SqliteConnection::establish(path).unwrap();
                let tables: Vec<Text> = diesel::sql_query(
                    "SELECT name AS text FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
                )
                .load(&mut conn)
                .unwrap();
                for table in tables {
                    let columns: Vec<Text> = diesel::sql_query(format!(
                        "SELECT name AS text FROM pragma_table_info('{}')",
                        table.text
                    ))
                    .load(&mut conn)
                    .unwrap();
                    let pairs: Vec<String> = columns
                        .iter()
                        .map(|c| format!("'{0}', \"{0}\"", c.text))
                        .collect();
                    let rows: Vec<Text> = diesel::sql_query(format!(
                        "SELECT json_object({}) AS text FROM \"{}\"",
                        pairs.join(", "),
                        table.text
                    ))
                    .load(&mut conn)
                    .unwrap();
                    for row in rows {
                        out.push((table.text.clone(), serde_json::from_str(&row.text).unwrap()));
                    }
                }
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url).unwrap();
                let tables: Vec<Text> = diesel::sql_query(
                    "SELECT table_name::text AS text FROM information_schema.tables \
                     WHERE table_schema = 'public' \
                     AND table_name <> '__diesel_schema_migrations'",
                )
                .load(&mut conn)
                .unwrap();
                for table in tables {
                    let rows: Vec<Text> = diesel::sql_query(format!(
                        "SELECT row_to_json(t)::text AS text FROM \"{}\" t",
                        table.text
                    ))
                    .load(&mut conn)
                    .unwrap();
                    for row in rows {
                        out.push((table.text.clone(), serde_json::from_str(&row.text).unwrap()));
                    }
                }
            }
        }
        out
    }

    /// Runs `statements` in a transaction that holds what a Kring write to `slug` would
    /// hold (SQLite's write lock; PostgreSQL's lock on the group's row) until `release` is
    /// sent; for tests of what happens to a request that arrives meanwhile.
    pub fn hold_write(
        &self,
        slug: &str,
        statements: &str,
    ) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
        use diesel::connection::SimpleConnection;
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (locked, is_locked) = std::sync::mpsc::channel::<()>();
        let (url, backend, slug, statements) = (
            self.url.clone(),
            self.backend,
            slug.to_string(),
            statements.to_string(),
        );
        let handle = std::thread::spawn(move || match backend {
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
                conn.batch_execute("PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE;")
                    .unwrap();
                conn.batch_execute(&statements).unwrap();
                locked.send(()).unwrap();
                wait.recv().unwrap();
                conn.batch_execute("COMMIT;").unwrap();
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&url).unwrap();
                conn.batch_execute(&format!(
                    "BEGIN; SELECT id FROM groups WHERE slug = '{slug}' FOR UPDATE;"
                ))
                .unwrap();
                conn.batch_execute(&statements).unwrap();
                locked.send(()).unwrap();
                wait.recv().unwrap();
                conn.batch_execute("COMMIT;").unwrap();
            }
        });
        is_locked.recv().unwrap();
        (release, handle)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_drop.take()
            && let Ok(mut conn) = PgConnection::establish(&admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// A client without cookies, for the API with bearer tokens.
    pub api: reqwest::Client,
    pub db: TestDatabase,
    /// The in-process server; `None` for a server running elsewhere ([`TestApp::external`]).
    handle: Option<actix_web::dev::ServerHandle>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends the rest with the test.
        if let Some(handle) = self.handle.take() {
            drop(handle.stop(false));
        }
    }
}

impl TestApp {
    /// The helpers for a server running elsewhere (a [`ServerProcess`] at `address`) on `db`.
    pub fn external(address: &str, db: TestDatabase) -> TestApp {
        TestApp {
            address: address.to_string(),
            api: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db,
            handle: None,
        }
    }
}

pub fn test_settings(db: &TestDatabase) -> Settings {
    let mut settings = Settings::for_tests(&db.url);
    if std::env::var("TEST_LOG").is_ok() {
        kring::telemetry::init(&settings.log);
    }
    settings.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    // Where `kring` started in the database's folder keeps it too, so a process run there
    // beside the in-process app (`kring purge`, a second server) shares the key.
    settings.accounts.login_key_path = db.login_key_path();
    settings
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(
    backend: Backend,
    tweak: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let db = TestDatabase::new(backend)?;
    let mut settings = test_settings(&db);
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("the app builds");
    let port = app.port();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        address: format!("http://127.0.0.1:{port}"),
        api: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db,
        handle: Some(handle),
    })
}

/// Each test uses its own source address (through the trusted proxy), so rate limits of one
/// test never touch another.
pub fn unique_source() -> String {
    let bytes = kring::secrets::new_token().into_bytes();
    format!("198.18.{}.{}", bytes[0], bytes[1])
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A client that keeps cookies and sends Kring's own Origin, like a browser on its pages.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_str(&self.address).unwrap());
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_str(&unique_source()).unwrap(),
        );
        reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.api
            .post(self.url(path))
            .header("x-forwarded-for", unique_source())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.api.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.send_json(reqwest::Method::GET, path, token, None)
            .await
    }

    /// Registers `login` with [`PASSWORD`]; returns the recovery codes.
    pub async fn register(&self, login: &str) -> Vec<String> {
        let response = self
            .post_json(
                "/api/v1/accounts",
                &json!({"login": login, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 201, "register {login}");
        let body: Value = response.json().await.unwrap();
        body["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    }

    /// Logs in; returns the bearer token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/sessions",
                &json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(response.status(), 201, "login {login}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    /// Registers and logs in a fresh account; returns (login, token).
    pub async fn member(&self) -> (String, String) {
        let login = format!("lid_{}", &kring::secrets::new_id()[..8]).replace('-', "_");
        self.register(&login).await;
        let token = self.login(&login, PASSWORD).await;
        (login, token)
    }
}

/// Asserts an error answer: status and `{"error": code, "message": ...}`.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status(), status, "expected {status} {code}");
    let body: Value = response.json().await.expect("error body is JSON");
    assert_eq!(body["error"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// The real `kring` binary as a child process, with its log captured.
pub struct ServerProcess {
    child: std::process::Child,
    pub address: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl ServerProcess {
    /// Starts `kring <args>` in `dir` with only `env` set (plus PATH), and waits until it
    /// listens.
    pub fn start(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> ServerProcess {
        use std::io::BufRead;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kring"));
        command
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start kring");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let (log, tx) = (log.clone(), tx.clone());
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    if let Some(rest) = line.split("address=").nth(1) {
                        let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let address = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("kring did not start: {}", log.lock().unwrap()));
        ServerProcess {
            child,
            address: format!("http://{address}"),
            log,
        }
    }

    /// Its process id, to read `/proc/{pid}/status`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops it with SIGTERM (a clean shutdown) and returns everything it logged.
    pub fn stop(mut self) -> String {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(std::time::Duration::from_millis(100));
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServerProcess {
    /// A test that fails midway leaves no server behind (after [`ServerProcess::stop`], the
    /// child is gone already and this does nothing).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `kring <args>` to completion: (success, stdout + stderr).
pub fn run_kring(
    dir: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
    stdin: &str,
) -> (bool, String) {
    use std::io::Write as _;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kring"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("start kring");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// The steunpunt every fresh instance starts with (from config/default.toml).
pub const HOME: &str = "steunpunt";

impl TestApp {
    /// Gives a registered account a role directly in the database (tests only; the product
    /// makes instance admins with `kring admin create-admin` and staff through the API).
    pub async fn set_role(&self, login: &str, role: &str) {
        let (url, login, role) = (self.db.url.clone(), login.to_string(), role.to_string());
        let login_hash = self.db.login_hash(&login);
        tokio::task::spawn_blocking(move || {
            let settings = kring::configuration::Settings::for_tests(&url);
            let db = kring::db::Db::connect(&settings.database).unwrap();
            let mut conn = db.get_blocking().unwrap();
            use kring::db::schema::accounts;
            let n = diesel::update(accounts::table.filter(accounts::login_hash.eq(&login_hash)))
                .set(accounts::role.eq(&role))
                .execute(&mut *conn)
                .unwrap();
            assert_eq!(n, 1, "no account {login}");
        })
        .await
        .unwrap();
    }

    /// A fresh instance admin; returns its token.
    pub async fn instance_admin(&self) -> String {
        let login = format!("beheer_{}", &kring::secrets::new_id()[..6]).replace('-', "_");
        self.register(&login).await;
        self.set_role(&login, "instance_admin").await;
        self.login(&login, PASSWORD).await
    }

    /// A fresh staff account appointed admin of the home steunpunt; returns its token.
    pub async fn steunpunt_admin(&self) -> String {
        let login = format!("staf_{}", &kring::secrets::new_id()[..6]).replace('-', "_");
        self.steunpunt_admin_as(&login).await
    }

    /// Like [`TestApp::steunpunt_admin`], with a chosen login name.
    pub async fn steunpunt_admin_as(&self, login: &str) -> String {
        let admin = self.instance_admin().await;
        let created = self
            .send_json(
                reqwest::Method::POST,
                "/api/v1/staff-accounts",
                &admin,
                Some(&json!({"login": login, "password": PASSWORD})),
            )
            .await;
        assert_eq!(created.status(), 201);
        let appointed = self
            .send_json(
                reqwest::Method::POST,
                &format!("/api/v1/steunpunten/{HOME}/admins"),
                &admin,
                Some(&json!({"login": login})),
            )
            .await;
        assert_eq!(appointed.status(), 201);
        self.login(login, PASSWORD).await
    }

    /// Creates a group as `admin`: `mode` and optional `join_policy`, listed or not.
    pub async fn group(
        &self,
        admin: &str,
        slug: &str,
        mode: &str,
        join_policy: Option<&str>,
        listed: bool,
    ) {
        let response = self
            .send_json(
                reqwest::Method::POST,
                "/api/v1/groups",
                admin,
                Some(&json!({
                    "steunpunt": HOME, "slug": slug, "name": format!("Groep {slug}"),
                    "mode": mode, "join_policy": join_policy, "listed": listed,
                    "theme": "mental_health", "region": "Eindhoven",
                    "description": "Lotgenoten die elkaar steunen.",
                    "meeting_rhythm": "elke tweede dinsdag", "meeting_place": "Buurthuis De Kring",
                    "house_rules": "Wat hier gezegd wordt, blijft hier."
                })),
            )
            .await;
        assert_eq!(
            response.status(),
            201,
            "create {slug}: {}",
            response.text().await.unwrap()
        );
    }

    /// Joins `slug` with `body` (house rules accepted); returns the response.
    pub async fn join(&self, token: &str, slug: &str, body: Value) -> reqwest::Response {
        let mut body = body;
        if body.get("accept_house_rules").is_none() {
            body["accept_house_rules"] = json!(true);
        }
        self.api
            .post(self.url(&format!("/api/v1/groups/{slug}/members")))
            .bearer_auth(token)
            .header("x-forwarded-for", unique_source())
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A leader for `slug`, appointed through a leader invite by `admin`; returns its token.
    pub async fn leader(&self, admin: &str, slug: &str, display_name: &str) -> String {
        let code = self.invite(admin, slug, "leader", 1).await;
        let (_, token) = self.member().await;
        let joined = self
            .join(
                &token,
                slug,
                json!({"display_name": display_name, "invite_code": code}),
            )
            .await;
        assert_eq!(joined.status(), 201, "{}", joined.text().await.unwrap());
        token
    }

    /// Joins `slug` straight away as a member (201); returns the membership's id.
    pub async fn joined(&self, token: &str, slug: &str, body: Value) -> String {
        let response = self.join(token, slug, body).await;
        assert_eq!(response.status(), 201, "join {slug}");
        let body: Value = response.json().await.unwrap();
        body["membership"]["id"].as_str().unwrap().to_string()
    }

    /// A leader bans or mutes (`what`) the membership `id` in `slug`, for good.
    pub async fn sanction(
        &self,
        leader: &str,
        slug: &str,
        id: &str,
        what: &str,
        body: Value,
    ) -> reqwest::Response {
        self.send_json(
            reqwest::Method::POST,
            &format!("/api/v1/groups/{slug}/members/{id}/{what}"),
            leader,
            Some(&body),
        )
        .await
    }

    /// `token` decides the join request `id` with `body` (`{"approve": ..., "reason": ...}`).
    pub async fn decide(&self, token: &str, id: &str, body: Value) -> reqwest::Response {
        self.send_json(
            reqwest::Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            token,
            Some(&body),
        )
        .await
    }

    /// Makes an invite code for `slug`; returns the code.
    pub async fn invite(&self, token: &str, slug: &str, role: &str, max_uses: i32) -> String {
        let response = self
            .send_json(
                reqwest::Method::POST,
                &format!("/api/v1/groups/{slug}/invites"),
                token,
                Some(&json!({"role": role, "max_uses": max_uses, "expires_in_days": 7})),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let body: Value = response.json().await.unwrap();
        body["code"].as_str().unwrap().to_string()
    }
}

impl TestDatabase {
    /// Every row of `table`, as JSON objects (see [`TestDatabase::rows`]).
    pub fn rows_in(&self, table: &str) -> Vec<Value> {
        self.rows()
            .into_iter()
            .filter(|(t, _)| t == table)
            .map(|(_, row)| row)
            .collect()
    }
}

/// The forum, driven as a client would drive it. `None` as a token is a guest.
impl TestApp {
    /// `method path` as `token` (or a guest), from a source address of its own.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self
            .api
            .request(method, self.url(path))
            .header("x-forwarded-for", unique_source());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    /// `GET path` as `token` (or a guest).
    pub async fn read(&self, token: Option<&str>, path: &str) -> reqwest::Response {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// `GET path` as `token`, which must answer 200; its JSON body.
    pub async fn read_ok(&self, token: Option<&str>, path: &str) -> Value {
        let response = self.read(token, path).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Opens a topic in `slug` with `title` and `body`.
    pub async fn topic(
        &self,
        token: Option<&str>,
        slug: &str,
        title: &str,
        body: &str,
    ) -> reqwest::Response {
        self.topic_with(token, slug, json!({"title": title, "body": body}))
            .await
    }

    /// Opens a topic in `slug` with the whole request `body`.
    pub async fn topic_with(
        &self,
        token: Option<&str>,
        slug: &str,
        body: Value,
    ) -> reqwest::Response {
        let path = format!("/api/v1/groups/{slug}/topics");
        self.call(reqwest::Method::POST, &path, token, Some(&body))
            .await
    }

    /// Replies `body` in topic `topic_id`.
    pub async fn reply(
        &self,
        token: Option<&str>,
        topic_id: &str,
        body: &str,
    ) -> reqwest::Response {
        self.reply_with(token, topic_id, json!({"body": body}))
            .await
    }

    /// Replies in topic `topic_id` with the whole request `body`.
    pub async fn reply_with(
        &self,
        token: Option<&str>,
        topic_id: &str,
        body: Value,
    ) -> reqwest::Response {
        let path = format!("/api/v1/topics/{topic_id}/posts");
        self.call(reqwest::Method::POST, &path, token, Some(&body))
            .await
    }

    /// A write that must be published (201) or held (202, `held`): (topic id, post id).
    pub async fn written(&self, response: reqwest::Response, held: bool) -> (String, String) {
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, if held { 202 } else { 201 }, "{body}");
        assert_eq!(body["held"], held, "{body}");
        (
            body["topic_id"].as_str().unwrap().to_string(),
            body["post_id"].as_str().unwrap().to_string(),
        )
    }

    /// Opens a topic that is published at once (201): (topic id, post id).
    pub async fn published(
        &self,
        token: &str,
        slug: &str,
        title: &str,
        body: &str,
    ) -> (String, String) {
        let response = self.topic(Some(token), slug, title, body).await;
        self.written(response, false).await
    }

    /// Replies, published at once (201); the post's id.
    pub async fn replied(&self, token: &str, topic_id: &str, body: &str) -> String {
        let response = self.reply(Some(token), topic_id, body).await;
        self.written(response, false).await.1
    }

    /// The topic list of `slug` as `token` sees it (must be 200).
    pub async fn topics(&self, token: Option<&str>, slug: &str) -> Value {
        self.read_ok(token, &format!("/api/v1/groups/{slug}/topics"))
            .await
    }

    /// A topic's page as `token` sees it (must be 200).
    pub async fn topic_page(&self, token: Option<&str>, topic_id: &str) -> Value {
        self.read_ok(token, &format!("/api/v1/topics/{topic_id}"))
            .await
    }

    /// A leader sets the group's pre-moderation (must be 200).
    pub async fn premoderate(&self, leader: &str, slug: &str, settings: Value) {
        let response = self
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/groups/{slug}/premoderation"),
                Some(leader),
                Some(&settings),
            )
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    /// A leader approves or rejects the held post `post_id` (`{"approve":..,"reason"?}`).
    pub async fn review(&self, leader: &str, post_id: &str, body: Value) -> reqwest::Response {
        let path = format!("/api/v1/posts/{post_id}/review");
        self.call(reqwest::Method::POST, &path, Some(leader), Some(&body))
            .await
    }

    /// `token` reports the post `post_id` for `reason`.
    pub async fn report(
        &self,
        token: Option<&str>,
        post_id: &str,
        reason: &str,
    ) -> reqwest::Response {
        let path = format!("/api/v1/posts/{post_id}/reports");
        let body = json!({"reason": reason, "note": "voor de leiders"});
        self.call(reqwest::Method::POST, &path, token, Some(&body))
            .await
    }

    /// Folds SQLite's write-ahead log into the file and truncates it (a no-op on
    /// PostgreSQL), so [`TestDatabase::dump`] sees what a deletion left behind.
    pub async fn checkpoint(&self) {
        let url = self.db.url.clone();
        tokio::task::spawn_blocking(move || {
            let settings = kring::configuration::Settings::for_tests(&url);
            let db = kring::db::Db::connect(&settings.database).unwrap();
            db.checkpoint_blocking().unwrap();
        })
        .await
        .unwrap();
    }
}

/// A weekday (Dutch, as a leader types it) three days from today in Amsterdam: a room that
/// meets then is closed now, whenever the test runs.
pub fn another_day() -> &'static str {
    let today = jiff::Zoned::now()
        .in_tz("Europe/Amsterdam")
        .expect("the time zone database is bundled")
        .weekday()
        .to_monday_zero_offset();
    ["ma", "di", "wo", "do", "vr", "za", "zo"][(today as usize + 3) % 7]
}
