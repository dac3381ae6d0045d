//! The OpenAPI document at `/api/v1/openapi.json`: valid OpenAPI (openapi-spec-validator
//! says so), every path parameter declared where it is used and nowhere else, every
//! answer an operation can give listed, 405 answers that carry `Allow`, and a schema-driven
//! fuzz run (schemathesis) against the real server that finds no failure.
//!
//! The Python tools are pinned in `tests/api/python-tools.txt` and installed by `.ci/run`.
//! Without them the Python checks are skipped with a plain note, except under `CI=true`,
//! where they must run.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Backend, HOME, PASSWORD, TestApp, spawn_app, spawn_app_with};

const TOOLS: &str = include_str!("python-tools.txt");

/// The whole fuzz run is killed (and the test fails) after this long.
const FUZZ_DEADLINE: Duration = Duration::from_secs(150);
/// Test cases per operation and phase; enough to reach every answer, small enough to stay
/// well under a minute per backend on two cores.
const FUZZ_EXAMPLES: u32 = 15;
/// Fixed, so a failure can be replayed; `KRING_FUZZ_SEED` picks another (and
/// `KRING_FUZZ_EXAMPLES` another number of examples, for a deeper run by hand).
const FUZZ_SEED: &str = "20261201";

fn pin(package: &str) -> &'static str {
    TOOLS
        .lines()
        .filter_map(|line| line.trim().split_once("=="))
        .find(|(name, _)| *name == package)
        .map(|(_, version)| version)
        .unwrap_or_else(|| panic!("{package} is not pinned in python-tools.txt"))
}

fn note(text: &str) {
    // Written past the test harness's capture, so it shows.
    let _ = writeln!(std::io::stderr(), "\nNOTE: {text}\n");
}

/// Is the pinned version of `package` importable by `python3`? If not: a note and `false`,
/// or a failure under `CI=true`.
fn python_tool(package: &str) -> bool {
    let want = pin(package);
    let probe = format!("import importlib.metadata as m; print(m.version('{package}'))");
    let problem = match Command::new("python3").args(["-c", &probe]).output() {
        Err(e) => format!("python3 cannot be run ({e})"),
        Ok(out) if !out.status.success() => format!("the Python package {package} is missing"),
        Ok(out) => {
            let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if found == want {
                return true;
            }
            format!("{package} {found} is installed; these tests are written for {want}")
        }
    };
    let text =
        format!("{problem}. Install with `python3 -m pip install -r tests/api/python-tools.txt`.");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true: {text}");
    }
    note(&format!("{text}\n      This check is SKIPPED."));
    false
}

async fn document(app: &TestApp) -> Value {
    let response = app
        .api
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Runs `command` to its end or until `deadline`, off the async threads: (success, output).
async fn run_bounded(mut command: Command, deadline: Duration) -> (bool, String) {
    tokio::task::spawn_blocking(move || {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap())
            .spawn()
            .expect("start the command");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let output = std::fs::read_to_string(log.path()).unwrap_or_default();
        match status {
            Some(status) => (status.success(), output),
            None => (
                false,
                format!("{output}\n\nKILLED: still running after {deadline:?}"),
            ),
        }
    })
    .await
    .unwrap()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of the document: (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), operation.clone()));
            }
        }
    }
    out
}

/// The `{name}`s of a path template.
fn placeholders(path: &str) -> BTreeSet<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} does not resolve"))
        }
        None => value,
    }
}

