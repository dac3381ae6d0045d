//! The open-loop load generator.
//!
//! It connects every client of a [`Plan`] (or of its shard, when several generator processes
//! share one), then senders send on a fixed schedule: message `k` of a room is due at
//! `start + k / rate`, whether or not earlier ones came back, and its body carries its send
//! time, but never later than its due time. Every receiver records delivery latency (receive
//! time minus that stamp, so a late send counts against the system, not hidden by it) in an
//! HDR histogram, and checks the
//! room's `seq`: gaps and duplicates are counted from the first seq a client sees. Stalled
//! clients connect with a tiny receive buffer and never read until the end, when they read
//! to learn whether the server cut them off.
//!
//! One thread (a current-thread runtime): nothing is shared across threads, and the runner
//! can pin the generator to a core of its own. Under `--coordinated` it talks to the runner
//! in JSON lines: it prints `connected` and waits for `start <unix nanos>` on stdin, prints
//! `finished` when the run is over and waits for `close` (so the runner can read the
//! server's memory with every connection still open), then prints `result`.

use crate::frame::{self, SeqOutcome, SeqTracker, ServerFrame};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Ws = WebSocketStream<TcpStream>;

/// What a generator run does: rooms of clients, a send rate per room, and the phases.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Plan {
    pub rooms: Vec<RoomPlan>,
    /// Messages per second per room, spread evenly over the room's senders. 0: idle.
    pub rate_per_room: f64,
    /// Sending before the measured window (latencies not recorded).
    pub warmup_secs: f64,
    /// The measured window (for an idle run: how long connections are held).
    pub duration_secs: f64,
    /// Receiving after the last send, before the counts are taken.
    pub drain_secs: f64,
    pub body_bytes: usize,
    /// Handshakes in flight at once.
    pub connect_concurrency: usize,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct RoomPlan {
    pub name: String,
    pub clients: Vec<ClientPlan>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ClientPlan {
    pub url: String,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub origin: Option<String>,
    pub role: Role,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Sender,
    Receiver,
    /// Connects and never reads.
    Stalled,
}

/// What one generator process measured. [`LoadResult::merge`] adds shards together.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct LoadResult {
    pub connected: u64,
    pub connect_failures: u64,
    pub connect_errors: Vec<String>,
    /// Connections (not stalled) that the server ended before the run was over.
    pub drops: u64,
    pub drop_reasons: Vec<String>,
    pub stalled: u64,
    pub stalled_cut_off: u64,
    /// Message frames stalled clients found waiting when they read at the end.
    pub stalled_frames: u64,
    /// Messages sent, per room.
    pub sent: BTreeMap<String, u64>,
    pub send_failures: u64,
    /// Messages received by clients that stayed connected and read (not stalled), per room...
    pub delivered: BTreeMap<String, u64>,
    /// ...and how many such clients each room had.
    pub receivers: BTreeMap<String, u64>,
    /// Deliveries of messages due inside the measured window.
    pub measured_deliveries: u64,
    pub measured_secs: f64,
    pub gaps: u64,
    pub duplicates: u64,
    /// `error` frames by code.
    pub errors: BTreeMap<String, u64>,
    /// Frames that were not JSON or had no readable stamp.
    pub unreadable: u64,
    /// Messages stamped before this run began (history a fresh connection was sent):
    /// checked for seq, not counted as deliveries.
    #[serde(default)]
    pub history: u64,
    /// Latency histogram in microseconds, as (value, count) pairs.
    pub latency_us: Vec<(u64, u64)>,
}

impl LoadResult {
    pub fn merge(mut self, other: LoadResult) -> LoadResult {
        let mut h = self.histogram();
        h.add(other.histogram()).expect("same bounds");
        self.latency_us = pairs(&h);
        self.connected += other.connected;
        self.connect_failures += other.connect_failures;
        self.connect_errors.extend(other.connect_errors);
        self.connect_errors.truncate(5);
        self.drops += other.drops;
        self.drop_reasons.extend(other.drop_reasons);
        self.drop_reasons.truncate(5);
        self.stalled += other.stalled;
        self.stalled_cut_off += other.stalled_cut_off;
        self.stalled_frames += other.stalled_frames;
        for (map, more) in [
            (&mut self.sent, other.sent),
            (&mut self.delivered, other.delivered),
            (&mut self.receivers, other.receivers),
            (&mut self.errors, other.errors),
        ] {
            for (k, v) in more {
                *map.entry(k).or_default() += v;
            }
        }
        self.send_failures += other.send_failures;
        self.measured_deliveries += other.measured_deliveries;
        self.measured_secs = self.measured_secs.max(other.measured_secs);
        self.gaps += other.gaps;
        self.duplicates += other.duplicates;
        self.unreadable += other.unreadable;
        self.history += other.history;
        self
    }

