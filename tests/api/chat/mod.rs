//! Chat over the real websocket: rooms, messages with `seq`, replay after a reconnect,
//! idempotent resends, deletion and moderation reaching every client, limits and schedules.

mod socket;

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
    /// Every frame received so far, in order.
    pub seen: Vec<Value>,
}

/// How long a test waits for a frame that should come.
pub const WAIT: Duration = Duration::from_secs(10);

pub fn ws_url(app: &TestApp, room: &str, query: &str) -> String {
    let http = app.url(&format!("/api/v1/rooms/{room}/ws{query}"));
    http.replacen("http://", "ws://", 1)
}

impl Client {
    /// Connects with a bearer token (or as a guest), `query` like `?since=3`.
    pub async fn connect(
        app: &TestApp,
        room: &str,
        token: Option<&str>,
        query: &str,
    ) -> Result<Client, tungstenite::Error> {
        let mut request = ws_url(app, room, query).into_client_request()?;
        if let Some(token) = token {
            request
                .headers_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        let mut client = Client {
            stream,
            seen: vec![],
        };
        client.next_of("ready").await;
        Ok(client)
    }

    pub async fn join(app: &TestApp, room: &str, token: &str) -> Client {
        Client::connect(app, room, Some(token), "")
            .await
            .expect("the websocket opens")
    }

    pub async fn send(&mut self, body: &str, client_msg_id: &str) {
        let frame = json!({"type": "send", "body": body, "client_msg_id": client_msg_id});
        self.stream
            .send(Message::text(frame.to_string()))
            .await
            .unwrap();
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
            self.seen.push(frame.clone());
            return Some(frame);
        }
    }

    /// The next frame of `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self
                .next()
                .await
                .unwrap_or_else(|| panic!("closed while waiting for {kind}"));
            if frame["type"] == kind {
                return frame;
            }
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

    /// Waits until the server closes the connection; its close code and reason.
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
