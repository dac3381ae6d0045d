//! The hub's queues and rooms, without a server.

use futures_util::FutureExt;

use super::*;

fn joining() -> Joining {
    Joining {
        group_id: "g".into(),
        account_id: None,
        membership_id: None,
        guest: None,
        names: true,
    }
}

/// What the writer writes now.
fn written(queue: &Queue) -> Vec<ByteString> {
    let mut out = vec![];
    queue.write_into(Waker::noop(), |frame| {
        out.push(frame);
        true
    });
    out
}

fn text(s: &'static str) -> ByteString {
    ByteString::from_static(s)
}

#[test]
fn a_full_queue_cuts_only_its_own_connection() {
    let hub = Hub::new();
    let fast = hub.join("r", joining(), 2, (10, 8)).unwrap();
    let slow = hub.join("r", joining(), 2, (10, 8)).unwrap();
    fast.queue.resume(0);
    for (seq, body) in [(1, "a"), (2, "b")] {
        hub.message("r", seq, text(body));
        // The fast reader keeps up; the slow one never reads.
        assert_eq!(written(&fast.queue), [body]);
    }
    assert!(!slow.is_cut());
    hub.message("r", 3, text("c"));
    assert!(slow.is_cut(), "the third frame found its queue full");
    assert_eq!(written(&fast.queue), ["c"]);
    assert!(written(&slow.queue).is_empty(), "what waited is dropped");
    assert_eq!(hub.connections(), 1);
    hub.leave("r", fast.id);
    assert!(!hub.has_room("r"));
}

#[test]
fn the_writer_writes_in_order_and_hands_the_rest_to_the_task() {
    let hub = Hub::new();
    let sub = hub.join("r", joining(), 16, (10, 8)).unwrap();
    hub.message("r", 1, text("one"));
    assert!(
        written(&sub.queue).is_empty(),
        "paused until the task caught up"
    );
    sub.queue.resume(1);
    hub.message("r", 2, text("two"));
    hub.frame("r", text("presence"));
    hub.message("r", 2, text("two again"));
    hub.message("r", 4, text("four"));
    hub.message("r", 5, text("five"));
    assert_eq!(
        written(&sub.queue),
        ["two", "presence"],
        "a repeat is dropped"
    );
    // The gap goes to the task, and the writer waits for it.
    let (item, last) = sub.queue.handed().now_or_never().flatten().unwrap();
    assert!(matches!(item, Outbound::Message { seq: 4, .. }));
    assert_eq!(last, 2);
    assert!(written(&sub.queue).is_empty());
    // The task caught up from the database, to 4.
    sub.queue.resume(4);
    assert_eq!(written(&sub.queue), ["five"]);
    hub.resync_room("r");
    assert!(written(&sub.queue).is_empty());
    assert!(matches!(
        sub.queue.handed().now_or_never().flatten(),
        Some((Outbound::Resync, 5))
    ));
}

#[test]
fn a_writer_that_has_enough_hears_that_more_waits_and_a_burst_is_given_back() {
    let hub = Hub::new();
    let sub = hub.join("r", joining(), 64, (10, 8)).unwrap();
    sub.queue.resume(0);
    for seq in 1..=20 {
        hub.message("r", seq, text("m"));
    }
    // Two frames are enough for this writer: it hears that more waits.
    let mut taken = 0;
    let more = sub.queue.write_into(Waker::noop(), |_| {
        taken += 1;
        taken < 2
    });
    assert_eq!((taken, more), (2, true));
    // Taking the rest: nothing more waits, and the burst's room is given back.
    let mut rest = 0;
    assert!(!sub.queue.write_into(Waker::noop(), |_| {
        rest += 1;
        true
    }));
    assert_eq!(rest, 18);
    assert_eq!(sub.queue.lock().waiting.capacity(), 0);
    // A single message's room is kept.
    hub.message("r", 21, text("m"));
    assert_eq!(written(&sub.queue), ["m"]);
    assert!(sub.queue.lock().waiting.capacity() <= 4);
}

#[tokio::test]
async fn a_connection_takes_what_waits_then_hears_the_hub_let_go() {
    let hub = Hub::new();
    let sub = hub.join("r", joining(), 8, (10, 8)).unwrap();
    sub.queue.resume(0);
    hub.message("r", 1, text("a"));
    hub.message("r", 2, text("b"));
    hub.room_gone("r");
    hub.leave("r", sub.id);
    assert_eq!(written(&sub.queue), ["a", "b"]);
    assert!(matches!(
        sub.queue.handed().await,
        Some((Outbound::Close { .. }, 2))
    ));
    assert!(sub.queue.handed().await.is_none(), "then the end");
    // A connection that ended is dropped by the hub at the next frame.
    let gone = hub.join("s", joining(), 8, (10, 8)).unwrap();
    drop(gone);
    hub.message("s", 1, text("x"));
    assert!(!hub.has_room("s"));
}

#[test]
fn rooms_have_a_cap() {
    let hub = Hub::new();
    let _a = hub.join("r", joining(), 4, (1, 8)).unwrap();
    assert!(hub.join("r", joining(), 4, (1, 8)).is_err());
    assert!(hub.join("other", joining(), 4, (1, 8)).is_ok());
}

#[test]
fn an_account_holds_a_few_connections_to_a_room_at_most() {
    let hub = Hub::new();
    let of = |account: &str| Joining {
        account_id: Some(account.into()),
        ..joining()
    };
    let _held: Vec<_> = (0..2)
        .map(|_| hub.join("r", of("a"), 4, (10, 2)).unwrap())
        .collect();
    let refused = hub.join("r", of("a"), 4, (10, 2)).err().unwrap();
    assert_eq!(refused.code(), "too_many_connections");
    // Another account, another room, and guests are not held to it.
    assert!(hub.join("r", of("b"), 4, (10, 2)).is_ok());
    assert!(hub.join("s", of("a"), 4, (10, 2)).is_ok());
    assert!(hub.join("r", joining(), 4, (10, 2)).is_ok());
}

#[test]
fn a_change_to_a_group_rechecks_the_connections_in_its_rooms_only() {
    let hub = Hub::new();
    let in_group = |g: &str| Joining {
        group_id: g.into(),
        ..joining()
    };
    let mine = hub.join("r", in_group("g"), 4, (10, 8)).unwrap();
    let other = hub.join("s", in_group("h"), 4, (10, 8)).unwrap();
    hub.group("g");
    assert!(matches!(
        mine.queue.lock().waiting.front(),
        Some(Outbound::Resync)
    ));
    assert!(other.queue.lock().waiting.is_empty());
}