    pub fn histogram(&self) -> Histogram<u64> {
        let mut h = new_histogram();
        for &(v, n) in &self.latency_us {
            h.saturating_record_n(v, n);
        }
        h
    }

    /// Deliveries that should have happened and did not: every message to every client of
    /// its room that stayed connected and read.
    pub fn undelivered(&self) -> u64 {
        self.sent
            .iter()
            .map(|(room, sent)| {
                let want = sent * self.receivers.get(room).copied().unwrap_or(0);
                want.saturating_sub(self.delivered.get(room).copied().unwrap_or(0))
            })
            .sum()
    }

    pub fn deliveries_per_sec(&self) -> f64 {
        if self.measured_secs > 0.0 {
            self.measured_deliveries as f64 / self.measured_secs
        } else {
            0.0
        }
    }

    /// Latency quantile in milliseconds.
    pub fn ms(&self, quantile: f64) -> f64 {
        let h = self.histogram();
        if h.is_empty() {
            return f64::NAN;
        }
        h.value_at_quantile(quantile) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        let h = self.histogram();
        if h.is_empty() {
            return f64::NAN;
        }
        h.max() as f64 / 1000.0
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 300_000_000, 3).expect("histogram bounds")
}

fn pairs(h: &Histogram<u64>) -> Vec<(u64, u64)> {
    h.iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value()))
        .collect()
}

#[derive(clap::Args, Debug, Clone)]
pub struct LoadArgs {
    /// A plan file (JSON, as the runner writes it). Without it, the flags below make one.
    #[arg(long)]
    pub plan: Option<std::path::PathBuf>,
    /// Take every `shards`-th client starting at this one (several generator processes).
    #[arg(long, default_value_t = 0)]
    pub shard: usize,
    #[arg(long, default_value_t = 1)]
    pub shards: usize,
    /// Talk to the runner over stdin/stdout (see the module docs).
    #[arg(long)]
    pub coordinated: bool,
    /// Websocket URL; `{room}` is replaced by the room number (0, 1, ...).
    #[arg(long, default_value = "ws://127.0.0.1:9000/rooms/{room}/ws")]
    pub url: String,
    #[arg(long, default_value_t = 1)]
    pub rooms: usize,
    #[arg(long, default_value_t = 100)]
    pub clients_per_room: usize,
    #[arg(long, default_value_t = 5)]
    pub senders_per_room: usize,
    /// Clients per room that never read.
    #[arg(long, default_value_t = 0)]
    pub stalled_per_room: usize,
    /// Messages per second per room.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    #[arg(long, default_value_t = 2.0)]
    pub drain: f64,
    #[arg(long, default_value_t = 256)]
    pub body_bytes: usize,
    /// Bearer token sent with every handshake.
    #[arg(long)]
    pub token: Option<String>,
    /// Origin header sent with every handshake.
    #[arg(long)]
    pub origin: Option<String>,
    /// Never sleep: poll the sockets between rounds of work instead of waiting in epoll.
    /// Only for a generator with a core of its own. On loopback the kernel charges waking a
    /// sleeping reader to the writer's core: a sleeping generator makes the server pay an
    /// inter-processor interrupt (in a VM, an exit to the hypervisor) for nearly every
    /// delivery, which clients on other machines never cost it. (Measured in
    /// benches/RESULTS.md: a quarter of the server's CPU at 40,000 deliveries/s.)
    #[arg(long)]
    pub spin: bool,
}

