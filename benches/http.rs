//! HTTP load benchmark: the real server in-process on 127.0.0.1, driven by concurrent clients
//! for a fixed time per scenario, on a fresh SQLite file and (when one answers) a fresh
//! PostgreSQL database. Production argon2id parameters; rate limits scaled out of the way.
//!
//! `cargo bench --bench http`. `KRING_BENCH_SECONDS` sets the seconds per scenario (default 5);
//! `KRING_BENCH_ONLY=group,me` runs only the scenarios named so (and writes no results);
//! `KRING_BENCH_ONLY=topic` only the topic page against its bare baseline (`http/topic.rs`,
//! which needs `wrk` and `oha` installed, and skips what needs a missing one);
//! `KRING_BENCH_TOPIC_PATH` the topic page's path (default `/t/{id}`, falling back to
//! `/api/v1/topics/{id}` while that answers 404); `KRING_TEST_POSTGRES_URL` the PostgreSQL
//! server (default `postgres://postgres@127.0.0.1:5432/postgres`). Prints markdown tables and
//! writes its sections of `benches/RESULTS.md`, keeping the sections other benches wrote.

use std::fmt::Write as _;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use kring::configuration::Settings;
use kring::startup::Application;
use serde_json::{Value, json};

#[path = "http/topic.rs"]
mod topic;

const CONCURRENCY: usize = 16;
const WORKERS: usize = 2;
const PASSWORD: &str = "paard batterij nietje";
const COMMAND: &str = "cargo bench --bench http";
/// The group the group scenarios read: closed, with the bench account as its leader and a
/// few members.
const GROUP: &str = "bench-groep";

/// A fresh database: a SQLite file in a temp dir, or a PostgreSQL database dropped afterwards.
struct BenchDatabase {
    backend: &'static str,
    url: String,
    dir: tempfile::TempDir,
    pg_drop: Option<(String, String)>,
}

