//! The websocket's guarantees between real clients: messages in `seq` order, the sender's
//! own frame as its acknowledgement, an exact replay after a reconnect, resends stored once.

use super::{Client, history_seqs, meeting, refused};
use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(
    two_members_exchange_messages_and_a_reconnect_resumes_exactly,
    a_reconnect_while_messages_keep_coming_misses_and_repeats_nothing,
    a_resend_is_stored_once,
    a_guests_resend_after_a_reconnect_is_stored_once,
);

async fn two_members_exchange_messages_and_a_reconnect_resumes_exactly(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-samen", "closed").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    assert_eq!(member.ready()["last_seq"], 0);
    assert_eq!(member.ready()["you"]["name"], "Lid");
    member.send("Hallo *allemaal*", "m-1").await;
    // The sender's own frame is its acknowledgement; everyone else gets the same.
    let mine = member.next_of("message").await;
    assert_eq!(mine["seq"], 1);
    assert_eq!(mine["client_msg_id"], "m-1");
    assert_eq!(mine["author"], "Lid");
    assert_eq!(mine["author_kind"], "member");
    assert_eq!(mine["room_id"], room.as_str());
    assert_eq!(mine["body_html"], "Hallo <em>allemaal</em>");
    let theirs = leader.next_of("message").await;
    assert_eq!(theirs, mine);
    leader.send("Welkom", "l-1").await;
    assert_eq!(member.next_of("message").await["seq"], 2);
    assert_eq!(leader.next_of("message").await["author_kind"], "leader");

    // The member drops out; two messages come while they are away.
    drop(member);
    leader.send("Drie", "l-2").await;
    leader.send("Vier", "l-3").await;
    assert_eq!(leader.seqs_until(4).await, vec![3, 4]);
    let mut back = Client::connect(&app, &room, Some(&cast.member), "?since=2")
        .await
        .unwrap();
    assert_eq!(back.ready()["last_seq"], 4);
    assert_eq!(back.seqs_until(4).await, vec![3, 4]);
    leader.send("Vijf", "l-4").await;
    let next = back.next_of("message").await;
    assert_eq!(next["seq"], 5, "no repeats, no gaps: {:?}", back.seen);
    assert_eq!(next["body_html"], "Vijf");

    // Caught up already: nothing is replayed, and the next live message follows.
    let mut current = Client::connect(&app, &room, Some(&cast.member), "?since=5")
        .await
        .unwrap();
    leader.send("Zes", "l-5").await;
    assert_eq!(
        current.next_of("message").await["seq"],
        6,
        "{:?}",
        current.seen
    );
    // From the start: everything, once, in order.
    let mut fresh = Client::connect(&app, &room, Some(&cast.member), "?since=0")
        .await
        .unwrap();
    assert_eq!(fresh.seqs_until(6).await, vec![1, 2, 3, 4, 5, 6]);

    // History over HTTP says the same.
    assert_eq!(
        history_seqs(&app, &cast.member, &room, 3).await,
        vec![4, 5, 6]
    );
    assert_eq!(app.db.rows_in("messages").len(), 6);
}

/// Reconnecting while the room is busy: history and the live feed overlap, and the client
/// still gets each message once, in order.
async fn a_reconnect_while_messages_keep_coming_misses_and_repeats_nothing(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-druk", "closed").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let member = Client::join(&app, &room, &cast.member).await;
    leader.say("Een", "l-0").await;
    drop(member);
    // The leader keeps talking (within the per-connection limit) while the member comes
    // back from seq 1.
    let talking = tokio::spawn(async move {
        for i in 1..=15 {
            leader.say(&format!("Bericht {i}"), &format!("l-{i}")).await;
        }
        leader
    });
    let mut back = Client::connect(&app, &room, Some(&cast.member), "?since=1")
        .await
        .unwrap();
    let seqs = back.seqs_until(16).await;
    assert_eq!(seqs, (2..=16).collect::<Vec<i64>>(), "{:?}", back.seen);
    let mut leader = talking.await.unwrap();
    leader.say("Laatste", "l-last").await;
    assert_eq!(back.next_of("message").await["seq"], 17);
}

async fn a_resend_is_stored_once(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-dubbel", "registered").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    member.send("Een keer", "same-id").await;
    let first = member.next_of("message").await;
    assert_eq!(first["seq"], 1);
    assert_eq!(leader.next_of("message").await["id"], first["id"]);
    // The same id again on the same connection: not stored, and not sent again (the sender
    // has its acknowledgement already; a second frame with seq 1 would be a duplicate).
    member.send("Een keer", "same-id").await;
    let next = member.say("Daarna", "other-id").await;
    assert_eq!(next["seq"], 2);
    let seqs = |c: &Client| -> Vec<i64> {
        c.seen
            .iter()
            .filter(|f| f["type"] == "message")
            .map(|f| f["seq"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(seqs(&member), [1, 2], "{:?}", member.seen);
    assert_eq!(leader.next_of("message").await["seq"], 2);
    // After a reconnect from the start (the acknowledgement was lost), the catch-up brings
    // the message, with its id; the resend stores nothing and repeats nothing (the next
    // message is acknowledged as seq 3: frames of one connection are handled in order).
    drop(member);
    let mut member = Client::join(&app, &room, &cast.member).await;
    assert_eq!(member.next_of("message").await["client_msg_id"], "same-id");
    assert_eq!(member.next_of("message").await["seq"], 2);
    member.send("Een keer", "same-id").await;
    assert_eq!(member.say("Nog iets", "third-id").await["seq"], 3);
    assert_eq!(seqs(&member), [1, 2, 3], "{:?}", member.seen);
    assert_eq!(app.db.rows_in("messages").len(), 3);
    // Another author's id is their own: the leader's same id is a new message.
    let next = leader.say("Iets anders", "same-id").await;
    assert_eq!(next["seq"], 4, "{:?}", leader.seen);
    assert_eq!(app.db.rows_in("messages").len(), 4);
}

async fn a_guests_resend_after_a_reconnect_is_stored_once(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-gast-dubbel", "open").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let query = "?nickname=Bezoeker&guest_key=page-key-0123456789";
    let mut guest = Client::connect(&app, &room, None, query).await.unwrap();
    assert_eq!(guest.say("Hoi", "g-1").await["seq"], 1);
    drop(guest);
    // The page reconnects with its key and resends what it had not seen acknowledged.
    let mut guest = Client::connect(&app, &room, None, &format!("{query}&since=0"))
        .await
        .unwrap();
    assert_eq!(guest.next_of("message").await["client_msg_id"], "g-1");
    guest.send("Hoi", "g-1").await;
    assert_eq!(guest.say("Nog eens hoi", "g-2").await["seq"], 2);
    assert_eq!(leader.seqs_until(2).await, [1, 2]);
    assert_eq!(app.db.rows_in("messages").len(), 2);
    // The key is kept only as its hash.
    assert!(!format!("{:?}", app.db.rows_in("messages")).contains("page-key"));
    // Another page's key is another guest: its same id is its own message.
    let other = "?nickname=Ander&guest_key=other-page-key-98765&since=2";
    let mut second = Client::connect(&app, &room, None, other).await.unwrap();
    assert_eq!(second.say("Hoi", "g-1").await["seq"], 3);
    // A key that is not one is refused at the handshake.
    for bad in ["short", "with.dots.in.it.0123456789", &"x".repeat(65)] {
        let query = format!("?nickname=Gast&guest_key={bad}");
        assert_eq!(
            refused(&app, &room, None, &query).await,
            (400, "invalid_query".to_string())
        );
    }
}