impl LoadArgs {
    fn plan(&self) -> std::io::Result<Plan> {
        if let Some(path) = &self.plan {
            let text = std::fs::read_to_string(path)?;
            return serde_json::from_str(&text).map_err(std::io::Error::other);
        }
        let rooms = (0..self.rooms)
            .map(|r| RoomPlan {
                name: r.to_string(),
                clients: (0..self.clients_per_room)
                    .map(|c| ClientPlan {
                        url: self.url.replace("{room}", &r.to_string()),
                        token: self.token.clone(),
                        origin: self.origin.clone(),
                        role: if c < self.senders_per_room {
                            Role::Sender
                        } else if c < self.senders_per_room + self.stalled_per_room {
                            Role::Stalled
                        } else {
                            Role::Receiver
                        },
                    })
                    .collect(),
            })
            .collect();
        Ok(Plan {
            rooms,
            rate_per_room: self.rate,
            warmup_secs: self.warmup,
            duration_secs: self.duration,
            drain_secs: self.drain,
            body_bytes: self.body_bytes,
            connect_concurrency: 256,
        })
    }
}

pub fn run(args: LoadArgs) -> std::io::Result<()> {
    crate::raise_file_limit();
    let plan = args.plan()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    if args.spin {
        // A task that always yields: the runtime never parks, it polls epoll with a zero
        // timeout between rounds of tasks.
        local.spawn_local(async {
            loop {
                tokio::task::yield_now().await;
            }
        });
    }
    let result = local.block_on(&runtime, generate(plan, args))?;
    if !result.coordinated {
        eprintln!("{}", summary(&result.result));
    }
    println!(
        "{}",
        serde_json::json!({"event": "result", "result": result.result})
    );
    Ok(())
}

/// One line for people.
pub fn summary(r: &LoadResult) -> String {
    format!(
        "connected {} (failed {}), p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms, \
         {:.0} deliveries/s, gaps {}, duplicates {}, undelivered {}, drops {}, stalled cut off \
         {}/{}, errors {:?}, history frames {}",
        r.connected,
        r.connect_failures,
        r.ms(0.5),
        r.ms(0.99),
        r.ms(0.999),
        r.max_ms(),
        r.deliveries_per_sec(),
        r.gaps,
        r.duplicates,
        r.undelivered(),
        r.drops,
        r.stalled_cut_off,
        r.stalled,
        r.errors,
        r.history
    )
}

struct Finished {
    result: LoadResult,
    coordinated: bool,
}

/// Counters every client task writes to (one thread, so a RefCell).
#[derive(Default)]
struct Shared {
    histogram: Option<Histogram<u64>>,
    measured_deliveries: u64,
    gaps: u64,
    duplicates: u64,
    errors: BTreeMap<String, u64>,
    unreadable: u64,
    history: u64,
    sent: BTreeMap<String, u64>,
    send_failures: u64,
    drops: u64,
    drop_reasons: Vec<String>,
}

/// The run's clock: the measured window in Unix nanos (for stamps), the stop as an Instant.
#[derive(Clone, Copy)]
struct Window {
    run_from: u64,
    measure_from: u64,
    measure_to: u64,
}

struct Connected {
    room: usize,
    index: usize,
    role: Role,
    ws: Ws,
}