impl BenchDatabase {
    fn sqlite() -> BenchDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        BenchDatabase {
            backend: "SQLite",
            url: format!("sqlite://{}", dir.path().join("kring.db").display()),
            dir,
            pg_drop: None,
        }
    }

    fn postgres() -> Result<BenchDatabase, String> {
        let admin = std::env::var("KRING_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut conn = PgConnection::establish(&admin).map_err(|e| format!("{admin}: {e}"))?;
        let name = format!(
            "kring_bench_{}",
            kring::secrets::new_token()[..16].to_lowercase()
        )
        .replace('-', "_");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .map_err(|e| format!("CREATE DATABASE: {e}"))?;
        let (base, _) = admin.rsplit_once('/').ok_or("admin URL has no database")?;
        Ok(BenchDatabase {
            backend: "PostgreSQL",
            url: format!("{base}/{name}"),
            dir: tempfile::tempdir().expect("temp dir"),
            pg_drop: Some((admin, name)),
        })
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_drop.take()
            && let Ok(mut conn) = PgConnection::establish(&admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// The figures of one scenario.
struct Outcome {
    name: &'static str,
    requests: usize,
    elapsed: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
    non_2xx: usize,
    transport_errors: usize,
}

impl Outcome {
    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        // Nearest rank.
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// One table row; `baseline` is the bare baseline's rate in the same run.
    fn row(&self, baseline: f64) -> String {
        let ms = |d: Duration| format!("{:.2}", d.as_secs_f64() * 1000.0);
        format!(
            "| {} | {} | {:.1} | {:.3} | {} | {} | {} | {} | {} |",
            self.name,
            self.requests,
            self.rate(),
            self.rate() / baseline.max(f64::EPSILON),
            ms(self.percentile(50.0)),
            ms(self.percentile(95.0)),
            ms(self.percentile(99.0)),
            self.non_2xx,
            self.transport_errors,
        )
    }
}

const TABLE_HEAD: &str = "| scenario | requests | req/s | ÷ baseline | p50 ms | p95 ms | p99 ms | non-2xx | transport errors |\n\
                          |---|---:|---:|---:|---:|---:|---:|---:|---:|";

#[derive(Clone, Copy)]
enum Scenario {
    /// The bare baseline: the same server, a handler that does no work (no database, no
    /// template). Every other figure is also given as a ratio to this one, measured in the
    /// same run on the same noisy machine.
    Baseline,
    Home,
    Me,
    GroupPage,
    GroupApi,
    Members,
    Directory,
    Login,
    Register,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Baseline => "GET /healthz (bare baseline)",
            Scenario::Home => "GET / (home page)",
            Scenario::GroupPage => "GET /g/{slug} (group page, leader, bearer)",
            Scenario::GroupApi => "GET /api/v1/groups/{slug} (bearer)",
            Scenario::Members => "GET /api/v1/groups/{slug}/members (bearer)",
            Scenario::Directory => "GET /groepen (directory page, guest)",
            Scenario::Me => "GET /api/v1/me (bearer)",
            Scenario::Login => "POST /api/v1/sessions (login, argon2id)",
            Scenario::Register => "POST /api/v1/accounts (register, argon2id)",
        }
    }
}

struct Target {
    base: String,
    client: reqwest::Client,
    login: String,
    token: String,
    /// Makes registration names unique.
    counter: AtomicU64,
}

impl Target {
    fn request(&self, scenario: Scenario) -> reqwest::RequestBuilder {
        match scenario {
            Scenario::Baseline => self.client.get(format!("{}/healthz", self.base)),
            Scenario::Home => self.client.get(format!("{}/", self.base)),
            Scenario::GroupPage => self
                .client
                .get(format!("{}/g/{GROUP}", self.base))
                .bearer_auth(&self.token),
            Scenario::GroupApi => self
                .client
                .get(format!("{}/api/v1/groups/{GROUP}", self.base))
                .bearer_auth(&self.token),
            Scenario::Members => self
                .client
                .get(format!("{}/api/v1/groups/{GROUP}/members", self.base))
                .bearer_auth(&self.token),
            Scenario::Directory => self.client.get(format!("{}/groepen", self.base)),
            Scenario::Me => self
                .client
                .get(format!("{}/api/v1/me", self.base))
                .bearer_auth(&self.token),
            Scenario::Login => self
                .client
                .post(format!("{}/api/v1/sessions", self.base))
                .json(&json!({"login": self.login, "password": PASSWORD})),
            Scenario::Register => {
                let n = self.counter.fetch_add(1, Ordering::Relaxed);
                self.client
                    .post(format!("{}/api/v1/accounts", self.base))
                    .json(&json!({"login": format!("bench_r{n}"), "password": PASSWORD}))
            }
        }
    }
}

/// `CONCURRENCY` clients, each sending one request after the other until `duration` is up.
async fn run_scenario(target: &Arc<Target>, scenario: Scenario, duration: Duration) -> Outcome {
    // Warm up: one request per client, not counted.
    let warm: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let target = Arc::clone(target);
            tokio::spawn(async move {
                let _ = target.request(scenario).send().await;
            })
        })
        .collect();
    for task in warm {
        let _ = task.await;
    }

    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let target = Arc::clone(target);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let (mut non_2xx, mut transport_errors) = (0, 0);
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    match target.request(scenario).send().await {
                        Ok(response) => {
                            let ok = response.status().is_success();
                            // Read the whole body: it is part of the answer.
                            let body = response.bytes().await;
                            latencies.push(sent.elapsed());
                            if !ok {
                                non_2xx += 1;
                            } else if body.is_err() {
                                transport_errors += 1;
                            }
                        }
                        Err(_) => transport_errors += 1,
                    }
                }
                (latencies, non_2xx, transport_errors)
            })
        })
        .collect();
    let mut outcome = Outcome {
        name: scenario.name(),
        requests: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        non_2xx: 0,
        transport_errors: 0,
    };
    for task in tasks {
        let (latencies, non_2xx, transport_errors) = task.await.expect("client task");
        outcome.latencies.extend(latencies);
        outcome.non_2xx += non_2xx;
        outcome.transport_errors += transport_errors;
    }
    outcome.elapsed = start.elapsed();
    outcome.requests = outcome.latencies.len();
    outcome.latencies.sort_unstable();
    outcome
}

