//! Chat over the real websocket: rooms, messages with `seq`, replay after a reconnect,
//! idempotent resends, deletion and moderation reaching every client, limits and schedules,
//! presence, the handshake's policy, erasure, and two processes on one PostgreSQL database.

mod access;
mod erasure;
mod limits;
mod moderation;
mod presence;
mod processes;
mod revocation;
mod schedule;
mod socket;
mod stalled;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::forum::Cast;
use crate::helpers::TestApp;

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One websocket client of a room.
pub struct Client {
    pub stream: Stream,
    /// Every frame received so far, in order (the first is `ready`).
    pub seen: Vec<Value>,
    /// Who is present, as the presence frames so far say (the whole list once, then what
    /// changed), leaders first, then by name, as a client shows it.
    pub present: Vec<Value>,
}

/// How long a test waits for a frame that should come.
pub const WAIT: Duration = Duration::from_secs(10);

/// The websocket address of `room` on the server at `base` (`http://host:port`).
pub fn ws_url_at(base: &str, room: &str, query: &str) -> String {
    format!("{base}/api/v1/rooms/{room}/ws{query}").replacen("http://", "ws://", 1)
}

/// `Authorization: Bearer token`, as a handshake header.
pub fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

impl Client {
    /// Connects with a bearer token (or as a guest), `query` like `?since=3`.
    pub async fn connect(
        app: &TestApp,
        room: &str,
        token: Option<&str>,
        query: &str,
    ) -> Result<Client, tungstenite::Error> {
        let headers: Vec<_> = token.map(bearer).into_iter().collect();
        Client::open(&app.address, room, &headers, query).await
    }

    /// Connects to the server at `base` with these handshake headers; waits for `ready`.
    pub async fn open(
        base: &str,
        room: &str,
        headers: &[(&'static str, String)],
        query: &str,
    ) -> Result<Client, tungstenite::Error> {
        let mut request = ws_url_at(base, room, query).into_client_request()?;
        for (name, value) in headers {
            request.headers_mut().insert(*name, value.parse().unwrap());
        }
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        let mut client = Client {
            stream,
            seen: vec![],
            present: vec![],
        };
        client.next_of("ready").await;
        Ok(client)
    }

    pub async fn join(app: &TestApp, room: &str, token: &str) -> Client {
        Client::connect(app, room, Some(token), "")
            .await
            .expect("the websocket opens")
    }

    /// The `ready` frame the connection began with.
    pub fn ready(&self) -> &Value {
        &self.seen[0]
    }

    /// Who the server says this connection is: a membership id, or `guest:` and more.
    pub fn you(&self) -> String {
        self.ready()["you"]["id"].as_str().unwrap().to_string()
    }

    pub async fn send(&mut self, body: &str, client_msg_id: &str) {
        let frame = json!({"type": "send", "body": body, "client_msg_id": client_msg_id});
        self.send_text(&frame.to_string()).await;
    }

    /// Sends a text frame as it is.
    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(Message::text(text)).await.unwrap();
    }

    /// Sends `body` and waits for its acknowledgement (its own `message` frame).
    pub async fn say(&mut self, body: &str, client_msg_id: &str) -> Value {
        self.send(body, client_msg_id).await;
        loop {
            let frame = self.next_of("message").await;
            if frame["client_msg_id"] == client_msg_id {
                return frame;
            }
        }
    }

    /// Sends `body` and waits for the error frame that refuses it.
    pub async fn refused(&mut self, body: &str, client_msg_id: &str) -> Value {
        self.send(body, client_msg_id).await;
        let error = self.next_of("error").await;
        assert_eq!(error["client_msg_id"], client_msg_id, "{error}");
        error
    }

    /// The next frame, or `None` when the connection closed (a close frame is returned as
    /// `{"type":"closed","code":..,"reason":..}`).
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a frame within the wait")?;
            let frame = match message {
                Ok(Message::Text(text)) => serde_json::from_str(text.as_str()).unwrap(),
                Ok(Message::Close(close)) => {
                    let (code, reason) = close
                        .map(|c| (u16::from(c.code), c.reason.to_string()))
                        .unwrap_or((0, String::new()));
                    json!({"type": "closed", "code": code, "reason": reason})
                }
                Ok(_) => continue,
                Err(_) => return None,
            };
            if frame["type"] == "presence" {
                self.fold_presence(&frame);
            }
            self.seen.push(frame.clone());
            return Some(frame);
        }
    }

    fn fold_presence(&mut self, frame: &Value) {
        let list = |key: &str| frame[key].as_array().cloned().unwrap_or_default();
        if frame.get("present").is_some() {
            self.present = list("present");
        } else {
            let left = list("left");
            let joined = list("joined");
            self.present
                .retain(|p| !left.contains(&p["id"]) && !joined.iter().any(|j| j["id"] == p["id"]));
            self.present.extend(joined);
        }
        let key = |p: &Value| {
            (
                !p["leader"].as_bool().unwrap(),
                p["name"].as_str().unwrap().to_string(),
            )
        };
        self.present.sort_by_key(key);
    }

    /// The next frame of `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self
                .next()
                .await
                .unwrap_or_else(|| panic!("closed while waiting for {kind}: {:?}", self.seen));
            if frame["type"] == kind {
                return frame;
            }
            assert_ne!(
                frame["type"], "closed",
                "closed while waiting for {kind}: {:?}",
                self.seen
            );
        }
    }

    /// Message frames until one with `seq`, returning the seqs seen on the way.
    pub async fn seqs_until(&mut self, seq: i64) -> Vec<i64> {
        let mut seqs = vec![];
        loop {
            let frame = self.next_of("message").await;
            let s = frame["seq"].as_i64().unwrap();
            seqs.push(s);
            if s >= seq {
                return seqs;
            }
        }
    }

    /// Waits until the server closes the connection; its close code and reason (0 and ""
    /// when it ended without a close frame).
    pub async fn closed(&mut self) -> (u64, String) {
        loop {
            match self.next().await {
                None => return (0, String::new()),
                Some(frame) if frame["type"] == "closed" => {
                    return (
                        frame["code"].as_u64().unwrap(),
                        frame["reason"].as_str().unwrap().to_string(),
                    );
                }
                Some(_) => {}
            }
        }
    }
}

