//! The topic page under load, measured with wrk (and oha for the p99 at a fixed rate)
//! against a bare baseline in the same run.
//!
//! Per backend: a fresh database with an open group (guests' posts not held), 30,000 posts
//! of about 1.2 KB rendered across 1,500 topics, and the measured topic with exactly 20
//! posts. Kring serves the page; the bare baseline is a minimal actix-web server in this
//! file (no Kring code: its own r2d2 pool of the same size with the same pragmas) that runs
//! the SQL Kring ran for that page, with the same bound values, reads every column, and
//! answers with the status, headers and body Kring answered with.
//!
//! Needs `wrk` on the PATH (`apt-get install wrk`) and, for the p99 at 70 % of Kring's
//! maximum rate, `oha` (`cargo install oha`); without them the scenarios that need them
//! are skipped with a message.

use std::cell::Cell;
use std::os::raw::{c_char, c_int};
use std::sync::{Mutex, Once};

use actix_web::{HttpResponse, web};
use diesel::backend::Backend;
use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Binary, HasSqlType, Nullable, Text};

use super::*;

/// The page path; `{id}` is the measured topic's id. Overridden by `KRING_BENCH_TOPIC_PATH`.
const PAGE_PATH: &str = "/t/{id}";
/// Where the page's data is served when `PAGE_PATH` is not there (yet).
const API_PATH: &str = "/api/v1/topics/{id}";
const FORUM: &str = "bench-forum";
pub const TOPICS: usize = 1_500;
pub const POSTS_PER_TOPIC: usize = 20;
/// The topic measured: one in the middle of the file, not the newest.
const MEASURED: usize = TOPICS / 2;
const WRK_THREADS: usize = 2;
/// Seconds of the fixed-rate run for the p99.
const RATE_SECONDS: u64 = 10;

/// What one wrk or oha run measured.
#[derive(Clone, Default)]
pub struct LoadRun {
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    pub failures: u64,
}

/// The figures of one backend.
pub struct TopicOutcome {
    pub backend: &'static str,
    pub path: String,
    pub path_note: Option<String>,
    pub page_bytes: (usize, usize),
    pub posts: usize,
    pub average_body: usize,
    pub sql: String,
    pub baseline: Vec<LoadRun>,
    pub guest: Option<LoadRun>,
    pub member: Option<LoadRun>,
    /// The offered rate and what oha measured at it.
    pub at_rate: Option<(f64, LoadRun)>,
    pub notes: Vec<String>,
}

impl TopicOutcome {
    pub fn baseline_rate(&self) -> f64 {
        let rates: Vec<f64> = self.baseline.iter().map(|r| r.rate).collect();
        rates.iter().sum::<f64>() / rates.len().max(1) as f64
    }

    pub fn failures(&self) -> u64 {
        self.baseline
            .iter()
            .chain(&self.guest)
            .chain(&self.member)
            .chain(self.at_rate.as_ref().map(|(_, r)| r))
            .map(|r| r.failures)
            .sum()
    }
}

// ---- Capturing the SQL Kring runs -------------------------------------------------------

static CAPTURING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static CAPTURED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl Instrumentation for Capture {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event
            && CAPTURING.load(Ordering::Relaxed)
        {
            CAPTURED
                .lock()
                .expect("capture lock")
                .push(query.to_string());
        }
    }
}

/// Every connection established from here on reports its queries to `Capture` (which keeps
/// them only while `CAPTURING`).
pub fn install_capture() {
    diesel::connection::set_default_instrumentation(|| Some(Box::new(Capture)))
        .expect("set the default instrumentation");
}

// ---- The bare baseline ------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Bind {
    Text(String),
    BigInt(i64),
}

/// A captured statement: the SQL text cut at its placeholders, and the values to bind there.
/// Safe to cache: the connection keeps it prepared by its SQL text, as it does Kring's.
#[derive(Clone)]
struct Captured {
    parts: Vec<String>,
    binds: Vec<Bind>,
}