async fn bench_backend(db: &BenchDatabase, duration: Duration) -> Vec<Outcome> {
    let mut settings = Settings::load_from(None, &[]).expect("the embedded defaults are valid");
    settings.database.url = db.url.clone();
    settings.accounts.login_key_path = db.dir.path().join("login.key");
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.workers = WORKERS;
    settings.limits.scale = 100_000.0;
    let app = Application::build(settings).await.expect("the app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let login = "bench_lid".to_string();
    let response = client
        .post(format!("{base}/api/v1/accounts"))
        .json(&json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), 201, "register the bench account");
    let response = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 201, "log in the bench account");
    let body: Value = response.json().await.expect("login answer is JSON");
    let token = body["token"].as_str().expect("a token").to_string();

    setup_group(&client, &base, &db.url, &token).await;

    let target = Arc::new(Target {
        base,
        client,
        login,
        token,
        counter: AtomicU64::new(0),
    });
    let mut outcomes: Vec<Outcome> = Vec::new();
    for scenario in [
        Scenario::Baseline,
        Scenario::Home,
        Scenario::Me,
        Scenario::GroupPage,
        Scenario::GroupApi,
        Scenario::Members,
        Scenario::Directory,
        Scenario::Login,
        Scenario::Register,
    ] {
        // KRING_BENCH_ONLY=group,baseline runs only the scenarios whose names contain one of
        // the words (for profiling one path); the baseline always runs.
        if let Ok(only) = std::env::var("KRING_BENCH_ONLY")
            && !matches!(scenario, Scenario::Baseline)
            && !only
                .split(',')
                .any(|w| scenario.name().to_lowercase().contains(&w.to_lowercase()))
        {
            continue;
        }
        eprintln!("  {} ...", scenario.name());
        let outcome = run_scenario(&target, scenario, duration).await;
        let baseline = outcomes.first().unwrap_or(&outcome).rate();
        eprintln!("  {}", outcome.row(baseline));
        outcomes.push(outcome);
    }

    // Close the client's connections, then stop the server and let it checkpoint.
    drop(target);
    let _ = tokio::time::timeout(Duration::from_secs(15), handle.stop(true)).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), server).await;
    outcomes
}

/// A steunpunt admin (made in the database, as the product makes staff through an instance
/// admin), a closed group with the bench account as its leader, and ten members.
async fn setup_group(client: &reqwest::Client, base: &str, url: &str, leader: &str) {
    let post = async |path: &str, token: Option<&str>, body: Value| {
        let mut request = client.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("setup request");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    };
    let staff = staff_token(client, base, url).await;
    let home = Settings::load_from(None, &[])
        .expect("defaults")
        .steunpunt
        .slug;
    post(
        "/api/v1/groups",
        Some(&staff),
        json!({"steunpunt": home, "slug": GROUP, "name": "Bench groep", "mode": "closed",
               "join_policy": "invite", "listed": true, "theme": "mental_health",
               "house_rules": "**Wat hier gezegd wordt, blijft hier.**"}),
    )
    .await;
    let leader_code = post(
        &format!("/api/v1/groups/{GROUP}/invites"),
        Some(&staff),
        json!({"role": "leader"}),
    )
    .await["code"]
        .as_str()
        .expect("a code")
        .to_string();
    post(
        &format!("/api/v1/groups/{GROUP}/members"),
        Some(leader),
        json!({"display_name": "Leider", "invite_code": leader_code, "accept_house_rules": true}),
    )
    .await;
    let code = post(
        &format!("/api/v1/groups/{GROUP}/invites"),
        Some(leader),
        json!({"role": "member", "max_uses": 10}),
    )
    .await["code"]
        .as_str()
        .expect("a code")
        .to_string();
    for n in 0..10 {
        let login = format!("bench_m{n}");
        post(
            "/api/v1/accounts",
            None,
            json!({"login": login, "password": PASSWORD}),
        )
        .await;
        let token = post(
            "/api/v1/sessions",
            None,
            json!({"login": login, "password": PASSWORD}),
        )
        .await["token"]
            .as_str()
            .expect("token")
            .to_string();
        post(
            &format!("/api/v1/groups/{GROUP}/members"),
            Some(&token),
            json!({"display_name": format!("Lid_{n}"), "invite_code": code,
                   "accept_house_rules": true}),
        )
        .await;
    }
}

