//! The servers under test as processes, and Kring's seed through its real API.
//!
//! It starts `kring serve` (and the bare server) as child processes on ports it picks, reads
//! their resident memory from `/proc/PID/status`, stops them with SIGTERM, and seeds a
//! Kring database the way a steunpunt would: `kring admin create-admin`, a staff account and
//! its appointment, a `registered` group, a leader through a leader invite, members who
//! register, log in and choose a display name, and the rooms. It must not touch the
//! database directly: the seed goes through the same API a client uses.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

pub const PASSWORD: &str = "paard batterij nietje 7";
pub const GROUP: &str = "chatbank";
/// The default steunpunt every fresh instance has (config/default.toml).
const HOME: &str = "steunpunt";

pub type Error = String;

/// A server process under test.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// VmRSS in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.pid()?)
    }

    /// SIGTERM, then a kill after 15 s.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: signals our own child by its pid.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGTERM);
            }
        }
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A free port on 127.0.0.1 (bound and released; the server binds it a moment later).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `taskset -c CPUS program` when pinned, else `program`.
pub fn command(program: &Path, cpus: Option<&str>) -> Command {
    match cpus {
        Some(cpus) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(cpus).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// How to run Kring: its binary, its database and the environment every process shares.
#[derive(Clone)]
pub struct Kring {
    pub binary: PathBuf,
    pub database_url: String,
    pub env: Vec<(String, String)>,
}

impl Kring {
    fn command(&self, cpus: Option<&str>) -> Command {
        let mut c = command(&self.binary, cpus);
        c.env("KRING_DATABASE__URL", &self.database_url)
            .env("KRING_LOG__LEVEL", "warn")
            .env_remove("RUST_LOG")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .kill_on_drop(true);
        c
    }

    /// `kring serve` on a fresh port, once `/healthz` answers.
    pub async fn serve(&self, cpus: Option<&str>) -> Result<Server, Error> {
        let port = free_port().map_err(|e| e.to_string())?;
        let child = self
            .command(cpus)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("start {}: {e}", self.binary.display()))?;
        let server = Server { child, port };
        let client = http_client();
        for _ in 0..300 {
            if let Ok(r) = client
                .get(format!("{}/healthz", server.base()))
                .send()
                .await
                && r.status().is_success()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server.stop().await;
        Err("kring serve did not answer /healthz within 30 s".into())
    }

    /// `kring admin create-admin LOGIN`, the password on stdin.
    pub async fn create_admin(&self, login: &str) -> Result<(), Error> {
        let mut child = self
            .command(None)
            .args(["admin", "create-admin", login])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        drop(stdin);
        let output = child.wait_with_output().await.map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "kring admin create-admin: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }
}

/// The bare server on a fresh port (it prints the address it bound).
pub async fn bare(
    exe: &Path,
    cpus: Option<&str>,
    workers: usize,
    queue: usize,
) -> Result<Server, Error> {
    let mut child = command(exe, cpus)
        .args([
            "bare",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            &workers.to_string(),
            "--queue",
            &queue.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .map_err(|_| "the bare server did not start".to_string())?
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let port = line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| format!("the bare server said {line:?}"))?;
    Ok(Server { child, port })
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(16)
        .build()
        .expect("HTTP client")
}

/// The API as one client: JSON in and out, errors with their body.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            client: http_client(),
            base: base.to_string(),
        }
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Result<Value, Error> {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("POST {path}: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("POST {path}: {status} {text}"));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn register(&self, login: &str) -> Result<(), Error> {
        self.post(
            "/api/v1/accounts",
            None,
            json!({"login": login, "password": PASSWORD}),
        )
        .await
        .map(|_| ())
    }

    pub async fn login(&self, login: &str) -> Result<String, Error> {
        let body = self
            .post(
                "/api/v1/sessions",
                None,
                json!({"login": login, "password": PASSWORD}),
            )
            .await?;
        body["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("login answered {body}"))
    }
}

/// What the seed made: a token per member (each in every seeded group) and the rooms' ids
/// by name.
pub struct Seeded {
    pub tokens: Vec<String>,
    pub rooms: std::collections::BTreeMap<String, String>,
    pub groups: usize,
}

/// Kring allows a group this many rooms; the seed makes as many groups as the rooms need.
const ROOMS_PER_GROUP: usize = 20;

/// Seeds a fresh Kring through `server`: admin, staff, groups `chatbank-N` with a leader and
/// up to [`ROOMS_PER_GROUP`] of the rooms named each, and `members` members in every group
/// (registered and logged in `parallel` at a time).
pub async fn seed(
    kring: &Kring,
    server: &Server,
    members: usize,
    rooms: &[String],
    parallel: usize,
) -> Result<Seeded, Error> {
    let api = Api::new(&server.base());
    kring.create_admin("chatbeheer").await?;
    let admin = api.login("chatbeheer").await?;
    api.post(
        "/api/v1/staff-accounts",
        Some(&admin),
        json!({"login": "chatstaf", "password": PASSWORD}),
    )
    .await?;
    api.post(
        &format!("/api/v1/steunpunten/{HOME}/admins"),
        Some(&admin),
        json!({"login": "chatstaf"}),
    )
    .await?;
    let staff = api.login("chatstaf").await?;
    api.register("chatleider").await?;
    let leader = api.login("chatleider").await?;

    let mut room_ids = std::collections::BTreeMap::new();
    let mut groups = Vec::new();
    for (g, chunk) in rooms.chunks(ROOMS_PER_GROUP).enumerate() {
        let group = format!("{GROUP}-{g}");
        api.post(
            "/api/v1/groups",
            Some(&staff),
            json!({"steunpunt": HOME, "slug": group, "name": format!("Chatbank {g}"),
                   "mode": "registered", "listed": true, "theme": "mental_health",
                   "house_rules": "Wat hier gezegd wordt, blijft hier."}),
        )
        .await?;
        let code = api
            .post(
                &format!("/api/v1/groups/{group}/invites"),
                Some(&staff),
                json!({"role": "leader", "max_uses": 1, "expires_in_days": 7}),
            )
            .await?["code"]
            .as_str()
            .ok_or("no leader invite code")?
            .to_string();
        api.post(
            &format!("/api/v1/groups/{group}/members"),
            Some(&leader),
            json!({"display_name": "Leider", "invite_code": code, "accept_house_rules": true}),
        )
        .await?;
        for name in chunk {
            let room = api
                .post(
                    &format!("/api/v1/groups/{group}/rooms"),
                    Some(&leader),
                    json!({"name": name}),
                )
                .await?;
            let id = room["id"]
                .as_str()
                .ok_or_else(|| format!("room answer {room}"))?;
            room_ids.insert(name.clone(), id.to_string());
        }
        groups.push(group);
    }

    let tokens = members_of(&api, members, parallel, &groups).await?;
    Ok(Seeded {
        tokens,
        rooms: room_ids,
        groups: groups.len(),
    })
}

/// Registers `count` accounts `chatlid_N`, logs each in, and joins it to each of `groups`
/// under the display name `Lid_N`; returns their tokens in order.
pub async fn members_of(
    api: &Api,
    count: usize,
    parallel: usize,
    groups: &[String],
) -> Result<Vec<String>, Error> {
    use futures_util::StreamExt;
    let api = Arc::new(api.clone());
    let groups = Arc::new(groups.to_vec());
    let results: Vec<Result<(usize, String), Error>> =
        futures_util::stream::iter((0..count).map(|n| {
            let api = api.clone();
            let groups = groups.clone();
            async move {
                let login = format!("chatlid_{n}");
                api.register(&login).await?;
                let token = api.login(&login).await?;
                for group in groups.iter() {
                    api.post(
                        &format!("/api/v1/groups/{group}/members"),
                        Some(&token),
                        json!({"display_name": format!("Lid_{n}"), "accept_house_rules": true}),
                    )
                    .await?;
                }
                Ok((n, token))
            }
        }))
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    let mut tokens = vec![String::new(); count];
    for result in results {
        let (n, token) = result?;
        tokens[n] = token;
    }
    Ok(tokens)
}