impl Captured {
    /// From diesel's `{sql} -- binds: [..]`: strings are quoted, integers bare, and an enum
    /// bound as text shows as its variant's name (Kring stores those in lower case).
    fn parse(display: &str, postgres: bool) -> Captured {
        let (sql, binds) = display
            .rsplit_once(" -- binds: ")
            .expect("diesel's query display");
        let binds = binds.trim().trim_start_matches('[').trim_end_matches(']');
        let binds: Vec<Bind> = if binds.is_empty() {
            vec![]
        } else {
            binds
                .split(", ")
                .map(|b| {
                    if let Some(s) = b.strip_prefix('"').and_then(|b| b.strip_suffix('"')) {
                        Bind::Text(s.to_string())
                    } else if let Ok(n) = b.parse() {
                        Bind::BigInt(n)
                    } else {
                        Bind::Text(b.to_lowercase())
                    }
                })
                .collect()
        };
        let mut parts = vec![String::new()];
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            let placeholder = if postgres {
                c == '$' && chars.peek().is_some_and(char::is_ascii_digit)
            } else {
                c == '?'
            };
            if placeholder {
                while postgres && chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                parts.push(String::new());
            } else {
                parts.last_mut().expect("a part").push(c);
            }
        }
        assert_eq!(
            parts.len(),
            binds.len() + 1,
            "placeholders and binds: {display}"
        );
        Captured { parts, binds }
    }
}

impl QueryId for Captured {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for Captured
where
    DB: Backend + HasSqlType<Text> + HasSqlType<BigInt>,
    String: diesel::serialize::ToSql<Text, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        for (i, part) in self.parts.iter().enumerate() {
            out.push_sql(part);
            match self.binds.get(i) {
                Some(Bind::Text(s)) => out.push_bind_param::<Text, _>(s)?,
                Some(Bind::BigInt(n)) => out.push_bind_param::<BigInt, _>(n)?,
                None => {}
            }
        }
        Ok(())
    }
}

/// Every column as raw bytes: read and copied, never decoded.
type B = Nullable<Binary>;
type Row23SqlType = (
    (B, B, B, B, B, B, B, B, B, B, B, B),
    (B, B, B, B, B, B, B, B, B, B, B),
);
type V = Option<Vec<u8>>;
type Row23 = (
    (V, V, V, V, V, V, V, V, V, V, V, V),
    (V, V, V, V, V, V, V, V, V, V, V),
);
/// The posts query's columns: a post (12), its topic (9), the author's name and role.
const COLUMNS: usize = 23;

impl Query for Captured {
    type SqlType = Row23SqlType;
}

impl<C> RunQueryDsl<C> for Captured {}

enum BareConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

thread_local! {
    static QPSG_NEXT: Cell<bool> = const { Cell::new(false) };
}

/// Turns on query-planner stability for connections the baseline opens on this thread.
unsafe extern "C" fn qpsg_entry(
    db: *mut libsqlite3_sys::sqlite3,
    _err: *mut *mut c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> c_int {
    if QPSG_NEXT.get() {
        // SAFETY: `db` is the connection being opened; the op takes an int and an int*.
        unsafe {
            libsqlite3_sys::sqlite3_db_config(
                db,
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                1 as c_int,
                std::ptr::null_mut::<c_int>(),
            );
        }
    }
    libsqlite3_sys::SQLITE_OK
}

struct BareManager {
    url: String,
    sqlite: bool,
}

impl diesel::r2d2::ManageConnection for BareManager {
    type Connection = BareConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<BareConnection, Self::Error> {
        use diesel::r2d2::Error as E;
        if !self.sqlite {
            return PgConnection::establish(&self.url)
                .map(BareConnection::Postgres)
                .map_err(E::ConnectionError);
        }
        static REGISTER: Once = Once::new();
        REGISTER.call_once(|| {
            // SAFETY: registers a function with the signature SQLite calls it with.
            unsafe {
                libsqlite3_sys::sqlite3_auto_extension(Some(qpsg_entry));
            }
        });
        QPSG_NEXT.set(true);
        let conn = SqliteConnection::establish(self.url.trim_start_matches("sqlite://"));
        QPSG_NEXT.set(false);
        let mut conn = conn.map_err(E::ConnectionError)?;
        // The pragmas Kring sets on each connection.
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
             PRAGMA secure_delete = ON; PRAGMA synchronous = NORMAL;",
        )
        .map_err(E::QueryError)?;
        Ok(BareConnection::Sqlite(conn))
    }

    fn is_valid(&self, _conn: &mut BareConnection) -> Result<(), Self::Error> {
        Ok(())
    }

    fn has_broken(&self, _conn: &mut BareConnection) -> bool {
        false
    }
}