#[tokio::test]
async fn every_path_parameter_is_declared_and_no_other() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    let mut operation_ids = BTreeSet::new();
    for (path, method, operation) in operations(&doc) {
        let item = &doc["paths"][&path];
        let parameters: Vec<&Value> = item["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(operation["parameters"].as_array().into_iter().flatten())
            .map(|p| resolve(&doc, p))
            .collect();
        let mut seen = BTreeSet::new();
        for p in &parameters {
            let key = (p["name"].as_str().unwrap(), p["in"].as_str().unwrap());
            assert!(seen.insert(key), "{method} {path}: {key:?} declared twice");
        }
        let declared: BTreeSet<String> = parameters
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            declared,
            placeholders(&path),
            "{method} {path}: the path parameters declared differ from those in the path"
        );
        for p in parameters.iter().filter(|p| p["in"] == "path") {
            assert_eq!(
                p["required"], true,
                "{method} {path}: {} is optional",
                p["name"]
            );
            assert!(
                p["description"].is_string(),
                "{method} {path}: {}",
                p["name"]
            );
        }
        let id = operation["operationId"].as_str().unwrap().to_string();
        assert!(operation_ids.insert(id.clone()), "operationId {id} twice");
    }
    // The directory's filters are query parameters, all optional.
    let filters = doc["paths"]["/api/v1/groups"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let names: BTreeSet<&str> = filters
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["steunpunt", "theme", "mode", "region", "q"])
    );
    for p in filters {
        assert_eq!(p["in"], "query", "{p}");
        assert_eq!(p["required"], false, "{p}");
    }
}

#[tokio::test]
async fn every_operation_lists_the_answers_every_operation_can_give() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    for (path, method, operation) in operations(&doc) {
        let responses = operation["responses"].as_object().unwrap();
        let has = |status: &str| responses.contains_key(status);
        let security = operation["security"].as_array();
        let needs_session = security.is_some_and(|requirements| {
            requirements
                .iter()
                .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        });
        let label = format!("{} {path}", method.to_uppercase());
        if needs_session {
            assert!(has("401"), "{label} needs a session but lists no 401");
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(has(status), "{label} takes a body but lists no {status}");
            }
        }
        if !matches!(method.as_str(), "get" | "head" | "options" | "trace") {
            assert!(
                has("403"),
                "{label}: an unsafe method lists no 403 (origin_mismatch)"
            );
        }
        if path.contains('{') {
            assert!(has("404"), "{label} has an id or slug but lists no 404");
        }
        assert!(has("503"), "{label} lists no 503 (busy)");
        for (status, response) in responses {
            let response = resolve(&doc, response);
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{label} {status} has no description"
            );
            if status == "429" || status == "503" {
                assert!(
                    response["headers"]["Retry-After"].is_object(),
                    "{label} {status} does not name Retry-After"
                );
            }
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{label} {status}"
                );
            }
        }
    }
}

/// The rules the schema states are the ones the code enforces.
#[tokio::test]
async fn the_stated_limits_are_the_enforced_ones() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let limits = |schema: &str, field: &str| {
        let property = &schemas[schema]["properties"][field];
        (
            property["minLength"].as_u64().map(|n| n as usize),
            property["maxLength"].as_u64().map(|n| n as usize),
        )
    };
    let names = (Some(kring::names::MIN_CHARS), Some(kring::names::MAX_CHARS));
    let passwords = (
        Some(kring::accounts::password::MIN_CHARS),
        Some(kring::accounts::password::MAX_CHARS),
    );
    assert_eq!(limits("Credentials", "login"), names);
    assert_eq!(limits("Appointment", "login"), names);
    assert_eq!(limits("JoinRequestBody", "display_name"), names);
    assert_eq!(limits("Rename", "display_name"), names);
    assert_eq!(limits("Credentials", "password"), passwords);
    assert_eq!(limits("Recovery", "new_password"), passwords);
    assert_eq!(limits("PasswordChange", "new_password"), passwords);
    assert_eq!(limits("NewGroup", "slug"), (Some(3), Some(48)));
    assert_eq!(limits("NewSteunpunt", "slug"), (Some(3), Some(48)));
    assert_eq!(
        limits("NewGroup", "house_rules"),
        (None, Some(kring::groups::settings::HOUSE_RULES_MAX))
    );
    assert_eq!(
        schemas["NewGroup"]["properties"]["slug"]["pattern"],
        schemas["NewSteunpunt"]["properties"]["slug"]["pattern"]
    );
    // Logging in states no rules: a wrong pair is just a wrong pair.
    assert_eq!(limits("Login", "login"), (None, None));
    assert_eq!(limits("Login", "password"), (None, None));

    // The slug pattern and lengths accept exactly what `check_slug` accepts.
    if !python_tool("openapi-spec-validator") {
        return;
    }
    let slug = &schemas["NewGroup"]["properties"]["slug"];
    let samples = [
        "abc", "a-b", "a--b", "0ab", "ab", "-ab", "ab-", "Abc", "a_b", "a b", "äbc", "abc\n",
    ]
    .into_iter()
    .map(String::from)
    .chain(["a".repeat(48), "a".repeat(49)])
    .collect::<Vec<_>>();
    let script = format!(
        "import json, re, sys\n\
         pattern, lo, hi = {}, {}, {}\n\
         for s in json.load(sys.stdin):\n    \
             print(1 if re.fullmatch(pattern, s) and lo <= len(s) <= hi else 0)\n",
        json!(slug["pattern"]),
        slug["minLength"],
        slug["maxLength"]
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json!(samples).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let verdicts: Vec<bool> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l == "1")
        .collect();
    assert_eq!(verdicts.len(), samples.len());
    for (sample, by_schema) in samples.iter().zip(verdicts) {
        assert_eq!(
            kring::groups::check_slug(sample).is_ok(),
            by_schema,
            "{sample:?}: the schema and check_slug disagree"
        );
    }
}

