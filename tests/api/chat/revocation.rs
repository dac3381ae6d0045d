//! What changes outside a room reaches the connections already in it: a leader who loses
//! the role, a group made more closed, a message deleted while a member was away; and how
//! many connections one account or one source may hold.

use reqwest::Method;
use serde_json::json;

use super::{Client, act, meeting, refused, room};
use crate::backend_tests;
use crate::forum::Cast;
use crate::helpers::TestApp;

backend_tests!(
    a_leader_who_loses_the_role_loses_it_in_open_connections_at_once,
    a_group_made_more_closed_cuts_off_who_may_no_longer_read,
    a_message_deleted_while_a_member_was_away_is_withdrawn_when_they_come_back,
    an_account_holds_only_a_few_connections_to_one_room,
    guests_from_one_address_open_only_so_many_connections,
);

async fn a_leader_who_loses_the_role_loses_it_in_open_connections_at_once(app: TestApp) {
    let cast = Cast::new(&app).await;
    cast.group(&app, "chat-rol", "closed", Some("invite"), true)
        .await;
    let evening = room(&app, &cast.leader, "chat-rol", json!({"name": "Avond"})).await;
    let leaders = room(
        &app,
        &cast.leader,
        "chat-rol",
        json!({"name": "Leiding", "leaders_only": true}),
    )
    .await;
    let mut in_leaders = Client::join(&app, &leaders, &cast.leader).await;
    let mut in_evening = Client::join(&app, &evening, &cast.leader).await;
    assert_eq!(in_evening.ready()["you"]["leader"], true);
    let membership = in_evening.you();
    let mut member = Client::join(&app, &evening, &cast.member).await;
    assert_eq!(in_leaders.say("Onder ons", "l-1").await["seq"], 1);

    let path = format!("/api/v1/groups/chat-rol/leaders/{membership}");
    assert_eq!(
        act(&app, Method::DELETE, &path, &cast.staff, None).await,
        204
    );
    // The leaders' room closes at once; it does not go on hearing the leaders.
    assert_eq!(
        in_leaders.closed().await,
        (4003, "role_changed".to_string())
    );
    // The meeting room starts over (a resync), and comes back as a member's connection.
    assert_eq!(in_evening.closed().await, (4000, "resync".to_string()));
    let again = Client::connect(&app, &evening, Some(&cast.leader), "?since=0")
        .await
        .unwrap();
    assert_eq!(again.ready()["you"]["leader"], false);
    assert_eq!(
        refused(&app, &leaders, Some(&cast.leader), "").await,
        (403, "forbidden".to_string())
    );
    // The member, who was never a leader, stays.
    assert_eq!(member.say("Nog iemand?", "m-1").await["seq"], 1);
}

async fn a_group_made_more_closed_cuts_off_who_may_no_longer_read(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-dichter", "open").await;
    let mut guest = Client::connect(&app, &room, None, "?nickname=Bezoeker")
        .await
        .unwrap();
    let mut outsider = Client::join(&app, &room, &cast.outsider).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    assert_eq!(member.say("Welkom", "m-1").await["seq"], 1);
    assert_eq!(guest.next_of("message").await["seq"], 1);

    let change = json!({"mode": "closed", "join_policy": "invite"});
    let status = act(
        &app,
        Method::PATCH,
        "/api/v1/groups/chat-dichter",
        &cast.leader,
        Some(change),
    )
    .await;
    assert_eq!(status, 200);
    // Whoever may no longer read is cut off now, not at their next send.
    for gone in [&mut guest, &mut outsider] {
        assert_eq!(gone.closed().await, (4003, "access_lost".to_string()));
    }
    // The member reads on, and hears nothing twice.
    assert_eq!(member.say("Nu onder ons", "m-2").await["seq"], 2);
    let seqs: Vec<_> = member
        .seen
        .iter()
        .filter(|f| f["type"] == "message")
        .map(|f| f["seq"].clone())
        .collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(
        refused(&app, &room, None, "?nickname=Bezoeker").await.0,
        401
    );
}