async fn generate(plan: Plan, args: LoadArgs) -> std::io::Result<Finished> {
    let mut todo = Vec::new();
    let mut global = 0usize;
    for (r, room) in plan.rooms.iter().enumerate() {
        for (c, client) in room.clients.iter().enumerate() {
            if global % args.shards == args.shard {
                todo.push((r, c, client.clone()));
            }
            global += 1;
        }
    }

    // Connect, a bounded number of handshakes at a time.
    let addresses = Rc::new(RefCell::new(HashMap::<String, SocketAddr>::new()));
    let mut result = LoadResult::default();
    let mut connected: Vec<Connected> = Vec::with_capacity(todo.len());
    let mut pending = futures_util::stream::iter(todo.into_iter().map(|(r, c, client)| {
        let addresses = addresses.clone();
        async move {
            let outcome = tokio::time::timeout(
                Duration::from_secs(60),
                connect(&client, &addresses, client.role == Role::Stalled),
            )
            .await
            .unwrap_or_else(|_| Err("handshake timed out".into()));
            (r, c, client.role, outcome)
        }
    }))
    .buffer_unordered(plan.connect_concurrency.max(1));
    while let Some((room, index, role, outcome)) = pending.next().await {
        match outcome {
            Ok(ws) => connected.push(Connected {
                room,
                index,
                role,
                ws,
            }),
            Err(e) => {
                result.connect_failures += 1;
                if result.connect_errors.len() < 5 {
                    result.connect_errors.push(e);
                }
            }
        }
    }
    drop(pending);
    result.connected = connected.len() as u64;
    eprintln!(
        "chatload load: {} connected, {} failed",
        result.connected, result.connect_failures
    );

    // Wait for the go.
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let start_unix = if args.coordinated {
        println!(
            "{}",
            serde_json::json!({"event": "connected", "connected": result.connected,
                               "failures": result.connect_failures})
        );
        wait_for(&mut stdin, "start")
            .await?
            .and_then(|rest| rest.trim().parse::<u64>().ok())
            .unwrap_or_else(frame::unix_nanos)
    } else {
        frame::unix_nanos() + 200_000_000
    };
    let now_unix = frame::unix_nanos();
    let start = Instant::now() + Duration::from_nanos(start_unix.saturating_sub(now_unix));
    let secs = |s: f64| Duration::from_secs_f64(s.max(0.0));
    let measure_from = start + secs(plan.warmup_secs);
    let stop = measure_from + secs(plan.duration_secs);
    let end = stop + secs(plan.drain_secs);
    let window = Window {
        // A sender wakes up to a millisecond before its first due time and stamps that.
        run_from: start_unix.saturating_sub(50_000_000),
        measure_from: start_unix + secs(plan.warmup_secs).as_nanos() as u64,
        measure_to: start_unix + secs(plan.warmup_secs + plan.duration_secs).as_nanos() as u64,
    };

    let shared = Rc::new(RefCell::new(Shared {
        histogram: Some(new_histogram()),
        ..Shared::default()
    }));
    let senders_in_room: Vec<usize> = plan
        .rooms
        .iter()
        .map(|r| r.clients.iter().filter(|c| c.role == Role::Sender).count())
        .collect();
    // A sender's rank among its room's senders fixes its place in the room's schedule.
    let sender_rank = |room: usize, index: usize| {
        plan.rooms[room].clients[..index]
            .iter()
            .filter(|c| c.role == Role::Sender)
            .count()
    };

    let mut readers = Vec::new();
    let mut stalled = Vec::new();
    let mut sender_tasks = Vec::new();
    for Connected {
        room,
        index,
        role,
        ws,
    } in connected
    {
        let name = plan.rooms[room].name.clone();
        match role {
            Role::Stalled => stalled.push(ws),
            Role::Receiver => {
                let state = Rc::new(RefCell::new(ClientState::default()));
                let task = tokio::task::spawn_local(read_frames(
                    ws,
                    shared.clone(),
                    state.clone(),
                    window,
                ));
                readers.push((name, state, task));
            }
            Role::Sender => {
                let (sink, stream) = ws.split();
                let state = Rc::new(RefCell::new(ClientState::default()));
                let task = tokio::task::spawn_local(read_frames(
                    stream,
                    shared.clone(),
                    state.clone(),
                    window,
                ));
                readers.push((name.clone(), state, task));
                if plan.rate_per_room > 0.0 {
                    let schedule = Schedule {
                        start,
                        start_unix,
                        stop,
                        every: secs(senders_in_room[room] as f64 / plan.rate_per_room),
                        // Rooms are out of step with one another, as real meetings are:
                        // room r of n starts r/n of a message interval later, so the rooms'
                        // sends spread over each interval instead of landing all at once.
                        first: secs(
                            (sender_rank(room, index) as f64
                                + room as f64 / plan.rooms.len() as f64)
                                / plan.rate_per_room,
                        ),
                        body_bytes: plan.body_bytes,
                        tag: format!("r{room}c{index}s{}", args.shard),
                    };
                    sender_tasks.push(tokio::task::spawn_local(send_on_schedule(
                        sink,
                        schedule,
                        name,
                        shared.clone(),
                    )));
                } else {
                    // Keep the write half (and so the connection) for the whole run.
                    sender_tasks.push(tokio::task::spawn_local(async move {
                        let _sink = sink;
                        std::future::pending::<()>().await;
                    }));
                }
            }
        }
    }

    tokio::time::sleep_until(end).await;
    result.measured_secs = plan.duration_secs;

    if args.coordinated {
        println!("{}", serde_json::json!({"event": "finished"}));
        wait_for(&mut stdin, "close").await?;
    }
    for task in &sender_tasks {
        task.abort();
    }
    for (name, state, task) in &readers {
        task.abort();
        let state = state.borrow();
        if !state.ended {
            *result.receivers.entry(name.clone()).or_default() += 1;
            *result.delivered.entry(name.clone()).or_default() += state.delivered;
        }
    }
    for name in plan.rooms.iter().map(|r| &r.name) {
        result.receivers.entry(name.clone()).or_default();
    }

    // Stalled clients read now: did the server cut them off?
    result.stalled = stalled.len() as u64;
    let cut_offs = futures_util::future::join_all(stalled.into_iter().map(|ws| {
        let deadline = Instant::now() + Duration::from_secs(5);
        async move { was_cut_off(ws, deadline).await }
    }))
    .await;
    result.stalled_cut_off = cut_offs.iter().filter(|(cut, _)| *cut).count() as u64;
    result.stalled_frames = cut_offs.iter().map(|(_, frames)| frames).sum();

    let mut shared = shared.borrow_mut();
    result.latency_us = pairs(shared.histogram.as_ref().expect("histogram"));
    result.measured_deliveries = shared.measured_deliveries;
    result.gaps = shared.gaps;
    result.duplicates = shared.duplicates;
    result.errors = std::mem::take(&mut shared.errors);
    result.unreadable = shared.unreadable;
    result.history = shared.history;
    result.sent = std::mem::take(&mut shared.sent);
    for name in plan.rooms.iter().map(|r| &r.name) {
        result.sent.entry(name.clone()).or_default();
    }
    result.send_failures = shared.send_failures;
    result.drops = shared.drops;
    result.drop_reasons = std::mem::take(&mut shared.drop_reasons);
    Ok(Finished {
        result,
        coordinated: args.coordinated,
    })
}