/// A steunpunt admin's token: the account registered, made staff in the database (as the
/// product makes staff through an instance admin), appointed, and logged in.
async fn staff_token(client: &reqwest::Client, base: &str, url: &str) -> String {
    let post = async |path: &str, body: Value| {
        let response = client
            .post(format!("{base}{path}"))
            .json(&body)
            .send()
            .await
            .expect("setup request");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    };
    post(
        "/api/v1/accounts",
        json!({"login": "bench_staf", "password": PASSWORD}),
    )
    .await;
    // The database knows the account only by its id (the login name is stored hashed).
    let first = post(
        "/api/v1/sessions",
        json!({"login": "bench_staf", "password": PASSWORD}),
    )
    .await;
    let me: Value = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(first["token"].as_str().expect("a token"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("me as JSON");
    let account = me["account"]["id"].as_str().expect("an id").to_string();
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        use kring::db::schema::{accounts, steunpunt_admins, steunpunten};
        let mut settings = Settings::load_from(None, &[]).expect("defaults");
        settings.database.url = url;
        let db = kring::db::Db::connect(&settings.database).expect("connect");
        let mut conn = db.get_blocking().expect("a connection");
        diesel::update(accounts::table.find(&account))
            .set(accounts::role.eq(kring::policy::AccountRole::Staff))
            .execute(&mut *conn)
            .expect("make staff");
        let steunpunt: String = steunpunten::table
            .select(steunpunten::id)
            .first(&mut *conn)
            .expect("the default steunpunt");
        diesel::insert_into(steunpunt_admins::table)
            .values((
                steunpunt_admins::steunpunt_id.eq(steunpunt),
                steunpunt_admins::account_id.eq(account),
            ))
            .execute(&mut *conn)
            .expect("appoint");
    })
    .await
    .expect("setup thread");
    post(
        "/api/v1/sessions",
        json!({"login": "bench_staf", "password": PASSWORD}),
    )
    .await["token"]
        .as_str()
        .expect("staff token")
        .to_string()
}

fn shell(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    format!(
        "{} CPUs (nproc), {model}, {memory} memory",
        shell("nproc", &[])
    )
}

/// The commit measured, and whether the server's code differs from it.
fn revision() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let commit = shell("git", &["-C", dir, "rev-parse", "--short", "HEAD"]);
    if commit.is_empty() || commit == "unknown" {
        return "unknown (not a git checkout)".into();
    }
    let changes = shell(
        "git",
        &[
            "-C",
            dir,
            "status",
            "--porcelain",
            "--",
            "src",
            "migrations",
            "config",
            "frontend",
        ],
    );
    if changes.is_empty() {
        format!("{commit} (server code as committed)")
    } else {
        format!("{commit} plus uncommitted changes under src/, migrations/, config/ or frontend/")
    }
}

/// How busy the CPUs are before the run (other processes), in percent, over one second.
fn cpu_busy_before() -> String {
    fn sample() -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        // user nice system idle iowait ...
        let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
        Some((fields.iter().sum(), idle))
    }
    let Some((total0, idle0)) = sample() else {
        return "unknown".into();
    };
    std::thread::sleep(Duration::from_secs(1));
    let Some((total1, idle1)) = sample() else {
        return "unknown".into();
    };
    let total = total1.saturating_sub(total0).max(1);
    let busy = total.saturating_sub(idle1.saturating_sub(idle0));
    format!("{:.0} %", busy as f64 * 100.0 / total as f64)
}

/// The words of `KRING_BENCH_ONLY`, lower case; `None` runs everything.
fn only() -> Option<Vec<String>> {
    std::env::var("KRING_BENCH_ONLY")
        .ok()
        .map(|only| only.split(',').map(|w| w.trim().to_lowercase()).collect())
}

const HTTP_HEADING: &str = "## HTTP scenarios (cargo bench --bench http)";
const TOPIC_HEADING: &str = "## Topic page (cargo bench --bench http, KRING_BENCH_ONLY=topic)";