/// The answer the baseline gives: Kring's, byte for byte (bar Date and Content-Length).
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: web::Bytes,
}

struct Bare {
    pool: diesel::r2d2::Pool<BareManager>,
    query: Captured,
    answer: Answer,
}

async fn bare_page(bare: web::Data<Bare>) -> HttpResponse {
    let work = bare.clone();
    let rows = web::block(move || {
        let mut conn = work.pool.get().map_err(|e| e.to_string())?;
        let query = work.query.clone();
        match &mut *conn {
            BareConnection::Sqlite(c) => query.load::<Row23>(c),
            BareConnection::Postgres(c) => query.load::<Row23>(c),
        }
        .map_err(|e| e.to_string())
    })
    .await;
    match rows {
        Ok(Ok(rows)) if !rows.is_empty() => {
            let mut response = HttpResponse::build(
                actix_web::http::StatusCode::from_u16(bare.answer.status).expect("a status"),
            );
            for (name, value) in &bare.answer.headers {
                response.insert_header((name.as_str(), value.as_str()));
            }
            response.body(bare.answer.body.clone())
        }
        other => HttpResponse::InternalServerError().body(format!("{:?}", other.err())),
    }
}

/// Starts the baseline on a port of its own, `WORKERS` HTTP workers, a pool of `pool_size`.
async fn start_bare(
    db: &BenchDatabase,
    pool_size: u32,
    query: Captured,
    answer: Answer,
) -> (
    String,
    actix_web::dev::ServerHandle,
    tokio::task::JoinHandle<()>,
) {
    let manager = BareManager {
        url: db.url.clone(),
        sqlite: db.backend == "SQLite",
    };
    let pool = tokio::task::spawn_blocking(move || {
        diesel::r2d2::Pool::builder()
            .max_size(pool_size)
            .build(manager)
            .expect("the baseline's pool")
    })
    .await
    .expect("pool thread");
    let bare = web::Data::new(Bare {
        pool,
        query,
        answer,
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the baseline");
    let port = listener.local_addr().expect("address").port();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(bare.clone())
            .route("/page", web::get().to(bare_page))
    })
    .workers(WORKERS)
    // The blocking pool no larger than the database pool, as a careful handler would have it.
    .worker_max_blocking_threads((pool_size as usize).div_ceil(WORKERS))
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    let task = tokio::spawn(async move {
        let _ = server.await;
    });
    (format!("http://127.0.0.1:{port}/page"), handle, task)
}

// ---- Seeding ----------------------------------------------------------------------------

const WORDS: &[&str] = &[
    "vandaag",
    "gesprek",
    "steun",
    "moeilijk",
    "herkenning",
    "familie",
    "slapen",
    "werk",
    "huisarts",
    "wandelen",
    "rust",
    "gevoel",
    "week",
    "praten",
    "luisteren",
    "vriendin",
    "avond",
    "afspraak",
    "angst",
    "hoop",
    "kleine",
    "stappen",
    "samen",
    "alleen",
    "dank",
    "ervaring",
    "medicatie",
    "therapie",
    "ochtend",
    "buiten",
    "zorgen",
    "lachen",
    "moe",
    "sterk",
    "proberen",
    "ademhaling",
    "dagboek",
    "grenzen",
    "eerlijk",
    "geduld",
];