/// Reads stdin lines until one starts with `word`; returns the rest of it (None at EOF).
async fn wait_for(
    stdin: &mut tokio::io::Lines<tokio::io::BufReader<tokio::io::Stdin>>,
    word: &str,
) -> std::io::Result<Option<String>> {
    while let Some(line) = stdin.next_line().await? {
        if let Some(rest) = line.strip_prefix(word) {
            return Ok(Some(rest.to_string()));
        }
    }
    Ok(None)
}

async fn connect(
    client: &ClientPlan,
    addresses: &RefCell<HashMap<String, SocketAddr>>,
    stalled: bool,
) -> Result<Ws, String> {
    let mut request = client
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    let headers = request.headers_mut();
    if let Some(token) = &client.token {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| e.to_string())?;
        headers.insert("authorization", value);
    }
    if let Some(origin) = &client.origin {
        headers.insert(
            "origin",
            HeaderValue::from_str(origin).map_err(|e| e.to_string())?,
        );
    }
    let authority = {
        let uri = request.uri();
        format!(
            "{}:{}",
            uri.host().unwrap_or("127.0.0.1"),
            uri.port_u16().unwrap_or(80)
        )
    };
    let cached = addresses.borrow().get(&authority).copied();
    let addr = match cached {
        Some(addr) => addr,
        None => {
            let addr = tokio::net::lookup_host(&authority)
                .await
                .map_err(|e| e.to_string())?
                .next()
                .ok_or_else(|| format!("{authority}: no address"))?;
            addresses.borrow_mut().insert(authority, addr);
            addr
        }
    };
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| e.to_string())?;
    if stalled {
        // A tiny window and segment size: on loopback the server's kernel would otherwise
        // size its send buffer from a 64 KiB MSS and soak up megabytes before the server's
        // own queue ever fills.
        socket
            .set_recv_buffer_size(4096)
            .map_err(|e| e.to_string())?;
        small_segments(&socket).map_err(|e| e.to_string())?;
    }
    let stream = socket.connect(addr).await.map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let (ws, _) = tokio_tungstenite::client_async_with_config(
        request,
        stream,
        // Small buffers like the bare server's, but whole frames of any size a browser takes.
        Some(
            crate::bare::ws_config()
                .max_message_size(Some(1 << 20))
                .max_frame_size(Some(1 << 20)),
        ),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(ws)
}