/// Replaces the section under `heading` in RESULTS.md (or adds it), keeping every other
/// `## ` section as it is: other benches write theirs into the same file.
fn write_section(heading: &str, body: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/RESULTS.md");
    let old = std::fs::read_to_string(path).unwrap_or_default();
    // Before sections, the file was this bench's report alone.
    let old = match old.strip_prefix("# HTTP benchmark results\n") {
        Some(rest) if !rest.contains("\n## ") => {
            format!("# Benchmark results\n\n{HTTP_HEADING}\n{rest}")
        }
        _ => old,
    };
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in old.lines() {
        if line.starts_with("## ") || sections.is_empty() {
            let title = if line.starts_with("## ") { line } else { "" };
            sections.push((title.to_string(), String::new()));
            if !title.is_empty() {
                continue;
            }
        }
        let text = &mut sections.last_mut().expect("a section").1;
        text.push_str(line);
        text.push('\n');
    }
    let new = format!("{}\n\n", body.trim());
    match sections.iter_mut().find(|(title, _)| title == heading) {
        Some(section) => section.1 = new,
        None => sections.push((heading.to_string(), new)),
    }
    let mut out = String::new();
    for (title, text) in &sections {
        if title.is_empty() {
            let text = text.trim();
            out.push_str(if text.is_empty() {
                "# Benchmark results"
            } else {
                text
            });
            out.push_str("\n\n");
        } else {
            let _ = write!(out, "{title}\n\n{}", text.trim_start_matches('\n'));
        }
    }
    std::fs::write(path, format!("{}\n", out.trim_end())).expect("write benches/RESULTS.md");
    eprintln!("wrote the section \"{heading}\" of {path}");
}