/// About 1.1 KB of Markdown (some emphasis, a list, now and then a link): about 1.2 KB
/// rendered.
fn markdown_body(n: usize) -> String {
    let mut seed = (n as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut word = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        WORDS[(seed >> 33) as usize % WORDS.len()]
    };
    let mut text = String::new();
    let mut sentence = |text: &mut String, words: usize| {
        for i in 0..words {
            let w = word();
            match i {
                0 => {
                    let mut c = w.chars();
                    let first = c.next().expect("a word").to_uppercase();
                    let _ = write!(text, "{first}{}", c.as_str());
                }
                3 => {
                    let _ = write!(text, " **{w}**");
                }
                7 => {
                    let _ = write!(text, " *{w}*");
                }
                _ => {
                    let _ = write!(text, " {w}");
                }
            }
        }
        text.push_str(". ");
    };
    for _ in 0..3 {
        sentence(&mut text, 12);
    }
    text.push_str("\n\n");
    for _ in 0..3 {
        text.push_str("- ");
        sentence(&mut text, 6);
        text.push('\n');
    }
    text.push('\n');
    while text.len() < 880 {
        sentence(&mut text, 10);
    }
    if n.is_multiple_of(4) {
        text.push_str("Zie ook [de folder](https://example.org/folder).");
    }
    text
}

/// Inserts the topics and posts directly, in big transactions. Returns the measured topic's
/// id and the posts' average rendered size.
fn seed(url: &str, group: &str, authors: &[String]) -> (String, usize) {
    use kring::db::DbConnection;
    use kring::db::schema::{groups, posts, topics};
    let mut settings = Settings::load_from(None, &[]).expect("defaults");
    settings.database.url = url.to_string();
    let db = kring::db::Db::connect(&settings.database).expect("connect");
    let mut conn = db.get_blocking().expect("a connection");
    let group_id: String = groups::table
        .filter(groups::slug.eq(group))
        .select(groups::id)
        .first(&mut *conn)
        .expect("the forum group");
    diesel::update(groups::table.find(&group_id))
        .set(groups::hold_guest_posts.eq(false))
        .execute(&mut *conn)
        .expect("guests' posts not held");

    let start = kring::time::now() - 86_400 * 400;
    let mut measured = String::new();
    let mut html_bytes = 0;
    let mut n = 0usize;
    for chunk in (0..TOPICS).collect::<Vec<_>>().chunks(100) {
        let mut topic_rows = Vec::new();
        let mut post_rows = Vec::new();
        for &t in chunk {
            let topic_id = kring::secrets::new_id();
            if t == MEASURED {
                measured = topic_id.clone();
            }
            let opener = &authors[t % authors.len()];
            let first = start + (t as i64) * 3600;
            topic_rows.push((
                topics::id.eq(topic_id.clone()),
                topics::group_id.eq(group_id.clone()),
                topics::title.eq(format!("Onderwerp {t}: {}", WORDS[t % WORDS.len()])),
                topics::held.eq(false),
                topics::author_membership.eq(Some(opener.clone())),
                topics::created_at.eq(first),
                topics::last_post_at.eq(first + POSTS_PER_TOPIC as i64 * 60),
            ));
            for p in 0..POSTS_PER_TOPIC {
                n += 1;
                let markdown = markdown_body(n);
                let html = kring::markdown::render(&markdown).as_str().to_string();
                html_bytes += html.len();
                // Every third post a guest's, the others the members' in turn.
                let (member, guest) = if p % 3 == 2 {
                    (None, Some(format!("Gast {}", n % 50)))
                } else {
                    (Some(authors[(t + p) % authors.len()].clone()), None)
                };
                post_rows.push((
                    posts::id.eq(kring::secrets::new_id()),
                    posts::topic_id.eq(topic_id.clone()),
                    posts::group_id.eq(group_id.clone()),
                    posts::author_membership.eq(member),
                    posts::guest_name.eq(guest),
                    posts::body_markdown.eq(markdown),
                    posts::body_html.eq(html),
                    posts::state.eq("visible"),
                    posts::created_at.eq(first + p as i64 * 60),
                    posts::position.eq(p as i64 + 1),
                ));
            }
        }
        macro_rules! insert {
            ($c:expr) => {
                $c.transaction(|c| {
                    diesel::insert_into(topics::table)
                        .values(&topic_rows)
                        .execute(c)?;
                    for rows in post_rows.chunks(500) {
                        diesel::insert_into(posts::table).values(rows).execute(c)?;
                    }
                    QueryResult::Ok(())
                })
            };
        }
        match &mut *conn {
            DbConnection::Sqlite(c) => insert!(c),
            DbConnection::Postgres(c) => insert!(c),
        }
        .expect("insert topics and posts");
    }
    if let DbConnection::Postgres(c) = &mut *conn {
        diesel::sql_query("ANALYZE").execute(c).expect("analyze");
    }
    (measured, html_bytes / n.max(1))
}

