//! One client that stops reading (a stalled tab, a phone in a tunnel) never slows the room:
//! the others get every message at once and in order, and the stalled one is cut off (it
//! can come back with `since`).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kring::configuration::{RateLimit, Settings};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::{Client, meeting};
use crate::backend_tests;
use crate::helpers::TestApp;

const QUEUE: usize = 8;

fn small_queue(settings: &mut Settings) {
    settings.chat.outbound_queue = QUEUE;
    settings.chat.max_message_chars = 15_000;
    // The flood comes from one connection.
    settings.limits.chat_messages_per_connection = RateLimit {
        max: 100_000,
        window_seconds: 60,
    };
}

backend_tests!(
    settings = small_queue;
    a_stalled_client_is_cut_off_and_delays_no_one,
);

async fn a_stalled_client_is_cut_off_and_delays_no_one(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-traag", "closed").await;
    let mut stalled = Client::join(&app, &room, &cast.muted).await;
    let mut speaker = Client::join(&app, &room, &cast.leader).await;
    let mut listener = Client::join(&app, &room, &cast.member).await;
    // The listener reads all the time, in a task of its own.
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel();
    let listening = tokio::spawn(async move {
        while let Some(Ok(message)) = listener.stream.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            let frame: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
            if frame["type"] == "message" {
                let _ = seen_tx.send(frame["seq"].as_i64().unwrap());
            }
        }
    });

    // Long messages fill the buffers on the way (the kernel's take megabytes) sooner.
    let body = "Een lang verhaal. ".repeat(800);
    let batch = 10;
    let mut sent = 0i64;
    let mut slowest = Duration::ZERO;
    let mut arrivals = vec![];
    let cut_at = loop {
        assert!(sent < 3000, "the stalled client was never cut off");
        let started = Instant::now();
        for i in 0..batch {
            speaker.send(&body, &format!("l-{}", sent + i + 1)).await;
        }
        sent += batch;
        // The speaker's acknowledgements and the listener's copies come at once.
        assert_eq!(speaker.seqs_until(sent).await.last(), Some(&sent));
        while arrivals.last().is_none_or(|s| *s < sent) {
            let arrival = tokio::time::timeout(Duration::from_secs(5), seen_rx.recv())
                .await
                .expect("the listener gets each message promptly")
                .unwrap();
            arrivals.push(arrival);
        }
        slowest = slowest.max(started.elapsed());
        // The others see the stalled one leave once it is cut off.
        let counts: Vec<&Value> = speaker
            .seen
            .iter()
            .filter(|f| f["type"] == "presence")
            .map(|f| &f["count"])
            .collect();
        if counts.contains(&&json!(3)) && counts.last() == Some(&&json!(2)) {
            break sent;
        }
    };
    // A few more after the cut, to show the room goes on.
    for i in 1..=batch {
        speaker.send("Verder", &format!("n-{i}")).await;
    }
    let last = cut_at + batch;
    speaker.seqs_until(last).await;
    while arrivals.last().is_none_or(|s| *s < last) {
        let arrival = tokio::time::timeout(Duration::from_secs(5), seen_rx.recv())
            .await
            .expect("the listener gets each message promptly")
            .unwrap();
        arrivals.push(arrival);
    }
    assert_eq!(
        arrivals,
        (1..=last).collect::<Vec<i64>>(),
        "every message once, in order"
    );
    // Never waiting on the stalled client: no batch took anything like a write timeout.
    assert!(slowest < Duration::from_secs(3), "a batch took {slowest:?}");
    drop(seen_rx);

    // The stalled client, reading at last, finds what was buffered (in order, from 1) and
    // then, well before the last message, the close that tells it to resume.
    let mut got = vec![];
    let closed = loop {
        let frame = stalled
            .next()
            .await
            .expect("a close frame, not just an end");
        match frame["type"].as_str() {
            Some("message") => got.push(frame["seq"].as_i64().unwrap()),
            Some("closed") => break frame,
            _ => {}
        }
    };
    assert_eq!(
        (&closed["code"], &closed["reason"]),
        (&json!(4000), &json!("resync"))
    );
    assert!(
        !got.is_empty() && (got.len() as i64) < last,
        "{} of {last}",
        got.len()
    );
    assert_eq!(got, (1..=got.len() as i64).collect::<Vec<i64>>());
    // It resumes from where it was, and misses nothing.
    let since = format!("?since={}", got.len());
    let mut back = Client::connect(&app, &room, Some(&cast.muted), &since)
        .await
        .unwrap();
    let rest = back.seqs_until(last).await;
    assert_eq!(rest, (got.len() as i64 + 1..=last).collect::<Vec<i64>>());
    listening.abort();
}