fn main() {
    let seconds: u64 = std::env::var("KRING_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&s| s > 0)
        .unwrap_or(5);
    let duration = Duration::from_secs(seconds);
    let only = only();
    let run_topic = only.as_ref().is_none_or(|w| w.iter().any(|w| w == "topic"));
    let run_http = only.as_ref().is_none_or(|w| w.iter().any(|w| w != "topic"));
    // Before any connection is made: lets the topic bench see the SQL Kring runs.
    if run_topic {
        topic::install_capture();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    let date = shell("date", &["-u"]);
    let machine = machine();
    let revision = revision();
    let busy_before = cpu_busy_before();
    let mut results: Vec<(&'static str, Vec<Outcome>)> = Vec::new();
    let mut topics: Vec<topic::TopicOutcome> = Vec::new();
    let mut notes = Vec::new();

    let sqlite = BenchDatabase::sqlite();
    if run_http {
        eprintln!("SQLite ({seconds} s per scenario, {CONCURRENCY} clients):");
        results.push((
            sqlite.backend,
            runtime.block_on(bench_backend(&sqlite, duration)),
        ));
    }
    drop(sqlite);
    if run_topic {
        let sqlite = BenchDatabase::sqlite();
        eprintln!("SQLite, topic page ({seconds} s per wrk run):");
        topics.push(runtime.block_on(topic::bench_topic(&sqlite, seconds)));
    }

    match BenchDatabase::postgres() {
        Ok(postgres) => {
            if run_http {
                eprintln!("PostgreSQL ({seconds} s per scenario, {CONCURRENCY} clients):");
                results.push((
                    postgres.backend,
                    runtime.block_on(bench_backend(&postgres, duration)),
                ));
            }
            drop(postgres);
            if run_topic {
                let postgres = BenchDatabase::postgres().expect("PostgreSQL answered just now");
                eprintln!("PostgreSQL, topic page ({seconds} s per wrk run):");
                topics.push(runtime.block_on(topic::bench_topic(&postgres, seconds)));
            }
        }
        Err(e) => {
            let note = format!("PostgreSQL was not reachable ({e}); only SQLite was measured.");
            eprintln!("NOTE: {note}");
            notes.push(note);
        }
    }
    runtime.shutdown_timeout(Duration::from_secs(5));
    let mut tables = String::new();
    for (backend, outcomes) in &results {
        let _ = writeln!(tables, "### {backend}\n\n{TABLE_HEAD}");
        let baseline = outcomes.first().map(Outcome::rate).unwrap_or(1.0);
        for outcome in outcomes {
            let _ = writeln!(tables, "{}", outcome.row(baseline));
        }
        tables.push('\n');
    }
    println!("\n{tables}");

    let mut report = String::new();
    let _ = writeln!(report, "- Date: {date}");
    let _ = writeln!(report, "- Machine: {machine}");
    let _ = writeln!(report, "- Command: `{COMMAND}`");
    let _ = writeln!(report, "- Revision: {revision}");
    let _ = writeln!(
        report,
        "- CPU use by other processes in the second before the run: {busy_before}"
    );
    let _ = writeln!(
        report,
        "- Setup: the real server in-process on 127.0.0.1 (port 0), {WORKERS} HTTP workers, \
         production argon2id parameters (m=19456 KiB, t=2, p=1, at most 2 hashes at once), \
         `limits.scale = 100000` so rate limits stay out of the way, no log subscriber \
         installed. {CONCURRENCY} concurrent clients (one reqwest client, keep-alive) in the same \
         process, so the load generator shares the CPUs with the server. {seconds} s per \
         scenario after one unmeasured warm-up request per client; latency is per request, \
         including reading the body (nearest-rank percentiles). Each backend starts from a \
         fresh, empty database."
    );
    let _ = writeln!(
        report,
        "- Scenarios: GET /healthz is the bare baseline (no database, no template), and \
         \"÷ baseline\" is each scenario's rate divided by the baseline's in the same run; GET / \
         renders the home page template; GET /api/v1/me looks the bearer session up in the \
         database; the group page, the group's API view and its member list (a closed group, \
         the bench account its leader, ten members) look the session up, then gather the \
         group's access facts in one query and read what the page shows, in one trip to the \
         blocking pool; the directory page asks the policy per group; POST /api/v1/sessions \
         logs one account in with the right password (argon2id verify, a new session row); \
         POST /api/v1/accounts registers a new name each time (argon2id hash, account and 8 \
         recovery-code rows)."
    );
    for note in &notes {
        let _ = writeln!(report, "- Note: {note}");
    }
    let _ = writeln!(report, "\n{}", tables.trim_end());
    let failures: usize = results
        .iter()
        .flat_map(|(_, o)| o.iter())
        .map(|o| o.non_2xx + o.transport_errors)
        .sum::<usize>()
        + topics.iter().map(|t| t.failures() as usize).sum::<usize>();
    if failures > 0 {
        // Also what an interrupted run looks like (actix stops the server on Ctrl-C or
        // SIGTERM): keep the last good figures.
        eprintln!(
            "FAILED: {failures} requests got a non-2xx answer or no answer (see the table); \
             benches/RESULTS.md left unchanged"
        );
        std::process::exit(1);
    }
    if run_topic {
        let header = format!(
            "- Date: {date}\n- Machine: {machine}\n- Command: `{COMMAND}` (everything) or \
             `KRING_BENCH_ONLY=topic {COMMAND}` (this section only)\n- Revision: {revision}\n\
             - Load tools: {}\n\
             - CPU use by other processes in the second before the run: {busy_before}\n\
             - Setup: Kring in-process on 127.0.0.1, {WORKERS} HTTP workers, database pool of \
             the default size; the bare baseline on another port of the same process, \
             {WORKERS} HTTP workers, a pool of the same size, blocking threads capped at the \
             pool, SQLite with the same pragmas and query-planner stability on. wrk runs as a \
             separate process on the same {}, no pinning: load tool and servers share the CPUs. \
             Each wrk run is {seconds} s with {CONCURRENCY} connections after a 1 s warm-up of \
             each server; runs go baseline, guest, member, baseline, and the ratio is to the \
             mean of the two baseline runs. The p99 is oha's at 70 % of the guest's wrk rate, \
             open loop (`-q`) with `--latency-correction` (latency counted from when each \
             request was due, so a stall is not hidden by the requests it delayed).\n\
             - Data: a fresh database per backend, an open group (guests' posts not held) with \
             {} topics of {} posts (about 1.2 KB each rendered by `kring::markdown::render`), \
             the measured topic among them; the guest reads it without a session, the member \
             (a member of the group) with a bearer token, so Kring also looks the session up. \
             The baseline answers with Kring's guest answer (status, headers and body).",
            topic::tool_versions(),
            machine.split(',').next().unwrap_or("machine"),
            topic::TOPICS,
            topic::POSTS_PER_TOPIC,
        );
        let section = topic::report(&topics, &header);
        println!("\n{section}");
        write_section(TOPIC_HEADING, &section);
    }
    if only.is_some() {
        if run_http {
            eprintln!(
                "KRING_BENCH_ONLY ran part of the HTTP scenarios: their section of \
                 benches/RESULTS.md left unchanged"
            );
        }
        return;
    }
    write_section(HTTP_HEADING, &report);
}