/// A handshake that must be refused: its status and error code.
pub async fn refused_at(
    base: &str,
    room: &str,
    headers: &[(&'static str, String)],
    query: &str,
) -> (u16, String) {
    match Client::open(base, room, headers, query).await {
        Ok(client) => panic!("the handshake was accepted: {:?}", client.seen),
        Err(tungstenite::Error::Http(response)) => {
            let body: Value = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            (
                response.status().as_u16(),
                body["error"].as_str().unwrap_or_default().to_string(),
            )
        }
        Err(e) => panic!("the handshake failed otherwise: {e}"),
    }
}

/// Like [`refused_at`], with a bearer token or as a guest.
pub async fn refused(app: &TestApp, room: &str, token: Option<&str>, query: &str) -> (u16, String) {
    let headers: Vec<_> = token.map(bearer).into_iter().collect();
    refused_at(&app.address, room, &headers, query).await
}

/// A leader's new room in `slug`; its id.
pub async fn room(app: &TestApp, leader: &str, slug: &str, body: Value) -> String {
    let response = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/groups/{slug}/rooms"),
            leader,
            Some(&body),
        )
        .await;
    assert_eq!(response.status(), 201, "room in {slug}");
    let room: Value = response.json().await.unwrap();
    room["id"].as_str().unwrap().to_string()
}

/// A group `slug` with the whole cast in it, and an open room.
pub async fn meeting(app: &TestApp, slug: &str, mode: &str) -> (Cast, String) {
    let cast = Cast::new(app).await;
    let policy = (mode == "closed").then_some("invite");
    cast.group(app, slug, mode, policy, true).await;
    let room = room(app, &cast.leader, slug, json!({"name": "Avond"})).await;
    (cast, room)
}

/// `method path` with `token` and a JSON body; the status.
pub async fn act(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> u16 {
    let response = app.call(method, path, Some(token), body.as_ref()).await;
    let status = response.status().as_u16();
    if status >= 400 {
        let text = response.text().await.unwrap_or_default();
        eprintln!("{path}: {status} {text}");
    }
    status
}

/// The seqs of the room's history over HTTP, as `token` reads it.
pub async fn history_seqs(app: &TestApp, token: &str, room: &str, since: i64) -> Vec<i64> {
    let history = app
        .read_ok(
            Some(token),
            &format!("/api/v1/rooms/{room}/messages?since={since}"),
        )
        .await;
    history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}
