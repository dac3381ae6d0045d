//! The `kring` binary: zero-config start, backend choice, migrate, purge, create-admin, the
//! memory it keeps after logins.

use diesel::prelude::*;

use crate::helpers::{Backend, PASSWORD, ServerProcess, TestDatabase, run_kring};

#[tokio::test]
async fn starts_with_no_config_on_sqlite_under_data() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[], &["serve", "--bind", "127.0.0.1:0"]);
    let health = reqwest::get(format!("{}/readyz", server.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let home = reqwest::get(format!("{}/", server.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Welkom bij Kring"));
    let log = server.stop();
    assert!(dir.path().join("data/kring.db").exists(), "{log}");
    assert!(log.contains("created the default steunpunt"), "{log}");
}

/// Each login's argon2 block (19 MiB) goes back to the OS after its hash: glibc kept them in
/// its arenas (see `src/main.rs`), and a few logins left 55-75 MiB behind.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn logins_give_the_memory_of_their_hash_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(
        dir.path(),
        &[("KRING_LIMITS__SCALE", "1000")],
        &["serve", "--bind", "127.0.0.1:0"],
    );
    let resident_anon_kib = || {
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("RssAnon:"))
            .and_then(|value| value.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap()
    };
    let http = reqwest::Client::new();
    let credentials = serde_json::json!({"login": "geheugen", "password": PASSWORD});
    let post = |path: &str| {
        http.post(format!("{}{path}", server.address))
            .json(&credentials)
            .send()
    };
    assert_eq!(post("/api/v1/accounts").await.unwrap().status(), 201);
    assert_eq!(post("/api/v1/sessions").await.unwrap().status(), 201);
    let before = resident_anon_kib();
    for _ in 0..6 {
        let logins: Vec<_> = (0..4)
            .map(|_| tokio::spawn(post("/api/v1/sessions")))
            .collect();
        for login in logins {
            assert_eq!(login.await.unwrap().unwrap().status(), 201);
        }
    }
    let after = resident_anon_kib();
    let log = server.stop();
    assert!(
        after < before + 10 * 1024,
        "24 logins grew the resident memory from {before} KiB to {after} KiB\n{log}"
    );
}

#[test]
fn an_unknown_database_scheme_stops_kring_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "mysql://root@localhost/kring",
        "postgress://typo@localhost/kring",
        "kring.db",
    ] {
        let (ok, output) = run_kring(
            dir.path(),
            &[("KRING_DATABASE__URL", url)],
            &["serve", "--bind", "127.0.0.1:0"],
            "",
        );
        assert!(!ok, "{url}: {output}");
        assert!(
            output.contains("database.url must start with sqlite:// or postgres://"),
            "{url}: {output}"
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no stray SQLite file"
    );
}

#[test]
fn bad_arguments_and_config_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, output) = run_kring(dir.path(), &[], &["serve", "--bind", "nowhere"], "");
    assert!(
        !ok && output.contains("--bind must be ADDR:PORT"),
        "{output}"
    );
    let (ok, output) = run_kring(
        dir.path(),
        &[("KRING_PASSWORDS__MEMORY_KIB", "64")],
        &["migrate"],
        "",
    );
    assert!(!ok && output.contains("OWASP"), "{output}");
}

