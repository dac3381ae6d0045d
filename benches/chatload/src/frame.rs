//! The chat frames as the benchmark sees them: the stamped body a sender writes, the few
//! fields of a server frame a receiver reads, and the per-room sequence check.
//!
//! It owns the wire shapes of Kring's chat contract that the harness depends on; it must not
//! grow into a client library (every other field of a frame is ignored).

use serde::Deserialize;
use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch: the clock both ends of a delivery read (one machine).
pub fn unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A message body that carries its scheduled send time: `t=<unix nanos> ` and then letters
/// up to `bytes` (Markdown renders it as one paragraph, so the number survives into
/// `body_html`).
pub fn stamped_body(sent_nanos: u64, bytes: usize) -> String {
    let mut body = format!("t={sent_nanos} ");
    const PAD: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let mut i = 0;
    while body.len() < bytes {
        body.push(PAD[i % PAD.len()] as char);
        i += 1;
    }
    body
}

/// The client's `send` frame.
pub fn send_frame(body: &str, client_msg_id: &str) -> String {
    serde_json::json!({"type": "send", "body": body, "client_msg_id": client_msg_id}).to_string()
}

/// Reads the send time back out of a rendered (or raw) body: the digits after the first `t=`.
pub fn parse_stamp(body_html: &str) -> Option<u64> {
    let start = body_html.find("t=")? + 2;
    let digits = body_html[start..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    body_html[start..start + digits].parse().ok()
}

/// The fields of a server frame the harness reads.
#[derive(Deserialize)]
pub struct ServerFrame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default)]
    pub seq: Option<u64>,
    #[serde(default, borrow)]
    pub body_html: Option<Cow<'a, str>>,
    /// `error` frames: the machine code.
    #[serde(default, borrow)]
    pub error: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub code: Option<Cow<'a, str>>,
}

/// What one `seq` did to a client's view of its room.
#[derive(Debug, PartialEq, Eq)]
pub enum SeqOutcome {
    InOrder,
    /// This many seqs were skipped before this one.
    Gap(u64),
    Duplicate,
}

/// One client's sequence check: it starts at the first seq it sees (a fresh client has no
/// history to expect) and from there wants every seq once, in order.
#[derive(Default)]
pub struct SeqTracker {
    last: Option<u64>,
}

impl SeqTracker {
    pub fn observe(&mut self, seq: u64) -> SeqOutcome {
        match self.last {
            None => {
                self.last = Some(seq);
                SeqOutcome::InOrder
            }
            Some(last) if seq == last + 1 => {
                self.last = Some(seq);
                SeqOutcome::InOrder
            }
            Some(last) if seq <= last => SeqOutcome::Duplicate,
            Some(last) => {
                self.last = Some(seq);
                SeqOutcome::Gap(seq - last - 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_survives_a_markdown_paragraph() {
        let body = stamped_body(1_764_000_000_123_456_789, 256);
        assert_eq!(body.len(), 256);
        let html = format!("<p>{body}</p>\n");
        assert_eq!(parse_stamp(&html), Some(1_764_000_000_123_456_789));
    }

    #[test]
    fn gaps_and_duplicates_are_told_apart() {
        let mut t = SeqTracker::default();
        assert_eq!(t.observe(7), SeqOutcome::InOrder);
        assert_eq!(t.observe(8), SeqOutcome::InOrder);
        assert_eq!(t.observe(8), SeqOutcome::Duplicate);
        assert_eq!(t.observe(11), SeqOutcome::Gap(2));
        assert_eq!(t.observe(9), SeqOutcome::Duplicate);
        assert_eq!(t.observe(12), SeqOutcome::InOrder);
    }
}