// ---- Load tools -------------------------------------------------------------------------

fn tool(name: &str) -> Option<String> {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    found.or_else(|| {
        let home = std::env::var("HOME").ok()?;
        let path = format!("{home}/.cargo/bin/{name}");
        std::path::Path::new(&path).exists().then_some(path)
    })
}

pub fn tool_versions() -> String {
    let wrk = tool("wrk")
        .map(|w| {
            let out = Command::new(w).arg("-v").output().ok();
            out.map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .split(" Copyright")
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
            .unwrap_or_default()
        })
        .unwrap_or_else(|| "wrk not found".into());
    let oha = tool("oha")
        .map(|o| shell(&o, &["--version"]))
        .unwrap_or_else(|| "oha not found".into());
    format!("{wrk}; {oha}")
}

fn duration_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] {
        if let Some(v) = s.strip_suffix(unit)
            && let Ok(v) = v.parse::<f64>()
        {
            return Some(v * factor);
        }
    }
    None
}

/// `wrk` at full speed: `CONCURRENCY` connections, `WRK_THREADS` threads.
fn wrk(url: &str, token: Option<&str>, seconds: u64) -> Result<LoadRun, String> {
    let wrk = tool("wrk").ok_or("wrk not found")?;
    let mut args = vec![
        format!("-t{WRK_THREADS}"),
        format!("-c{CONCURRENCY}"),
        format!("-d{seconds}s"),
        "--latency".to_string(),
    ];
    if let Some(token) = token {
        args.push("-H".into());
        args.push(format!("Authorization: Bearer {token}"));
    }
    args.push(url.to_string());
    let out = Command::new(&wrk)
        .args(&args)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut run = LoadRun::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", r] => run.rate = r.parse().unwrap_or(0.0),
            ["50%", v] => run.p50_ms = duration_ms(v).unwrap_or(0.0),
            ["99%", v] => run.p99_ms = duration_ms(v).unwrap_or(0.0),
            [n, "requests", "in", ..] => run.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => run.failures += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                run.failures += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    if run.rate == 0.0 {
        return Err(format!("wrk gave no rate: {text}"));
    }
    Ok(run)
}