#[tokio::test]
async fn the_document_is_valid_openapi() {
    if !python_tool("openapi-spec-validator") {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    let file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(file.path(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let mut command = Command::new("python3");
    command
        .args(["-m", "openapi_spec_validator"])
        .arg(file.path());
    let (ok, output) = run_bounded(command, Duration::from_secs(60)).await;
    assert!(ok, "openapi-spec-validator refuses the document:\n{output}");
    assert!(output.contains("OK"), "{output}");
}

#[tokio::test]
async fn method_not_allowed_names_the_allowed_methods() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    let mut by_path: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, method, _) in operations(&doc) {
        by_path
            .entry(path)
            .or_default()
            .insert(method.to_uppercase());
    }
    let mut checked = vec![
        // A page too: the same rule holds everywhere.
        ("/privacy".to_string(), BTreeSet::from(["GET".to_string()])),
        (
            "/api/v1/openapi.json".to_string(),
            BTreeSet::from(["GET".to_string()]),
        ),
    ];
    checked.extend(by_path);
    for (template, allowed) in checked {
        let path = template.replace('{', "x-").replace('}', "");
        let method = ["PUT", "PATCH", "DELETE", "POST", "GET"]
            .into_iter()
            .find(|m| !allowed.contains(*m))
            .unwrap();
        let response = app
            .api
            .request(method.parse().unwrap(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        let allow = response
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("{method} {path}: 405 without Allow"))
            .to_str()
            .unwrap()
            .to_string();
        let listed: BTreeSet<String> = allow.split(", ").map(String::from).collect();
        assert_eq!(listed, allowed, "{method} {path}: Allow: {allow}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "method_not_allowed");
    }
    // An unknown path is a 404 whatever the method, and says nothing about methods.
    let unknown = app.api.put(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(unknown.headers().get("allow").is_none());
}

/// Who the fuzz run acts as, and the slugs and ids it should try besides made-up ones.
struct FuzzWorld {
    /// Leads every group: the default identity.
    leader: String,
    /// Admin of the home steunpunt.
    staff: String,
    /// Instance admin.
    admin: String,
    /// A fresh account for joining and leaving.
    joiner: String,
    /// A fresh account for logging in and out (its sessions may end at any time).
    visitor: String,
    slugs: Vec<String>,
    /// Memberships, a waiting join request, invites, and the forum's topics, posts,
    /// reports and announcements.
    ids: Vec<String>,
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let response = app
        .send_json(reqwest::Method::POST, path, token, Some(&body))
        .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

async fn fuzz_world(app: &TestApp) -> FuzzWorld {
    let admin = app.instance_admin().await;
    let staff = app.steunpunt_admin().await;
    let groups = [
        ("fuzz-open", "open", None, true),
        ("fuzz-read-only", "read_only", None, true),
        ("fuzz-registered", "registered", None, true),
        ("fuzz-closed", "closed", Some("approval"), true),
        ("fuzz-hidden", "closed", Some("invite"), false),
    ];
    let leader_login = "fuzz_leader";
    app.register(leader_login).await;
    let leader = app.login(leader_login, PASSWORD).await;
    let (_, member) = app.member().await;
    let (_, applicant) = app.member().await;
    let mut ids = vec![];
    for (slug, mode, join_policy, listed) in groups {
        app.group(&staff, slug, mode, join_policy, listed).await;
        let code = app.invite(&staff, slug, "leader", 1).await;
        let joined = app
            .join(
                &leader,
                slug,
                json!({"display_name": "Leider", "invite_code": code}),
            )
            .await;
        assert_eq!(joined.status(), 201);
        let invite = post(
            app,
            &leader,
            &format!("/api/v1/groups/{slug}/invites"),
            json!({"max_uses": 5}),
        )
        .await;
        ids.push(invite["id"].as_str().unwrap().to_string());
        if mode != "closed" {
            let joined = app
                .join(&member, slug, json!({"display_name": "Deelnemer"}))
                .await;
            assert_eq!(joined.status(), 201);
            let body: Value = joined.json().await.unwrap();
            ids.push(body["membership"]["id"].as_str().unwrap().to_string());
        }
        // The forum: a topic with its opening post, a reply, a report and an announcement.
        let (topic, opening) = app
            .published(&leader, slug, "Welkom", "Fijn dat je er bent.")
            .await;
        let poster = if mode == "closed" { &leader } else { &member };
        let reply = app.replied(poster, &topic, "Dank je wel.").await;
        ids.extend([topic, opening.clone(), reply]);
        if mode != "closed" {
            let report = post(
                app,
                &member,
                &format!("/api/v1/posts/{opening}/reports"),
                json!({"reason": "off_topic"}),
            )
            .await;
            ids.push(report["id"].as_str().unwrap().to_string());
        }
        let announcement = post(
            app,
            &leader,
            &format!("/api/v1/groups/{slug}/announcements"),
            json!({"title": "Volgende keer", "body": "Dinsdag."}),
        )
        .await;
        ids.push(announcement["id"].as_str().unwrap().to_string());
    }
    let applied = app
        .join(
            &applicant,
            "fuzz-closed",
            json!({"display_name": "Nieuw", "introduction": "Ik wil graag meepraten."}),
        )
        .await;
    assert_eq!(applied.status(), 202);
    let body: Value = applied.json().await.unwrap();
    ids.push(body["join_request_id"].as_str().unwrap().to_string());
    // The joiner is in one group already, so leaving can succeed too.
    let (_, joiner) = app.member().await;
    let joined = app
        .join(&joiner, "fuzz-registered", json!({"display_name": "Gast"}))
        .await;
    assert_eq!(joined.status(), 201);
    let (_, visitor) = app.member().await;
    // A proposal to open a group up, for the leader to accept or decline.
    let proposed = app
        .send_json(
            reqwest::Method::PATCH,
            "/api/v1/groups/fuzz-registered",
            &staff,
            Some(&json!({"mode": "open"})),
        )
        .await;
    assert_eq!(proposed.status(), 202, "{}", proposed.text().await.unwrap());
    FuzzWorld {
        leader,
        staff,
        admin,
        joiner,
        visitor,
        slugs: groups.iter().map(|g| g.0.to_string()).collect(),
        ids,
    }
}

/// schemathesis' configuration: who acts in which operation, and which slugs and ids exist.
fn fuzz_config(world: &FuzzWorld) -> String {
    let list = |values: &[String]| json!(values).to_string();
    let bearer = |token: &str| format!("{{ Authorization = \"Bearer {token}\" }}");
    format!(
        r#"
[headers]
Authorization = "Bearer {leader}"

[dictionaries.groups]
values = {slugs}
[dictionaries.ids]
values = {ids}
[dictionaries.steunpunten]
values = ["{home}"]

# Mostly slugs and ids that exist, so operations get past the 404; sometimes made-up ones.
[parameters]
"path.slug" = {{ dictionary = "groups", probability = 0.8 }}
"path.id" = {{ dictionary = "ids", probability = 0.6 }}

[[operations]]
include-operation-id = ["create_group", "update_group", "leaders", "remove_leader"]
headers = {staff}

[[operations]]
include-operation-id = ["steunpunt_groups"]
headers = {staff}
parameters = {{ "path.slug" = {{ dictionary = "steunpunten", probability = 0.8 }} }}

[[operations]]
include-operation-id = ["create_steunpunt", "create_staff"]
headers = {admin}

[[operations]]
include-operation-id = ["appoint_admin"]
headers = {admin}
parameters = {{ "path.slug" = {{ dictionary = "steunpunten", probability = 0.8 }} }}

# Joining and leaving as someone else, so the leader stays a leader throughout.
[[operations]]
include-operation-id = ["join", "leave", "choose_name"]
headers = {joiner}

# Logging in ends the session it carries, logging out ends it too: not the leader's.
[[operations]]
include-operation-id = ["login", "logout", "logout_everywhere"]
headers = {visitor}
"#,
        leader = world.leader,
        slugs = list(&world.slugs),
        ids = list(&world.ids),
        home = HOME,
        staff = bearer(&world.staff),
        admin = bearer(&world.admin),
        joiner = bearer(&world.joiner),
        visitor = bearer(&world.visitor),
    )
}

async fn schemathesis_finds_no_failure(backend: Backend) {
    if !python_tool("schemathesis") {
        return;
    }
    // Rate limits stay on, raised so one fuzzing address is not throttled all the time.
    let Some(app) = spawn_app_with(backend, |s| s.limits.scale = 100.0).await else {
        return;
    };
    let world = fuzz_world(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("schemathesis.toml");
    std::fs::write(&config, fuzz_config(&world)).unwrap();
    let seed = std::env::var("KRING_FUZZ_SEED").unwrap_or_else(|_| FUZZ_SEED.into());
    let examples =
        std::env::var("KRING_FUZZ_EXAMPLES").unwrap_or_else(|_| FUZZ_EXAMPLES.to_string());
    let mut command = Command::new("python3");
    command
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["-m", "schemathesis.cli", "--config-file"])
        .arg(&config)
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        // Every check but two. positive_data_acceptance: no schema can say that a password
        // is one of the most common ones, that a name is taken, or that a time lies in the
        // past. ensure_resource_availability: the run acts as several people, and a group the
        // steunpunt creates unlisted is rightly a 404 for a leader of other groups.
        .args(["--checks", "all", "--exclude-checks"])
        .arg("positive_data_acceptance,ensure_resource_availability")
        .args(["--max-examples", &examples])
        .args(["--seed", &seed])
        .args(["--generation-database", "none"])
        // Health checks judge the generator's speed, not the API; a busy machine fails them.
        .args(["--suppress-health-check", "all"])
        .args(["--request-timeout", "20", "--no-color"]);
    if let Ok(report) = std::env::var("KRING_FUZZ_REPORT") {
        // For looking into a run: a HAR file of every request and answer, and JUnit.
        command.args(["--report", "har,junit", "--report-dir", &report]);
    }
    let started = Instant::now();
    let (ok, output) = run_bounded(command, FUZZ_DEADLINE).await;
    let elapsed = started.elapsed();
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    let cases = lines
        .iter()
        .position(|l| *l == "Test cases:")
        .and_then(|i| lines.get(i + 1))
        .copied()
        .unwrap_or("no test cases reported");
    let summary = lines
        .iter()
        .rev()
        .find(|l| l.starts_with('=') && l.contains(" in "))
        .map(|l| l.trim_matches(|c| c == '=' || c == ' '))
        .unwrap_or("no summary");
    note(&format!(
        "schemathesis {} on {backend:?} (seed {seed}): {cases}; {summary}; {:.1} s in all",
        pin("schemathesis"),
        elapsed.as_secs_f64()
    ));
    assert!(ok, "schemathesis found failures:\n{output}");
}

#[tokio::test]
async fn schemathesis_finds_no_failure_on_sqlite() {
    schemathesis_finds_no_failure(Backend::Sqlite).await;
}

#[tokio::test]
async fn schemathesis_finds_no_failure_on_postgres() {
    schemathesis_finds_no_failure(Backend::Postgres).await;
}