async fn a_message_deleted_while_a_member_was_away_is_withdrawn_when_they_come_back(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-weg", "registered").await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    let hurtful = member.say("Iets kwetsends", "m-1").await;
    member.say("Iets anders", "m-2").await;
    assert_eq!(leader.seqs_until(2).await, [1, 2]);
    drop(member);

    let path = format!("/api/v1/messages/{}", hurtful["id"].as_str().unwrap());
    assert_eq!(
        act(&app, Method::DELETE, &path, &cast.leader, None).await,
        204
    );
    assert_eq!(leader.next_of("deleted").await["id"], hurtful["id"]);
    leader.say("Laten we verder gaan", "l-1").await;

    // Deletions are noted to the second; a connection that begins in a later second is not
    // told again at a recheck what it was told when it began.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // Back with `since=2`: told that seq 1 went, then given seq 3; nothing of seq 1 itself.
    let mut back = Client::connect(&app, &room, Some(&cast.member), "?since=2")
        .await
        .unwrap();
    // (by its seq only: the note of a deletion keeps nothing else of the message).
    let deleted = back.next_of("deleted").await;
    assert_eq!(deleted["seq"], 1);
    assert!(deleted.get("id").is_none(), "{deleted}");
    assert_eq!(back.next_of("message").await["seq"], 3);
    // A recheck later (a mute) catches up, but does not tell that old deletion again: it
    // was told when the connection began.
    let mute = format!("/api/v1/rooms/{room}/participants/{}/mute", back.you());
    let body = json!({"minutes": 30, "reason": "Even pauze, graag"});
    assert_eq!(
        act(&app, Method::POST, &mute, &cast.leader, Some(body)).await,
        204
    );
    assert_eq!(back.next_of("notice").await["kind"], "muted");
    leader.say("Na de pauze", "l-2").await;
    assert_eq!(back.next_of("message").await["seq"], 4);
    let told = back.seen.iter().filter(|f| f["type"] == "deleted").count();
    assert_eq!(told, 1, "{:?}", back.seen);
    // From the start, the deleted message is simply not there, and nothing is withdrawn.
    let mut fresh = Client::connect(&app, &room, Some(&cast.member), "?since=0")
        .await
        .unwrap();
    assert_eq!(fresh.seqs_until(3).await, [2, 3]);
    assert!(fresh.seen.iter().all(|f| f["type"] != "deleted"));
    // The note of the deletion holds no word of the message.
    let notes = app.db.rows_in("message_deletions");
    assert_eq!(notes.len(), 1);
    assert!(!format!("{notes:?}").contains("kwetsend"), "{notes:?}");
    assert!(
        !format!("{notes:?}").contains(hurtful["id"].as_str().unwrap()),
        "{notes:?}"
    );
}

async fn an_account_holds_only_a_few_connections_to_one_room(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-tabs", "registered").await;
    let mut tabs = vec![];
    for _ in 0..8 {
        tabs.push(Client::join(&app, &room, &cast.member).await);
    }
    assert_eq!(
        refused(&app, &room, Some(&cast.member), "").await,
        (409, "too_many_connections".to_string())
    );
    // Someone else still comes in; closing a tab makes room again.
    Client::join(&app, &room, &cast.leader).await;
    tabs.pop();
    let mut tries = 0;
    while refused_or_joined(&app, &room, &cast.member).await.is_err() {
        tries += 1;
        assert!(tries < 50, "the closed tab was never let go of");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn refused_or_joined(app: &TestApp, room: &str, token: &str) -> Result<Client, ()> {
    Client::connect(app, room, Some(token), "")
        .await
        .map_err(|_| ())
}

async fn guests_from_one_address_open_only_so_many_connections(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-gasten", "open").await;
    // `limits.chat_guests_per_source`: 60 in 10 minutes, counted in memory by address.
    for i in 0..60 {
        let query = format!("?nickname=Gast{i}");
        drop(Client::connect(&app, &room, None, &query).await.unwrap());
    }
    let (status, code) = refused(&app, &room, None, "?nickname=Gast60").await;
    assert_eq!((status, code.as_str()), (429, "rate_limited"));
    // Accounts are not counted by address.
    Client::join(&app, &room, &cast.member).await;
}
