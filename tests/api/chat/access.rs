//! Who may open a room's websocket: the group's access decides at the handshake (before the
//! upgrade), and a browser's cookie only counts from Kring's own pages.

use serde_json::json;

use super::{Client, bearer, meeting, refused, refused_at, room};
use crate::backend_tests;
use crate::forum::Cast;
use crate::helpers::TestApp;

backend_tests!(
    a_foreign_origin_is_refused_at_the_handshake,
    the_group_policy_decides_the_handshake,
    logging_out_closes_the_sessions_open_connections_at_once,
);

async fn a_foreign_origin_is_refused_at_the_handshake(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-herkomst", "closed").await;
    let cookie = ("cookie", format!("kring_session={}", cast.member));
    let evil = ("origin", "https://evil.example".to_string());
    let ours = ("origin", app.address.clone());
    let base = app.address.as_str();
    let mismatch = (403, "origin_mismatch".to_string());
    // A cookie from another site's page, or without any Origin: refused.
    assert_eq!(
        refused_at(base, &room, &[cookie.clone(), evil.clone()], "").await,
        mismatch
    );
    assert_eq!(
        refused_at(base, &room, std::slice::from_ref(&cookie), "").await,
        mismatch
    );
    // A bearer client that says it comes from another site: refused as well.
    let token = bearer(&cast.member);
    assert_eq!(
        refused_at(base, &room, &[token.clone(), evil.clone()], "").await,
        mismatch
    );
    // A guest's handshake from another site, too.
    assert_eq!(
        refused_at(base, &room, std::slice::from_ref(&evil), "").await,
        mismatch
    );
    // From Kring's own pages, the cookie works; a bearer client without Origin too.
    let mine = Client::open(base, &room, &[cookie, ours.clone()], "")
        .await
        .expect("our own page's cookie");
    assert_eq!(mine.ready()["you"]["name"], "Lid");
    let mut member = Client::open(base, &room, &[token, ours], "").await.unwrap();
    assert_eq!(member.say("Van hier", "m-1").await["seq"], 1);
}

async fn the_group_policy_decides_the_handshake(app: TestApp) {
    let cast = Cast::new(&app).await;
    cast.group(&app, "chat-dicht", "closed", Some("invite"), true)
        .await;
    let closed = room(&app, &cast.leader, "chat-dicht", json!({"name": "Avond"})).await;
    let leaders = room(
        &app,
        &cast.leader,
        "chat-dicht",
        json!({"name": "Leiding", "leaders_only": true}),
    )
    .await;
    let forbidden = (403, "forbidden".to_string());
    // A closed group: an outsider is refused, a guest is asked to log in, a banned member
    // is refused; a member and a muted member come in.
    assert_eq!(
        refused(&app, &closed, Some(&cast.outsider), "").await,
        forbidden
    );
    assert_eq!(
        refused(&app, &closed, None, "").await,
        (401, "login_required".to_string())
    );
    assert_eq!(
        refused(&app, &closed, None, "?nickname=Bezoeker").await.0,
        401
    );
    assert_eq!(
        refused(&app, &closed, Some(&cast.banned), "").await,
        forbidden
    );
    Client::join(&app, &closed, &cast.member).await;
    Client::join(&app, &closed, &cast.muted).await;
    // The leaders' own room: leaders only.
    assert_eq!(
        refused(&app, &leaders, Some(&cast.member), "").await,
        forbidden
    );
    assert_eq!(
        refused(&app, &leaders, Some(&cast.outsider), "").await,
        forbidden
    );
    let mut leader = Client::join(&app, &leaders, &cast.leader).await;
    assert_eq!(leader.ready()["room"]["leaders_only"], true);
    assert_eq!(leader.say("Onder ons", "l-1").await["seq"], 1);
    // A member does not find it among the group's rooms either.
    let list = app
        .read_ok(Some(&cast.member), "/api/v1/groups/chat-dicht/rooms")
        .await;
    let ids: Vec<&str> = list["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![closed.as_str()]);

    // A hidden group's room answers like a room that does not exist.
    let hidden = Cast::new(&app).await;
    hidden
        .group(&app, "chat-verborgen", "closed", Some("invite"), false)
        .await;
    let secret = room(
        &app,
        &hidden.leader,
        "chat-verborgen",
        json!({"name": "Avond"}),
    )
    .await;
    let missing = refused(&app, "geen-kamer-met-deze-naam", Some(&hidden.outsider), "").await;
    assert_eq!(missing, (404, "not_found".to_string()));
    assert_eq!(
        refused(&app, &secret, Some(&hidden.outsider), "").await,
        missing
    );
    assert_eq!(refused(&app, &secret, None, "").await, missing);
    // Another group's member is an outsider here.
    assert_eq!(
        refused(&app, &secret, Some(&cast.member), "").await,
        missing
    );
    Client::join(&app, &secret, &hidden.member).await;

    // A registered group: any account reads; a guest is asked to log in.
    cast.group(&app, "chat-leden", "registered", None, true)
        .await;
    let registered = room(&app, &cast.leader, "chat-leden", json!({"name": "Avond"})).await;
    let mut outsider = Client::join(&app, &registered, &cast.outsider).await;
    assert_eq!(
        refused(&app, &registered, None, "").await,
        (401, "login_required".to_string())
    );
    // Reading is not writing: an account without a membership may not send.
    let error = outsider.refused("Mag ik meepraten?", "o-1").await;
    assert_eq!(error["error"], "membership_required", "{error}");
}

async fn logging_out_closes_the_sessions_open_connections_at_once(app: TestApp) {
    let (cast, room) = meeting(&app, "chat-uitloggen", "closed").await;
    let mut member = Client::join(&app, &room, &cast.member).await;
    let mut second_tab = Client::join(&app, &room, &cast.member).await;
    let mut leader = Client::join(&app, &room, &cast.leader).await;
    assert_eq!(member.say("Tot straks", "m-1").await["seq"], 1);
    let logout = reqwest::Client::new()
        .delete(format!("{}/api/v1/sessions/current", app.address))
        .bearer_auth(&cast.member)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    // "The token is dead everywhere": its open connections too, not at their next send.
    for tab in [&mut member, &mut second_tab] {
        assert_eq!(tab.closed().await, (4003, "logged_out".to_string()));
    }
    // Someone else's connection goes on.
    assert_eq!(leader.say("Fijne avond", "l-1").await["seq"], 2);
    // And the dead token opens nothing.
    let (status, code) = refused(&app, &room, Some(&cast.member), "").await;
    assert!(status == 401 || status == 403, "{status} {code}");
}