/// `oha` at a fixed rate, open loop, latency measured from when each request was due
/// (`--latency-correction`), so a stall counts for every request it delays.
fn oha_at(url: &str, rate: f64, seconds: u64) -> Result<LoadRun, String> {
    let oha = tool("oha").ok_or("oha not found")?;
    let out = Command::new(&oha)
        .args([
            "--no-tui",
            "--output-format",
            "json",
            "-c",
            &CONCURRENCY.to_string(),
            "-q",
            &format!("{rate:.0}"),
            "--latency-correction",
            "-z",
            &format!("{seconds}s"),
            url,
        ])
        .output()
        .map_err(|e| e.to_string())?;
    let report: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "oha's answer is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let secs = |v: &Value| v.as_f64().unwrap_or(0.0) * 1000.0;
    let codes = &report["statusCodeDistribution"];
    let ok = codes["200"].as_u64().unwrap_or(0);
    let all: u64 = codes
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    let errors: u64 = report["errorDistribution"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    Ok(LoadRun {
        rate: report["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        p50_ms: secs(&report["latencyPercentiles"]["p50"]),
        p99_ms: secs(&report["latencyPercentiles"]["p99"]),
        requests: all,
        failures: all - ok + errors,
    })
}

// ---- The run ----------------------------------------------------------------------------

pub async fn bench_topic(db: &BenchDatabase, seconds: u64) -> TopicOutcome {
    let mut settings = Settings::load_from(None, &[]).expect("the embedded defaults are valid");
    settings.database.url = db.url.clone();
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.workers = WORKERS;
    settings.limits.scale = 100_000.0;
    let pool_size = settings.database.pool_size;
    let app = Application::build(settings).await.expect("the app builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");

    // An open group, with a leader and the member who reads it logged in.
    let staff = staff_token(&client, &base, &db.url).await;
    let leader = account(&client, &base, "bench_leider").await;
    let member = account(&client, &base, "bench_lezer").await;
    let home = Settings::load_from(None, &[])
        .expect("defaults")
        .steunpunt
        .slug;
    let post = async |path: &str, token: &str, body: Value| {
        let response = client
            .post(format!("{base}{path}"))
            .bearer_auth(token)
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
        "/api/v1/groups",
        &staff,
        json!({"steunpunt": home, "slug": FORUM, "name": "Bench forum", "mode": "open",
               "listed": true, "theme": "mental_health",
               "house_rules": "Wat hier gezegd wordt, blijft hier."}),
    )
    .await;
    let code = post(
        &format!("/api/v1/groups/{FORUM}/invites"),
        &staff,
        json!({"role": "leader"}),
    )
    .await["code"]
        .as_str()
        .expect("a code")
        .to_string();
    let joined_leader = post(
        &format!("/api/v1/groups/{FORUM}/members"),
        &leader,
        json!({"display_name": "Leider", "invite_code": code, "accept_house_rules": true}),
    )
    .await;
    let joined_member = post(
        &format!("/api/v1/groups/{FORUM}/members"),
        &member,
        json!({"display_name": "Lezer", "accept_house_rules": true}),
    )
    .await;
    let membership_id = |v: &Value| {
        v["membership"]["id"]
            .as_str()
            .or(v["id"].as_str())
            .map(str::to_string)
    };
    let url = db.url.clone();
    let authors = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            use kring::db::schema::{groups, memberships};
            let mut settings = Settings::load_from(None, &[]).expect("defaults");
            settings.database.url = url;
            let db = kring::db::Db::connect(&settings.database).expect("connect");
            let mut conn = db.get_blocking().expect("a connection");
            memberships::table
                .inner_join(groups::table)
                .filter(groups::slug.eq(FORUM))
                .select(memberships::id)
                .order(memberships::id)
                .load::<String>(&mut *conn)
                .expect("the memberships")
        })
        .await
        .expect("thread")
    };
    let _ = (membership_id(&joined_leader), membership_id(&joined_member));
    assert_eq!(authors.len(), 2, "a leader and a member");
    eprintln!("  seeding {} posts ...", TOPICS * POSTS_PER_TOPIC);
    let seeded = Instant::now();
    let (topic, average_body) = tokio::task::spawn_blocking(move || seed(&url, FORUM, &authors))
        .await
        .expect("seed thread");
    eprintln!("  seeded in {:.1} s", seeded.elapsed().as_secs_f64());

    // The page's path: /t/{id} once it exists, else the API's view of the same page.
    let mut notes = Vec::new();
    let (template, path_note) = match std::env::var("KRING_BENCH_TOPIC_PATH") {
        Ok(p) => (p, None),
        Err(_) => {
            let probe = client
                .get(format!("{base}{}", PAGE_PATH.replace("{id}", &topic)))
                .send()
                .await
                .expect("probe");
            if probe.status() == 404 {
                (
                    API_PATH.to_string(),
                    Some(format!(
                        "`{PAGE_PATH}` answered 404 in this revision: measured `{API_PATH}` \
                         (the same posts query, answered as JSON) instead"
                    )),
                )
            } else {
                (PAGE_PATH.to_string(), None)
            }
        }
    };
    let path = template.replace("{id}", &topic);
    let page_url = format!("{base}{path}");

    // Kring's answers, and the SQL it ran for the guest's.
    let fetch = async |token: Option<&str>| {
        let mut request = client.get(&page_url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the page");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter(|(n, _)| !matches!(n.as_str(), "date" | "content-length"))
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = response.bytes().await.expect("the page's body");
        assert_eq!(
            status,
            200,
            "{page_url}: {}",
            String::from_utf8_lossy(&body)
        );
        Answer {
            status,
            headers,
            body,
        }
    };
    CAPTURED.lock().expect("capture lock").clear();
    CAPTURING.store(true, Ordering::Relaxed);
    let guest_answer = fetch(None).await;
    CAPTURING.store(false, Ordering::Relaxed);
    let member_answer = fetch(Some(&member)).await;
    let captured = CAPTURED.lock().expect("capture lock").clone();
    let sql = captured
        .iter()
        .find(|q| q.contains("body_html") && q.contains("ORDER BY") && q.contains("topic_id"))
        .unwrap_or_else(|| panic!("no posts query among {captured:#?}"))
        .clone();
    let query = Captured::parse(&sql, db.backend == "PostgreSQL");
    let posts = if path.starts_with("/api/") {
        let page: Value = serde_json::from_slice(&guest_answer.body).expect("JSON");
        page["posts"].as_array().map_or(0, Vec::len)
    } else {
        String::from_utf8_lossy(&guest_answer.body)
            .matches("<article")
            .count()
    };
    let page_bytes = (guest_answer.body.len(), member_answer.body.len());

    let (bare_url, bare_handle, bare_task) =
        start_bare(db, pool_size, query.clone(), guest_answer).await;
    // The baseline's query must find the page's rows.
    let check = reqwest::get(&bare_url).await.expect("baseline answers");
    assert_eq!(
        check.status(),
        200,
        "{}",
        check.text().await.unwrap_or_default()
    );
    let _ = COLUMNS;

    let mut outcome = TopicOutcome {
        backend: db.backend,
        path: template,
        path_note,
        page_bytes,
        posts,
        average_body,
        sql,
        baseline: vec![],
        guest: None,
        member: None,
        at_rate: None,
        notes: vec![],
    };
    let run = |what: &str, url: &str, token: Option<&str>| {
        eprintln!("  wrk: {what} ...");
        match wrk(url, token, seconds) {
            Ok(r) => {
                eprintln!(
                    "    {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} failures",
                    r.rate, r.p50_ms, r.p99_ms, r.failures
                );
                Some(r)
            }
            Err(e) => {
                eprintln!("    SKIPPED: {e}");
                None
            }
        }
    };
    // Warm both up (prepared statements, page cache), then baseline, guest, member,
    // baseline again: the baseline's two runs show how much the machine drifted.
    let _ = wrk(&bare_url, None, 1);
    let _ = wrk(&page_url, None, 1);
    outcome
        .baseline
        .extend(run("bare baseline", &bare_url, None));
    outcome.guest = run("Kring, guest", &page_url, None);
    outcome.member = run("Kring, member (bearer)", &page_url, Some(&member));
    outcome
        .baseline
        .extend(run("bare baseline, again", &bare_url, None));
    if outcome.guest.is_none() {
        notes.push("wrk was not found: install it (`apt-get install wrk`) to measure".into());
    }
    if let Some(max) = outcome.guest.as_ref().map(|g| g.rate) {
        let rate = (max * 0.7).round();
        eprintln!("  oha: Kring, guest, at {rate:.0} req/s for {RATE_SECONDS} s ...");
        match oha_at(&page_url, rate, RATE_SECONDS) {
            Ok(r) => {
                eprintln!(
                    "    {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} failures",
                    r.rate, r.p50_ms, r.p99_ms, r.failures
                );
                outcome.at_rate = Some((rate, r));
            }
            Err(e) => {
                eprintln!("    SKIPPED: {e}");
                notes.push(format!(
                    "p99 at 70 % not measured: {e} (`cargo install oha`)"
                ));
            }
        }
    }
    outcome.notes = notes;

    let _ = tokio::time::timeout(Duration::from_secs(15), bare_handle.stop(true)).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), bare_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), handle.stop(true)).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), server).await;
    outcome
}