fn migrate_purge_and_create_admin(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let env = [("KRING_DATABASE__URL", db.url.as_str())];
    let (ok, output) = run_kring(db.dir.path(), &env, &["migrate"], "");
    assert!(ok && output.contains("migrations applied"), "{output}");
    let (ok, output) = run_kring(db.dir.path(), &env, &["migrate"], "");
    assert!(ok, "migrating twice is fine: {output}");

    let (ok, output) = run_kring(
        db.dir.path(),
        &env,
        &["admin", "create-admin", "Beheer"],
        "een sterk beheerderswachtwoord\n",
    );
    assert!(ok, "{output}");
    let codes = output
        .lines()
        .filter(|l| l.trim().len() == 19 && l.trim().contains('-'));
    assert_eq!(codes.count(), 8, "{output}");
    let (ok, output) = run_kring(
        db.dir.path(),
        &env,
        &["admin", "create-admin", "x"],
        "een sterk beheerderswachtwoord\n",
    );
    assert!(!ok && output.contains("login_name_length"), "{output}");

    // `kring` ran in the database's folder, so it made the key there.
    let (stored, role) = the_only_account(&db);
    assert_eq!(stored, db.login_hash("beheer"));
    assert_eq!(role, "instance_admin");

    let (ok, output) = run_kring(db.dir.path(), &env, &["purge"], "");
    assert!(
        ok && output.contains("purged 0 expired sessions")
            && output.contains("0 forum posts, 0 chat messages"),
        "{output}"
    );
}

/// Runs `work` on a connection to `db` (either backend).
fn on<T>(db: &TestDatabase, work: impl FnOnce(&mut kring::db::DbConnection) -> T) -> T {
    let settings = kring::configuration::Settings::for_tests(&db.url);
    let pool = kring::db::Db::connect(&settings.database).unwrap();
    work(&mut pool.get_blocking().unwrap())
}

/// (login_hash, role) of the one account in `db`.
fn the_only_account(db: &TestDatabase) -> (String, String) {
    use kring::db::schema::accounts;
    on(db, |conn| {
        accounts::table
            .select((accounts::login_hash, accounts::role))
            .first(conn)
            .unwrap()
    })
}

fn store_login_as_typed(db: &TestDatabase, login: &str) {
    use kring::db::schema::accounts;
    let n = on(db, |conn| {
        diesel::update(accounts::table)
            .set(accounts::login_hash.eq(login))
            .execute(conn)
            .unwrap()
    });
    assert_eq!(n, 1);
}

/// An account stored before login names were hashed (its name as typed, and no key file
/// yet) is brought under a new key at the next start; once accounts are stored under a key,
/// Kring will not start without that key file, and never makes a new one in its place.
fn login_names_from_before_the_key_are_hashed_and_a_lost_key_stops_kring(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let env = [("KRING_DATABASE__URL", db.url.as_str())];
    let (ok, output) = run_kring(
        db.dir.path(),
        &env,
        &["admin", "create-admin", "beheer"],
        "een sterk beheerderswachtwoord\n",
    );
    assert!(ok, "{output}");
    let key_file = db.login_key_path();
    std::fs::remove_file(&key_file).unwrap();
    store_login_as_typed(&db, "beheer");

    let (ok, output) = run_kring(db.dir.path(), &env, &["purge"], "");
    assert!(ok, "{output}");
    assert!(
        !output.contains("beheer"),
        "the name is never logged: {output}"
    );
    assert!(key_file.exists(), "a fresh key was made");
    assert_eq!(the_only_account(&db).0, db.login_hash("beheer"));

    std::fs::remove_file(&key_file).unwrap();
    let (ok, output) = run_kring(db.dir.path(), &env, &["purge"], "");
    assert!(
        !ok && output.contains("login key file") && output.contains("missing"),
        "{output}"
    );
    assert!(!key_file.exists(), "no new key stands in for the lost one");
}

#[test]
fn login_names_from_before_the_key_are_hashed_on_sqlite() {
    login_names_from_before_the_key_are_hashed_and_a_lost_key_stops_kring(Backend::Sqlite);
}

#[test]
fn login_names_from_before_the_key_are_hashed_on_postgres() {
    login_names_from_before_the_key_are_hashed_and_a_lost_key_stops_kring(Backend::Postgres);
}

#[test]
fn migrate_purge_and_create_admin_on_sqlite() {
    migrate_purge_and_create_admin(Backend::Sqlite);
}

#[test]
fn migrate_purge_and_create_admin_on_postgres() {
    migrate_purge_and_create_admin(Backend::Postgres);
}
