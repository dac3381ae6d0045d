//! A leader's hand in a meeting, as the clients in it live it: a deleted message goes from
//! every screen and from the database; a mute (in the room, or in the whole group) silences
//! at once and says why; a ban or a removal disconnects at once and keeps the door shut.

use reqwest::Method;
use serde_json::json;

use super::{Client, act, history_seqs, meeting, refused, room};
use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(
    a_deleted_message_is_withdrawn_from_every_client_and_the_database,
    a_mute_in_the_room_or_the_group_silences_at_once,
    a_ban_or_a_removal_disconnects_at_once_and_for_good,
);

async fn a_deleted_message_is_withdrawn_from_every_client_and_the_database(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-weg", "closed").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    // The group-muted member reads along.
    let mut reader = Client::join(&app, &room, &cast.muted).await;
    let gone = member.say("Verdwijntekst door de leider", "m-1").await;
    let kept = member.say("Dit blijft staan", "m-2").await;
    let own = member.say("Spijttekst van mijzelf", "m-3").await;
    for client in [&mut leader, &mut reader] {
        assert_eq!(client.seqs_until(3).await, vec![1, 2, 3]);
    }

    // A member may not delete someone else's words.
    let leaders = leader.say("Van de leider", "l-1").await;
    let path = |m: &serde_json::Value| format!("/api/v1/messages/{}", m["id"].as_str().unwrap());
    assert_eq!(
        act(&app, Method::DELETE, &path(&leaders), &cast.member, None).await,
        403
    );

    // The leader deletes one; the author deletes their own. Everyone sees both go.
    assert_eq!(
        act(&app, Method::DELETE, &path(&gone), &cast.leader, None).await,
        204
    );
    assert_eq!(
        act(&app, Method::DELETE, &path(&own), &cast.member, None).await,
        204
    );
    for client in [&mut leader, &mut member, &mut reader] {
        let first = client.next_of("deleted").await;
        assert_eq!(
            (&first["id"], &first["seq"], &first["room_id"]),
            (&gone["id"], &gone["seq"], &json!(room))
        );
        let second = client.next_of("deleted").await;
        assert_eq!((&second["id"], &second["seq"]), (&own["id"], &own["seq"]));
    }
    // Once is enough: a second delete finds nothing.
    assert_eq!(
        act(&app, Method::DELETE, &path(&gone), &cast.leader, None).await,
        404
    );

    // Gone from history (over HTTP and on a fresh connection) and from the database.
    assert_eq!(history_seqs(&app, &cast.member, &room, 0).await, vec![2, 4]);
    let mut fresh = Client::connect(&app, &room, Some(&cast.member), "?since=0")
        .await
        .unwrap();
    assert_eq!(fresh.seqs_until(4).await, vec![2, 4]);
    let mut ids: Vec<String> = app
        .db
        .rows_in("messages")
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let mut want = vec![
        kept["id"].as_str().unwrap().to_string(),
        leaders["id"].as_str().unwrap().to_string(),
    ];
    want.sort();
    assert_eq!(ids, want);
    app.checkpoint().await;
    let dump = String::from_utf8_lossy(&app.db.dump()).into_owned();
    assert!(!dump.contains("Verdwijntekst") && !dump.contains("Spijttekst"));
    assert!(
        dump.contains("Dit blijft staan"),
        "the dump does see kept text"
    );

    // The live feed goes on without a gap where the messages were.
    leader.say("Verder", "l-2").await;
    assert_eq!(
        member.next_of("message").await["seq"],
        5,
        "{:?}",
        member.seen
    );
}

