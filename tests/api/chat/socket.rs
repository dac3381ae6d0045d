//! The websocket's guarantees between real clients: messages in `seq` order, the sender's
//! own frame as its acknowledgement, an exact replay after a reconnect, resends stored once.

use super::{Client, history_seqs, meeting};
use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(
    two_members_exchange_messages_and_a_reconnect_resumes_exactly,
    a_reconnect_while_messages_keep_coming_misses_and_repeats_nothing,
    a_resend_is_stored_once
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
    assert_eq!(leader.next_of("message").await["id"], first["id"]);
    member.send("Een keer", "same-id").await;
    let again = member.next_of("message").await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["seq"], first["seq"]);
    // After a reconnect (the acknowledgement was lost), the resend is still the same one.
    drop(member);
    let mut member = Client::join(&app, &room, &cast.member).await;
    member.send("Een keer", "same-id").await;
    let third = member.next_of("message").await;
    assert_eq!(third["id"], first["id"]);
    assert_eq!(app.db.rows_in("messages").len(), 1);
    // The room heard it once: the leader's next message is a new one.
    let next = leader.say("Iets anders", "same-id").await;
    assert_eq!(
        next["seq"], 2,
        "another author's id is their own: {:?}",
        leader.seen
    );
    assert_eq!(app.db.rows_in("messages").len(), 2);
}
