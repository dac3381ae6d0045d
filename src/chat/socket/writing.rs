//! Writing to the client through actix-ws's session: one frame, a paced run of frames, and
//! pings and pongs. Each gives up when the client stopped reading or the hub cut it loose.

use actix_ws::Session as Socket;
use bytestring::ByteString;
use futures_util::FutureExt;

use super::WRITE_TIMEOUT;
use crate::chat::hub::Subscription;

/// Writes one frame, unless the client stopped reading (or the hub cut it loose).
pub(super) async fn write(socket: &mut Socket, sub: &Subscription, frame: ByteString) -> bool {
    if sub.is_cut() {
        return false;
    }
    // Almost always the connection's own small queue has room and the frame is handed over
    // at once: no timer and no wait for a cut. (A send dropped unfinished sends nothing.)
    if let Some(sent) = socket.text(frame.clone()).now_or_never() {
        return sent.is_ok();
    }
    // Boxed: the wait's timer and futures would otherwise sit in every idle connection.
    Box::pin(write_waiting(socket, sub, frame)).await
}

/// A run of frames written in a row (who is here, deletions, history). actix-ws hands the
/// dispatcher whatever waits in its channel as one piece, which the dispatcher's write buffer
/// then holds whole; a buffer that grew keeps its size, and the pages it touched stay
/// resident, for as long as the connection lives. So the run gives the dispatcher a turn (it
/// writes what waits) after each [`Pace::BYTES`]: a connection's buffer keeps the 8 KiB it
/// starts with, most of it never touched.
#[derive(Default)]
pub(super) struct Pace {
    unwritten: usize,
}

impl Pace {
    const BYTES: usize = 512;

    /// [`write`], then a turn for the dispatcher once enough waits.
    pub(super) async fn write(
        &mut self,
        socket: &mut Socket,
        sub: &Subscription,
        frame: ByteString,
    ) -> bool {
        self.unwritten += frame.len();
        if !write(socket, sub, frame).await {
            return false;
        }
        if self.unwritten >= Self::BYTES {
            self.unwritten = 0;
            tokio::task::yield_now().await;
        }
        true
    }
}

/// [`write`] when the connection's queue is full: wait, but not for ever.
async fn write_waiting(socket: &mut Socket, sub: &Subscription, frame: ByteString) -> bool {
    tokio::select! {
        sent = tokio::time::timeout(WRITE_TIMEOUT, socket.text(frame)) => {
            matches!(sent, Ok(Ok(())))
        }
        _ = sub.queue.notify.notified() => false,
    }
}

/// Sends a ping (or a pong, answering the client's ping), unless the client stopped reading:
/// like [`write`], bounded by the write timeout and given up when the hub cuts it loose.
pub(super) async fn control(socket: &mut Socket, sub: &Subscription, pong: Option<&[u8]>) -> bool {
    if sub.is_cut() {
        return false;
    }
    // Boxed, as rare: its timer and futures would otherwise sit in every idle connection.
    Box::pin(control_waiting(socket, sub, pong)).await
}

async fn control_waiting(socket: &mut Socket, sub: &Subscription, pong: Option<&[u8]>) -> bool {
    let sent = async {
        match pong {
            Some(bytes) => socket.pong(bytes).await,
            None => socket.ping(b"").await,
        }
    };
    tokio::select! {
        sent = tokio::time::timeout(WRITE_TIMEOUT, sent) => matches!(sent, Ok(Ok(()))),
        _ = sub.queue.notify.notified() => false,
    }
}
