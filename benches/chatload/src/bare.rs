//! The bare broadcast server: the baseline Kring's chat is measured against in the same run.
//!
//! tokio-tungstenite, a room per request path, no storage, no auth, no Markdown. Every
//! `{"type":"send",..}` frame gets the room's next seq and goes to every connection of the
//! room as a `message` frame of Kring's shape and roughly its size (the body wrapped in
//! `<p>..</p>`, an id, an author, a timestamp). Each connection has a bounded queue; a
//! connection whose queue is full is cut off, so a stalled reader never holds up the room.
//! It must stay this small: anything Kring-like it grows makes the baseline less bare.

use crate::frame::unix_nanos;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

#[derive(clap::Args, Debug, Clone)]
pub struct BareArgs {
    /// Address to listen on (port 0 picks one; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub bind: String,
    /// Frames queued per connection before it is cut off.
    #[arg(long, default_value_t = 256)]
    pub queue: usize,
    /// Runtime worker threads (0: one per CPU this process may use).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
}

/// One connection as its room sees it: the queue to it and the bell that cuts it off.
struct Member {
    queue: mpsc::Sender<Utf8Bytes>,
    cut_off: Arc<Notify>,
}

#[derive(Default)]
struct Room {
    seq: u64,
    members: HashMap<u64, Member>,
}

#[derive(Default)]
struct Hub {
    rooms: Mutex<HashMap<String, Arc<Mutex<Room>>>>,
    next_connection: AtomicU64,
    cut_offs: AtomicU64,
}

/// Small buffers, as a server holding many idle connections would use.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024))
}

pub fn run(args: BareArgs) -> std::io::Result<()> {
    crate::raise_file_limit();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if args.workers > 0 {
        builder.worker_threads(args.workers);
    }
    builder.enable_all().build()?.block_on(serve(args))
}

async fn serve(args: BareArgs) -> std::io::Result<()> {
    let listener = TcpListener::bind(&args.bind).await?;
    // The runner reads this line to learn the port.
    println!("listening on {}", listener.local_addr()?);
    let hub = Arc::new(Hub::default());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let hub = hub.clone();
        let queue = args.queue;
        tokio::spawn(async move {
            let _ = connection(hub, stream, queue).await;
        });
    }
}

async fn connection(
    hub: Arc<Hub>,
    stream: TcpStream,
    queue: usize,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let mut path = String::new();
    // The error type is tungstenite's handshake response, not ours to shrink.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| {
        path = request.uri().path().to_string();
        Ok(response)
    };
    let ws = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(ws_config()))
        .await?;
    let room = hub
        .rooms
        .lock()
        .expect("rooms")
        .entry(path.clone())
        .or_default()
        .clone();
    let id = hub.next_connection.fetch_add(1, Ordering::Relaxed);
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(queue);
    let cut_off = Arc::new(Notify::new());
    let last_seq = {
        let mut room = room.lock().expect("room");
        room.members.insert(
            id,
            Member {
                queue: tx,
                cut_off: cut_off.clone(),
            },
        );
        room.seq
    };
    let (mut sink, mut frames) = ws.split();
    let ready = format!(r#"{{"type":"ready","room_id":"bare","last_seq":{last_seq}}}"#);
    sink.send(Message::text(ready)).await?;
    let result = loop {
        tokio::select! {
            frame = frames.next() => match frame {
                Some(Ok(Message::Text(text))) => broadcast(&hub, &room, &text),
                Some(Ok(Message::Close(_))) | None => break Ok(()),
                Some(Err(e)) => break Err(e),
                Some(Ok(_)) => {}
            },
            next = rx.recv() => {
                let Some(first) = next else { break Ok(()) };
                // Write what is queued as one batch, unless the room cuts us off meanwhile.
                let write = async {
                    sink.feed(Message::Text(first)).await?;
                    for _ in 0..63 {
                        match rx.try_recv() {
                            Ok(more) => sink.feed(Message::Text(more)).await?,
                            Err(_) => break,
                        }
                    }
                    sink.flush().await
                };
                tokio::select! {
                    written = write => if let Err(e) = written { break Err(e) },
                    _ = cut_off.notified() => break Ok(()),
                }
            },
            _ = cut_off.notified() => break Ok(()),
        }
    };
    room.lock().expect("room").members.remove(&id);
    result
}

/// Assigns the next seq and queues the frame to every member; a full queue cuts that member off.
fn broadcast(hub: &Hub, room: &Mutex<Room>, text: &str) {
    let Ok(send) = serde_json::from_str::<Send>(text) else {
        return;
    };
    if send.kind != "send" {
        return;
    }
    let mut room = room.lock().expect("room");
    room.seq += 1;
    let seq = room.seq;
    let frame: Utf8Bytes = serde_json::json!({
        "type": "message",
        "room_id": "bare",
        "seq": seq,
        "id": format!("m{:020}", unix_nanos()),
        "author": "x",
        "body_html": format!("<p>{}</p>\n", escape(&send.body)),
        "sent_at": sent_at(),
        "client_msg_id": send.client_msg_id,
    })
    .to_string()
    .into();
    let mut full = Vec::new();
    for (id, member) in &room.members {
        if member.queue.try_send(frame.clone()).is_err() {
            member.cut_off.notify_one();
            full.push(*id);
        }
    }
    for id in full {
        room.members.remove(&id);
        hub.cut_offs.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(serde::Deserialize)]
struct Send {
    #[serde(rename = "type")]
    kind: String,
    body: String,
    #[serde(default)]
    client_msg_id: Option<String>,
}

fn escape(body: &str) -> String {
    body.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn sent_at() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