async fn account(client: &reqwest::Client, base: &str, login: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/accounts"))
        .json(&json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), 201, "register {login}");
    let response = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 201, "log {login} in");
    let body: Value = response.json().await.expect("JSON");
    body["token"].as_str().expect("a token").to_string()
}

// ---- The report -------------------------------------------------------------------------

fn verdict(ok: bool) -> &'static str {
    if ok { "pass" } else { "FAIL" }
}

/// The markdown section for RESULTS.md (without its `## ` heading).
pub fn report(outcomes: &[TopicOutcome], header: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{header}");
    for o in outcomes {
        let _ = writeln!(s, "\n### {}\n", o.backend);
        let _ = writeln!(
            s,
            "- Page: `GET {}` ({} posts shown; {} bytes for a guest, {} for the member; \
             post bodies average {} bytes rendered).",
            o.path, o.posts, o.page_bytes.0, o.page_bytes.1, o.average_body
        );
        if let Some(note) = &o.path_note {
            let _ = writeln!(s, "- Note: {note}.");
        }
        for note in &o.notes {
            let _ = writeln!(s, "- Note: {note}.");
        }
        let _ = writeln!(
            s,
            "- The posts query the baseline runs (captured from Kring):"
        );
        let _ = writeln!(s, "\n  ```sql\n  {}\n  ```\n", o.sql);
        let base = o.baseline_rate();
        let baseline_runs: Vec<String> = o
            .baseline
            .iter()
            .map(|r| format!("{:.0}", r.rate))
            .collect();
        let _ = writeln!(
            s,
            "| run (wrk, {CONCURRENCY} connections) | req/s | ÷ baseline | p50 ms | p99 ms | failures |\n|---|---:|---:|---:|---:|---:|"
        );
        for (name, r) in o
            .baseline
            .iter()
            .take(1)
            .map(|r| ("bare baseline (first run)", r))
            .chain(o.guest.iter().map(|r| ("Kring, guest", r)))
            .chain(o.member.iter().map(|r| ("Kring, member (bearer)", r)))
            .chain(
                o.baseline
                    .iter()
                    .skip(1)
                    .map(|r| ("bare baseline (again)", r)),
            )
        {
            let _ = writeln!(
                s,
                "| {name} | {:.0} | {:.3} | {:.2} | {:.2} | {} |",
                r.rate,
                r.rate / base.max(f64::EPSILON),
                r.p50_ms,
                r.p99_ms,
                r.failures
            );
        }
        if let Some((rate, r)) = &o.at_rate {
            let _ = writeln!(
                s,
                "\nAt a fixed {rate:.0} req/s (oha, open loop, latency corrected, {RATE_SECONDS} s): \
                 {:.0} req/s served, p50 {:.2} ms, p99 {:.2} ms, {} failures.",
                r.rate, r.p50_ms, r.p99_ms, r.failures
            );
        }
        let _ = writeln!(
            s,
            "\nBaseline: the mean of its runs ({}).",
            baseline_runs.join(" and ")
        );
    }

    let find = |b: &str| outcomes.iter().find(|o| o.backend == b);
    let (sqlite, pg) = (find("SQLite"), find("PostgreSQL"));
    let ratio =
        |o: Option<&TopicOutcome>, pick: fn(&TopicOutcome) -> Option<&LoadRun>, min: f64| match o
            .and_then(|o| pick(o).map(|r| (r.rate / o.baseline_rate().max(f64::EPSILON), o)))
        {
            Some((x, _)) => format!("{x:.2}x ({})", verdict(x >= min)),
            None => "not measured".into(),
        };
    let p99 = |o: Option<&TopicOutcome>| match o.and_then(|o| o.at_rate.as_ref()) {
        Some((_, r)) => format!("{:.2} ms ({})", r.p99_ms, verdict(r.p99_ms <= 10.0)),
        None => "not measured".into(),
    };
    let _ = writeln!(
        s,
        "\n### Targets\n\n| target | SQLite | PostgreSQL |\n|---|---|---|"
    );
    let _ = writeln!(
        s,
        "| topic page requests/s for a guest ÷ bare baseline (SQLite >= 0.5x, PostgreSQL >= 0.4x) | {} | {} |",
        ratio(sqlite, |o| o.guest.as_ref(), 0.5),
        ratio(pg, |o| o.guest.as_ref(), 0.4)
    );
    let _ = writeln!(
        s,
        "| the same for a logged-in member (SQLite >= 0.4x, PostgreSQL >= 0.3x) | {} | {} |",
        ratio(sqlite, |o| o.member.as_ref(), 0.4),
        ratio(pg, |o| o.member.as_ref(), 0.3)
    );
    let _ = writeln!(
        s,
        "| topic page p99 at 70 % of Kring's own maximum rate (<= 10 ms) | {} | {} |",
        p99(sqlite),
        p99(pg)
    );
    s
}