async fn a_mute_in_the_room_or_the_group_silences_at_once(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-stil", "closed").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    let id = member.you();
    let mute = format!("/api/v1/rooms/{room}/participants/{id}/mute");
    let body = json!({"minutes": 30, "reason": "Even pauze, graag"});
    assert_eq!(
        act(&app, Method::POST, &mute, &cast.leader, Some(body)).await,
        204
    );
    let notice = member.next_of("notice").await;
    assert_eq!(notice["kind"], "muted", "{notice}");
    assert_eq!(notice["reason"], "Even pauze, graag");
    let error = member.refused("Mag ik nog?", "m-1").await;
    assert_eq!(error["error"], "forbidden", "{error}");
    // Nothing reached the room: the leader's next message is the first.
    assert_eq!(leader.say("Wij gaan verder", "l-1").await["seq"], 1);
    assert_eq!(app.db.rows_in("messages").len(), 1);
    // Muted, not gone: the member still reads along.
    assert_eq!(member.next_of("message").await["seq"], 1);
    // A leader cannot be muted in a room.
    let leader_id = leader.you();
    let mute_leader = format!("/api/v1/rooms/{room}/participants/{leader_id}/mute");
    assert_eq!(
        act(&app, Method::POST, &mute_leader, &cast.leader, None).await,
        403
    );
    // Nor may a member mute anyone.
    assert_eq!(
        act(&app, Method::POST, &mute, &cast.member, None).await,
        403
    );

    // Unmuted: they write again, on the same connection.
    assert_eq!(
        act(&app, Method::DELETE, &mute, &cast.leader, None).await,
        204
    );
    assert_eq!(member.next_of("notice").await["kind"], "unmuted");
    assert_eq!(member.say("Dank je", "m-2").await["seq"], 2);

    // A mute in the whole group silences them here too, and says why.
    let muted = app
        .sanction(
            &cast.leader,
            "chat-stil",
            &id,
            "mute",
            json!({"reason": "Rust in de groep"}),
        )
        .await;
    assert_eq!(muted.status(), 200);
    let notice = member.next_of("notice").await;
    assert_eq!(
        (&notice["kind"], &notice["reason"]),
        (&json!("muted"), &json!("Rust in de groep"))
    );
    assert_eq!(member.refused("En nu?", "m-3").await["error"], "forbidden");
    // Someone muted before they came in cannot write either.
    let mut quiet = Client::join(&app, &room, &cast.muted).await;
    assert_eq!(quiet.refused("Hallo?", "q-1").await["error"], "forbidden");
    assert_eq!(app.db.rows_in("messages").len(), 2);
}

async fn a_ban_or_a_removal_disconnects_at_once_and_for_good(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-weer", "closed").await;
    let other_room = room_in(&app, &cast.leader, "chat-weer").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    let mut elsewhere = Client::join(&app, &other_room, &cast.member).await;
    let mut removed = Client::join(&app, &room, &cast.muted).await;

    // Removed from this room: told why, disconnected, kept out of this room only.
    let id = removed.you();
    let remove = format!("/api/v1/rooms/{room}/participants/{id}/remove");
    let body = json!({"reason": "Even naar buiten"});
    assert_eq!(
        act(&app, Method::POST, &remove, &cast.leader, Some(body)).await,
        204
    );
    let notice = removed.next_of("notice").await;
    assert_eq!(
        (&notice["kind"], &notice["reason"]),
        (&json!("removed"), &json!("Even naar buiten"))
    );
    assert_eq!(removed.closed().await, (4003, "removed".to_string()));
    assert_eq!(
        refused(&app, &room, Some(&cast.muted), "").await,
        (403, "forbidden".to_string())
    );
    Client::join(&app, &other_room, &cast.muted).await;

    // Banned from the group mid-meeting: every connection of theirs goes at once.
    let id = member.you();
    let banned = app
        .sanction(
            &cast.leader,
            "chat-weer",
            &id,
            "ban",
            json!({"reason": "Grens overschreden"}),
        )
        .await;
    assert_eq!(banned.status(), 200);
    for client in [&mut member, &mut elsewhere] {
        let notice = client.next_of("notice").await;
        assert_eq!(
            (&notice["kind"], &notice["reason"]),
            (&json!("banned"), &json!("Grens overschreden"))
        );
        assert_eq!(client.closed().await, (4003, "banned".to_string()));
    }
    for r in [&room, &other_room] {
        assert_eq!(
            refused(&app, r, Some(&cast.member), "").await,
            (403, "forbidden".to_string())
        );
    }
    // The room goes on for the others.
    assert_eq!(leader.say("Wij gaan door", "l-1").await["seq"], 1);
}

async fn room_in(app: &TestApp, leader: &str, slug: &str) -> String {
    room(app, leader, slug, json!({"name": "Nazit"})).await
}
