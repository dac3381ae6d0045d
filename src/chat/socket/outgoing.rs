//! What a connection writes: the response body that the HTTP dispatcher polls. It takes the
//! room's frames straight from the connection's [`Queue`], so a message for everyone costs
//! one wake-up per connection (the dispatcher's), not two (the connection's task, then the
//! dispatcher). What the connection's task writes itself (pings and pongs, error replies,
//! catching up, the close) goes through actix-ws's session and body, which this wraps and
//! polls first: the writer pauses while the task writes, so order holds.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_codec::Encoder;
use actix_http::ws::{Codec, Message};
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::web::{Bytes, BytesMut};

use crate::chat::hub::Queue;

/// Frames are gathered up to this many bytes per poll. With the dispatcher's write buffer
/// written out from [`crate::startup::WRITE_BUFFER_BYTES`] on, a connection that falls behind
/// writes a few frames per syscall and its buffer mostly stays within its first 8 KiB (one
/// message can be larger: the buffer then grows, and keeps that size).
const BATCH_BYTES: usize = 2 * 1024;

pub(super) struct Outgoing {
    /// actix-ws's body: what the task writes through its session, and the close.
    task: BoxBody,
    queue: Arc<Queue>,
    codec: Codec,
}

impl Outgoing {
    pub(super) fn new(task: BoxBody, queue: Arc<Queue>) -> Outgoing {
        Outgoing {
            task,
            queue,
            codec: Codec::new(),
        }
    }
}

impl MessageBody for Outgoing {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        // The task's frames first; its body ends the response after the close frame.
        if let Poll::Ready(next) = Pin::new(&mut this.task).poll_next(cx) {
            return Poll::Ready(next);
        }
        let mut buf = BytesMut::new();
        let codec = &mut this.codec;
        let mut failed = None;
        this.queue.write_into(cx.waker(), |frame| {
            if let Err(e) = codec.encode(Message::Text(frame), &mut buf) {
                failed = Some(e);
                return false;
            }
            buf.len() < BATCH_BYTES
        });
        if let Some(e) = failed {
            return Poll::Ready(Some(Err(Box::new(e))));
        }
        if buf.is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(Some(Ok(buf.freeze())))
        }
    }
}
