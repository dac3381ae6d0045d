//! What a client sends on its connection: `send` frames, checked (JSON, `client_msg_id`,
//! the per-connection rate limit, the body) before one trip stores the message; anything
//! refused is answered with an error frame and the connection stays open.

use std::time::Duration;

use bytestring::ByteString;
use governor::{DefaultDirectRateLimiter, Quota};
use serde::Deserialize;

use super::{Conn, Flow, Socket, close_reason, write};
use crate::chat::ServerFrame;
use crate::chat::hub::{self, Subscription};
use crate::chat::messages::{self, Sender, Sent};
use crate::error::AppError;

/// What a client sends. Only `send` exists; anything else is answered with an error frame.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientFrame {
    Send {
        body: String,
        client_msg_id: Option<String>,
    },
}

pub(super) fn connection_limiter(
    max: u32,
    window_seconds: u64,
    scale: f64,
) -> DefaultDirectRateLimiter {
    let max = (f64::from(max) * scale).round().clamp(1.0, 1e9) as u32;
    let max = std::num::NonZeroU32::new(max).unwrap_or(std::num::NonZeroU32::MIN);
    let period = (Duration::from_secs(window_seconds) / max.get()).max(Duration::from_nanos(1));
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(max))
        .allow_burst(max);
    DefaultDirectRateLimiter::direct(quota)
}

pub(super) fn error_frame(code: &str, message: &str, client_msg_id: Option<&str>) -> ByteString {
    ServerFrame::Error {
        error: code,
        message,
        client_msg_id,
        retry_after: None,
        opens_at: None,
    }
    .to_text()
}

pub(super) async fn inbound(
    conn: &mut Conn,
    sub: &Subscription,
    socket: &mut Socket,
    limiter: &DefaultDirectRateLimiter,
    text: &str,
) -> Result<Flow, AppError> {
    let reply = |frame| async move {
        if write(socket, sub, frame).await {
            Flow::Go
        } else {
            Flow::Stop(None)
        }
    };
    let frame: ClientFrame = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(_) => {
            return Ok(reply(error_frame(
                "invalid_frame",
                "A frame is JSON like {\"type\":\"send\",\"body\":\"...\",\"client_msg_id\":\"...\"}.",
                None,
            ))
            .await);
        }
    };
    let ClientFrame::Send {
        body,
        client_msg_id,
    } = frame;
    let client_id = match messages::checked_client_id(client_msg_id.as_deref()) {
        Ok(id) => id,
        Err(e) => return Ok(reply(refusal(&e, None, None)).await),
    };
    if let Err(not_until) = limiter.check() {
        use governor::clock::{Clock, DefaultClock};
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let e = AppError::rate_limited(wait.as_secs() + 1);
        return Ok(reply(refusal(&e, client_id.as_deref(), None)).await);
    }
    let body = match messages::checked_body(&body, conn.state.settings.chat.max_message_chars) {
        Ok(body) => body,
        Err(e) => return Ok(reply(refusal(&e, client_id.as_deref(), None)).await),
    };
    let sender = Sender {
        session: conn.session.clone(),
        guest: conn.guest.clone(),
    };
    let (outcome, room) =
        messages::send(&conn.state, &conn.room_id, sender, body, client_id.clone()).await?;
    if let Some(room) = room {
        conn.room = room;
    }
    match outcome {
        Ok(Sent::Stored | Sent::Again) => Ok(Flow::Go),
        Err(e) if e.code() == "logged_out" => {
            match reply(refusal(&e, client_id.as_deref(), None)).await {
                Flow::Go => Ok(Flow::Stop(Some(close_reason(
                    hub::CLOSE_DENIED,
                    "logged_out",
                )))),
                stop => Ok(stop),
            }
        }
        Err(e) => {
            let opens_at = (e.code() == "room_closed")
                .then(|| conn.room.opens_at.clone())
                .flatten();
            Ok(reply(refusal(&e, client_id.as_deref(), opens_at.as_deref())).await)
        }
    }
}

/// A refused frame as an error frame (the connection stays open).
fn refusal(e: &AppError, client_msg_id: Option<&str>, opens_at: Option<&str>) -> ByteString {
    match e {
        AppError::Client {
            code,
            message,
            retry_after_secs,
            ..
        } => ServerFrame::Error {
            error: code,
            message,
            client_msg_id,
            retry_after: *retry_after_secs,
            opens_at,
        }
        .to_text(),
        AppError::Internal(_) => error_frame(
            "internal",
            "Something went wrong on our side; try again.",
            client_msg_id,
        ),
    }
}
