//! The websocket's guarantees between real clients.

use serde_json::json;

use super::{Client, meeting};
use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(
    two_members_exchange_messages_and_a_reconnect_resumes_exactly,
    a_resend_is_stored_once
);

async fn two_members_exchange_messages_and_a_reconnect_resumes_exactly(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-samen", "closed").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    member.send("Hallo *allemaal*", "m-1").await;
    // The sender's own frame is its acknowledgement; everyone else gets the same.
    let mine = member.next_of("message").await;
    assert_eq!(mine["seq"], 1);
    assert_eq!(mine["client_msg_id"], "m-1");
    assert_eq!(mine["author"], "Lid");
    assert_eq!(mine["body_html"], "Hallo <em>allemaal</em>");
    let theirs = leader.next_of("message").await;
    assert_eq!(theirs["id"], mine["id"]);
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
    assert_eq!(back.seqs_until(4).await, vec![3, 4]);
    leader.send("Vijf", "l-4").await;
    let next = back.next_of("message").await;
    assert_eq!(next["seq"], 5, "no repeats, no gaps: {:?}", back.seen);

    // History over HTTP says the same.
    let history = app
        .read_ok(
            Some(&cast.member),
            &format!("/api/v1/rooms/{room}/messages?since=3"),
        )
        .await;
    let seqs: Vec<i64> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![4, 5]);
}

async fn a_resend_is_stored_once(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-dubbel", "registered").await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    member.send("Een keer", "same-id").await;
    let first = member.next_of("message").await;
    member.send("Een keer", "same-id").await;
    let again = member.next_of("message").await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["seq"], first["seq"]);
    assert_eq!(app.db.rows_in("messages").len(), 1);

    // A leader deletes the room: whoever is in it is told and disconnected.
    let gone = app
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/v1/rooms/{room}"),
            &cast.leader,
            None::<&serde_json::Value>,
        )
        .await;
    assert_eq!(gone.status(), 204);
    assert_eq!(member.closed().await, (4004, "room_deleted".to_string()));
    assert!(app.db.rows_in("messages").is_empty());
    let _ = json!({});
}