/// Announces a 536-byte MSS in the SYN (TCP_MAXSEG before connect).
fn small_segments(socket: &TcpSocket) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let mss: libc::c_int = 536;
    // SAFETY: sets an int option on a socket we own, passing its size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_MAXSEG,
            (&mss as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[derive(Default)]
struct ClientState {
    seq: SeqTracker,
    delivered: u64,
    /// The server ended the connection before the run was over.
    ended: bool,
}

async fn read_frames<S>(
    mut frames: S,
    shared: Rc<RefCell<Shared>>,
    state: Rc<RefCell<ClientState>>,
    window: Window,
) where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let reason = loop {
        match frames.next().await {
            Some(Ok(Message::Text(text))) => {
                let now = frame::unix_nanos();
                on_frame(&text, now, &shared, &state, window);
            }
            Some(Ok(Message::Close(close))) => {
                break format!(
                    "closed by the server: {}",
                    close
                        .map(|c| format!("{} {}", c.code, c.reason))
                        .unwrap_or_default()
                );
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => break format!("read error: {e}"),
            None => break "connection ended".to_string(),
        }
    };
    state.borrow_mut().ended = true;
    let mut shared = shared.borrow_mut();
    shared.drops += 1;
    if shared.drop_reasons.len() < 5 {
        shared.drop_reasons.push(reason);
    }
}

fn on_frame(
    text: &str,
    now: u64,
    shared: &RefCell<Shared>,
    state: &RefCell<ClientState>,
    window: Window,
) {
    let Ok(parsed) = serde_json::from_str::<ServerFrame>(text) else {
        shared.borrow_mut().unreadable += 1;
        return;
    };
    match parsed.kind.as_ref() {
        "message" => {
            let mut state = state.borrow_mut();
            let mut shared = shared.borrow_mut();
            if let Some(seq) = parsed.seq {
                match state.seq.observe(seq) {
                    SeqOutcome::InOrder => {}
                    SeqOutcome::Gap(n) => shared.gaps += n,
                    SeqOutcome::Duplicate => shared.duplicates += 1,
                }
            }
            let Some(stamp) = parsed.body_html.as_deref().and_then(frame::parse_stamp) else {
                shared.unreadable += 1;
                return;
            };
            if stamp < window.run_from {
                shared.history += 1;
                return;
            }
            state.delivered += 1;
            if (window.measure_from..window.measure_to).contains(&stamp) {
                shared.measured_deliveries += 1;
                let micros = now.saturating_sub(stamp) / 1000;
                if let Some(h) = shared.histogram.as_mut() {
                    h.saturating_record(micros.max(1));
                }
            }
        }
        "error" => {
            let code = parsed
                .error
                .or(parsed.code)
                .map(|c| c.into_owned())
                .unwrap_or_else(|| "unknown".into());
            *shared.borrow_mut().errors.entry(code).or_default() += 1;
        }
        _ => {}
    }
}

struct Schedule {
    start: Instant,
    start_unix: u64,
    stop: Instant,
    every: Duration,
    first: Duration,
    body_bytes: usize,
    tag: String,
}

/// Sends message k at `start + first + k * every` until `stop`, never waiting for replies.
async fn send_on_schedule(
    mut sink: SplitSink<Ws, Message>,
    schedule: Schedule,
    room: String,
    shared: Rc<RefCell<Shared>>,
) {
    let mut k: u32 = 0;
    loop {
        let offset = schedule.first + schedule.every * k;
        let due = schedule.start + offset;
        if due >= schedule.stop {
            break;
        }
        // Tokio's timer rounds a deadline up to its next millisecond: wake a millisecond
        // early and stamp the real send time, unless the send is late, which then counts.
        tokio::time::sleep_until(due - Duration::from_millis(1)).await;
        let due_unix = schedule.start_unix + offset.as_nanos() as u64;
        let stamp = frame::unix_nanos().min(due_unix);
        let body = frame::stamped_body(stamp, schedule.body_bytes);
        let text = frame::send_frame(&body, &format!("{}-{k}", schedule.tag));
        if sink.send(Message::text(text)).await.is_err() {
            shared.borrow_mut().send_failures += 1;
            break;
        }
        *shared.borrow_mut().sent.entry(room.clone()).or_default() += 1;
        k += 1;
    }
    // Keep the connection open through the drain.
    std::future::pending::<()>().await;
}

/// Reads what a stalled client was sent until the server's close (true) or the deadline;
/// also counts the message frames it found.
async fn was_cut_off(mut ws: Ws, deadline: Instant) -> (bool, u64) {
    let mut frames = 0;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return (false, frames),
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return (true, frames),
            Ok(Some(Ok(Message::Text(text)))) => {
                if text.contains(r#""type":"message""#) {
                    frames += 1;
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}
