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

/// Frames are gathered up to this many bytes per write. The dispatcher would go on polling
/// for more until its write buffer holds [`crate::startup::WRITE_BUFFER_BYTES`]; the writer
/// has it write out each such batch first (see [`Outgoing::flush_first`]). Every page of
/// the dispatcher's 8 KiB write buffer that a write reaches stays resident for as long as
/// the connection lives: a connection that once fell behind (a room filling at once sends
/// each a few parts of who joined) would otherwise keep all of it. (Measured: scenario 1
/// of `chatload`, benches/RESULTS.md.)
const BATCH_BYTES: usize = 1024;

pub(super) struct Outgoing {
    /// actix-ws's body: what the task writes through its session, and the close.
    task: BoxBody,
    queue: Arc<Queue>,
    codec: Codec,
    /// The last poll gave the dispatcher a full piece while more waits: this poll answers
    /// `Pending` (and wakes the dispatcher at once), so that it writes that piece out first.
    flush_first: bool,
}

impl Outgoing {
    pub(super) fn new(task: BoxBody, queue: Arc<Queue>) -> Outgoing {
        Outgoing {
            task,
            queue,
            codec: Codec::new(),
            flush_first: false,
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
        if std::mem::take(&mut this.flush_first) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        // The task's frames first (each run of them a piece of its own: see `Pace`); its body
        // ends the response after the close frame.
        if let Poll::Ready(next) = Pin::new(&mut this.task).poll_next(cx) {
            this.flush_first = next.is_some();
            return Poll::Ready(next);
        }
        let mut buf = BytesMut::new();
        let codec = &mut this.codec;
        let mut failed = None;
        this.flush_first = this.queue.write_into(cx.waker(), |frame| {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use actix_web::body::BodyStream;
    use bytestring::ByteString;

    use super::*;
    use crate::chat::hub::{Hub, Joining};

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_backlog_goes_out_in_batches_each_written_before_the_next() {
        let hub = Hub::new();
        let who = Joining {
            group_id: "g".into(),
            account_id: None,
            membership_id: None,
            guest: None,
            names: true,
        };
        let sub = hub.join("r", who, 64, (10, 8)).unwrap();
        sub.queue.resume(0);
        let frame = "x".repeat(300);
        for seq in 1..=10 {
            hub.message("r", seq, ByteString::from(frame.clone()));
        }
        let task = BoxBody::new(BodyStream::new(futures_util::stream::pending::<
            Result<Bytes, std::convert::Infallible>,
        >()));
        let mut body = Outgoing::new(task, sub.queue.clone());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut batches = vec![];
        loop {
            match Pin::new(&mut body).poll_next(&mut cx) {
                Poll::Ready(Some(Ok(batch))) => {
                    batches.push(batch.len());
                    // More waits: the next poll lets the dispatcher write this batch first,
                    // and wakes it to come back at once.
                    let woken = count.0.load(Ordering::SeqCst);
                    if batches.iter().sum::<usize>() < 10 * 304 {
                        assert!(Pin::new(&mut body).poll_next(&mut cx).is_pending());
                        assert_eq!(count.0.load(Ordering::SeqCst), woken + 1);
                    }
                }
                Poll::Pending => break,
                Poll::Ready(Some(Err(e))) => panic!("the body failed: {e}"),
                Poll::Ready(None) => panic!("the body ended"),
            }
        }
        // 300-byte frames with a 4-byte header, gathered up to BATCH_BYTES: 4, 4 and 2.
        assert_eq!(batches, [4 * 304, 4 * 304, 2 * 304]);
    }
}
