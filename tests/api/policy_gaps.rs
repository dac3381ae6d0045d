//! The promises found broken from outside, each with the test that would have caught it:
//! invite cards of unlisted groups work through the pages, the steunpunt cannot take over a
//! group, a closed group's names cannot be probed, access is decided inside the write
//! transaction, and a hidden group costs what a missing one costs.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp, assert_error};

backend_tests!(
    an_unlisted_groups_invite_card_link_joins_through_the_pages,
    a_steunpunt_admin_cannot_take_over_a_group,
    the_steunpunt_sets_a_new_groups_access_freely_and_only_proposes_once_people_are_in,
    a_closed_groups_join_request_never_reveals_who_is_in_it,
    a_removed_leader_cannot_finish_a_ban_that_waited_for_the_lock,
    a_group_closed_during_a_join_takes_the_joiner_in_only_as_an_applicant,
    a_hidden_group_answers_an_invite_exactly_as_a_missing_one,
    every_code_tried_through_the_join_page_counts,
    a_decision_that_waited_for_another_leader_sees_its_outcome,
    a_muted_member_takes_no_leader_invite,
);

async fn logged_in_browser(app: &TestApp, login: &str) -> reqwest::Client {
    app.register(login).await;
    let browser = app.browser();
    let response = browser
        .post(app.url("/login"))
        .form(&[("login", login), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    browser
}

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Finding 1: `GET /g/{slug}?code=...` for an unlisted invite-only group showed a 404.
async fn an_unlisted_groups_invite_card_link_joins_through_the_pages(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "verborgen-kring", "closed", Some("invite"), false)
        .await;
    let leader = app.leader(&sp, "verborgen-kring", "Leider").await;
    let code = app.invite(&leader, "verborgen-kring", "member", 5).await;
    let group_name = "Groep verborgen-kring";

    // A guest and an account with the link see the same neutral page for the hidden group
    // as for a group that does not exist: nothing names or confirms the group.
    let guest = app.browser();
    let member = logged_in_browser(&app, "kaartlezer").await;
    for client in [&guest, &member] {
        let (status, hidden) =
            page(client, app.url(&format!("/g/verborgen-kring?code={code}"))).await;
        let (missing_status, missing) =
            page(client, app.url(&format!("/g/nergens-kring?code={code}"))).await;
        assert_eq!((status, missing_status), (200, 200));
        assert!(!hidden.contains(group_name) && !hidden.contains("Eindhoven"));
        assert_eq!(
            hidden.replace("verborgen-kring", "SLUG"),
            missing.replace("nergens-kring", "SLUG"),
            "a hidden group's code page differs from a missing group's"
        );
        assert!(hidden.contains(&code), "the code stays filled in");
    }
    // Without a code it stays a plain 404.
    assert_eq!(page(&guest, app.url("/g/verborgen-kring")).await.0, 404);
    // The guest's way in carries the code through logging in or registering.
    let (_, neutral) = page(&guest, app.url(&format!("/g/verborgen-kring?code={code}"))).await;
    assert!(neutral.contains("/register?next=%2Fg%2Fverborgen-kring%3Fcode%3D"));
    assert!(neutral.contains("/login?next=%2Fg%2Fverborgen-kring%3Fcode%3D"));

    // A wrong code reads the same for the hidden group and for a missing one.
    let try_code = async |slug: &str, code: &str| {
        let response = member
            .post(app.url(&format!("/g/{slug}/code")))
            .form(&[("code", code)])
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    let (bad_hidden, bad_hidden_body) = try_code("verborgen-kring", "ABCD-EFGH-JKMN-PQRS").await;
    let (bad_missing, bad_missing_body) = try_code("nergens-kring", "ABCD-EFGH-JKMN-PQRS").await;
    assert_eq!((bad_hidden, bad_missing), (422, 422));
    assert_eq!(
        bad_hidden_body.replace("verborgen-kring", "SLUG"),
        bad_missing_body.replace("nergens-kring", "SLUG")
    );
    // The right code opens the group's page, house rules and join form included.
    let (status, opened) = try_code("verborgen-kring", &code).await;
    assert_eq!(status, 200);
    assert!(
        opened.contains(group_name) && opened.contains("join-form"),
        "{opened}"
    );
    assert!(
        opened.contains("Wat hier gezegd wordt"),
        "house rules shown"
    );
    // Joining through the page's form makes a member.
    let joined = member
        .post(app.url("/g/verborgen-kring/join"))
        .form(&[
            ("display_name", "Kaartlezer"),
            ("invite_code", code.as_str()),
            ("accept_house_rules", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 303);
    let (status, mine) = page(&member, app.url("/g/verborgen-kring")).await;
    assert_eq!(status, 200);
    assert!(mine.contains("Kaartlezer") && mine.contains("my-membership"));
}

/// Finding 2: a staff account redeemed its own leader invite and opened a closed group.
async fn a_steunpunt_admin_cannot_take_over_a_group(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "besloten-kring", "closed", Some("invite"), false)
        .await;
    app.group(&sp, "open-kring", "open", None, true).await;
    // Staff accounts redeem no invites and hold no memberships.
    let code = app.invite(&sp, "besloten-kring", "leader", 1).await;
    let redeemed = app
        .join(
            &sp,
            "besloten-kring",
            json!({"display_name": "Staf", "invite_code": code}),
        )
        .await;
    assert_error(redeemed, 403, "staff_account").await;
    let joined = app
        .join(&sp, "open-kring", json!({"display_name": "Staf"}))
        .await;
    assert_error(joined, 403, "staff_account").await;
    let instance = app.instance_admin().await;
    let joined = app
        .join(&instance, "open-kring", json!({"display_name": "Beheer"}))
        .await;
    assert_error(joined, 403, "staff_account").await;
    // So the steunpunt reads no members, requests or log of the closed group.
    for path in ["members", "join-requests", "modlog"] {
        let response = app
            .get(&format!("/api/v1/groups/besloten-kring/{path}"), &sp)
            .await;
        assert_eq!(response.status(), 403, "{path}");
    }
    // The unused leader invite still works for someone else.
    let leader = app.member().await.1;
    let joined = app
        .join(
            &leader,
            "besloten-kring",
            json!({"display_name": "Leider", "invite_code": code}),
        )
        .await;
    assert_eq!(joined.status(), 201);

    // Opening the group is a proposal: nothing changes until a leader accepts.
    let open_up = app
        .send_json(
            Method::PATCH,
            "/api/v1/groups/besloten-kring",
            &sp,
            Some(&json!({"mode": "open", "listed": true})),
        )
        .await;
    assert_eq!(open_up.status(), 202);
    let entry: Value = app
        .get("/api/v1/groups/besloten-kring", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["mode"], "closed");
    assert_eq!(entry["listed"], false);
    assert_eq!(entry["access_proposal"]["mode"], "open", "{entry}");
    let (_, outsider) = app.member().await;
    let refused = app
        .join(
            &outsider,
            "besloten-kring",
            json!({"display_name": "Buiten"}),
        )
        .await;
    assert_error(refused, 404, "not_found").await;
    // The leaders see the proposal on their page, and decline it.
    let leader_page = app
        .api
        .get(app.url("/g/besloten-kring/beheer"))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(leader_page.contains("access-proposal"), "{leader_page}");
    let declined = app
        .send_json(
            Method::DELETE,
            "/api/v1/groups/besloten-kring/access-proposal",
            &leader,
            None,
        )
        .await;
    assert_eq!(declined.status(), 204);
    let proposal = app
        .get("/api/v1/groups/besloten-kring/access-proposal", &sp)
        .await;
    assert_eq!(proposal.status(), 404);
    // The steunpunt can still make the group more closed, or ask again.
    let closer = app
        .send_json(
            Method::PATCH,
            "/api/v1/groups/besloten-kring",
            &sp,
            Some(&json!({"join_policy": "invite_and_approval"})),
        )
        .await;
    assert_eq!(closer.status(), 200);
}

async fn the_steunpunt_sets_a_new_groups_access_freely_and_only_proposes_once_people_are_in(
    app: TestApp,
) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "nieuwe-kring", "closed", Some("approval"), false)
        .await;
    let patch = async |body: Value| {
        app.send_json(
            Method::PATCH,
            "/api/v1/groups/nieuwe-kring",
            &sp,
            Some(&body),
        )
        .await
    };
    // No leader, nobody in it: the steunpunt sets it up as it likes.
    let opened = patch(json!({"mode": "registered", "listed": true})).await;
    assert_eq!(opened.status(), 200);
    let closed = patch(json!({"mode": "closed", "join_policy": "approval"})).await;
    assert_eq!(closed.status(), 200);
    // Once someone asks to join, opening waits for a leader, even without one yet.
    let (_, applicant) = app.member().await;
    let asked = app
        .join(
            &applicant,
            "nieuwe-kring",
            json!({"display_name": "Vrager", "introduction": "Ik wil graag meedoen."}),
        )
        .await;
    assert_eq!(asked.status(), 202);
    let proposed = patch(json!({"mode": "open"})).await;
    assert_eq!(proposed.status(), 202);
    let entry: Value = app
        .get("/api/v1/groups/nieuwe-kring", &sp)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["mode"], "closed");
}

/// Finding 3: a join request answered 409 for a name a (banned) member uses.
async fn a_closed_groups_join_request_never_reveals_who_is_in_it(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "stille-kring", "closed", Some("approval"), true)
        .await;
    let leader = app.leader(&sp, "stille-kring", "Leider").await;
    // A member who is then banned: members themselves no longer see them.
    let code = app.invite(&leader, "stille-kring", "member", 1).await;
    let (_, banned) = app.member().await;
    let id = app
        .joined(
            &banned,
            "stille-kring",
            json!({"display_name": "Geweerd", "invite_code": code}),
        )
        .await;
    let ban = app
        .sanction(
            &leader,
            "stille-kring",
            &id,
            "ban",
            json!({"reason": "houdt zich niet aan de afspraken"}),
        )
        .await;
    assert_eq!(ban.status(), 200);
    // Requests with a member's name, a banned member's name and a free name: all 202.
    let intro = "Ik zou graag meedoen met jullie groep.";
    let mut requests = vec![];
    for name in ["Leider", "Geweerd", "Vrij"] {
        let (_, token) = app.member().await;
        let asked = app
            .join(
                &token,
                "stille-kring",
                json!({"display_name": name, "introduction": intro}),
            )
            .await;
        assert_eq!(asked.status(), 202, "{name}");
        let body: Value = asked.json().await.unwrap();
        requests.push((token, body["join_request_id"].as_str().unwrap().to_string()));
    }
    // The leader approves "Leider": the clash is settled now, by asking for another name.
    let (clashing, request) = &requests[0];
    let decided: Value = app
        .decide(&leader, request, json!({"approve": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decided["waiting_for_new_name"], true, "{decided}");
    let own: Value = app
        .get("/api/v1/groups/stille-kring/join-request", clashing)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["state"], "choose_name");
    let choose = async |name: &str| {
        app.send_json(
            Method::POST,
            "/api/v1/groups/stille-kring/join-request/name",
            clashing,
            Some(&json!({ "display_name": name })),
        )
        .await
    };
    // Now a member-to-be, they may learn that a name is taken (look-alikes too).
    assert_error(choose("Ⅼeider").await, 409, "display_name_taken").await;
    let chosen = choose("Nieuwkomer").await;
    assert_eq!(chosen.status(), 201);
    let members: Value = app
        .get("/api/v1/groups/stille-kring/members", clashing)
        .await
        .json()
        .await
        .unwrap();
    assert!(members.to_string().contains("Nieuwkomer"), "{members}");
    // Where anyone with an account joins at once, a taken name is still said at once.
    app.group(&sp, "open-kring", "registered", None, true).await;
    let (_, first) = app.member().await;
    let (_, second) = app.member().await;
    let one = app
        .join(&first, "open-kring", json!({"display_name": "Zelfde"}))
        .await;
    assert_eq!(one.status(), 201);
    let two = app
        .join(&second, "open-kring", json!({"display_name": "Zelfde"}))
        .await;
    assert_error(two, 409, "display_name_taken").await;
}

/// Finding 5: a ban was decided on facts read before the write transaction.
async fn a_removed_leader_cannot_finish_a_ban_that_waited_for_the_lock(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "wissel-kring", "registered", None, true)
        .await;
    let leader = app.leader(&sp, "wissel-kring", "Leider").await;
    let (_, member) = app.member().await;
    let id = app
        .joined(&member, "wissel-kring", json!({"display_name": "Lid"}))
        .await;
    // The steunpunt removes the leader in a transaction that is still open...
    let (release, holder) = app.db.hold_write(
        "wissel-kring",
        "UPDATE memberships SET role = 'member' WHERE display_name = 'Leider';",
    );
    // ...while the leader's ban arrives.
    let ban = {
        let request = app
            .api
            .post(app.url(&format!("/api/v1/groups/wissel-kring/members/{id}/ban")))
            .bearer_auth(&leader)
            .json(&json!({"reason": "te laat"}));
        tokio::spawn(async move { request.send().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    release.send(()).unwrap();
    holder.join().unwrap();
    let ban = ban.await.unwrap();
    assert_error(ban, 403, "forbidden").await;
    let me: Value = app
        .get("/api/v1/groups/wissel-kring", &member)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["me"]["banned"], false);
}

/// Finding 5: a join was decided on the mode read before the write transaction.
async fn a_group_closed_during_a_join_takes_the_joiner_in_only_as_an_applicant(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "sluit-kring", "registered", None, true)
        .await;
    app.leader(&sp, "sluit-kring", "Leider").await;
    let (_, joiner) = app.member().await;
    let (release, holder) = app.db.hold_write(
        "sluit-kring",
        "UPDATE groups SET mode = 'closed', join_policy = 'approval' WHERE slug = 'sluit-kring';",
    );
    let join = {
        let request = app
            .api
            .post(app.url("/api/v1/groups/sluit-kring/members"))
            .bearer_auth(&joiner)
            .header("x-forwarded-for", crate::helpers::unique_source())
            .json(&json!({
                "display_name": "Snel", "accept_house_rules": true,
                "introduction": "Ik kwam binnen terwijl de deur dichtging."
            }));
        tokio::spawn(async move { request.send().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    release.send(()).unwrap();
    holder.join().unwrap();
    let joined = join.await.unwrap();
    assert_eq!(
        joined.status(),
        202,
        "a request for a leader, not a membership"
    );
}

/// Finding 6: an invite for a missing group answered at once, for a hidden group only after
/// the write lock (and so 503 under load).
async fn a_hidden_group_answers_an_invite_exactly_as_a_missing_one(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "schuil-kring", "closed", Some("invite"), false)
        .await;
    app.leader(&sp, "schuil-kring", "Leider").await;
    let (_, token) = app.member().await;
    let mut answers = vec![];
    for slug in ["schuil-kring", "niet-bestaand"] {
        // On SQLite every write waits for the one write lock; a missing group must too.
        let (release, holder) = app
            .db
            .hold_write("schuil-kring", "UPDATE groups SET region = region;");
        let started = Instant::now();
        let join = {
            let request = app
                .api
                .post(app.url(&format!("/api/v1/groups/{slug}/members")))
                .bearer_auth(&token)
                .header("x-forwarded-for", crate::helpers::unique_source())
                .json(&json!({"display_name": "Raden", "accept_house_rules": true,
                              "invite_code": "ABCD-EFGH-JKMN-PQRS"}));
            tokio::spawn(async move { request.send().await.unwrap() })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        release.send(()).unwrap();
        holder.join().unwrap();
        let response = join.await.unwrap();
        let waited = started.elapsed();
        let status = response.status().as_u16();
        answers.push((status, response.text().await.unwrap()));
        if app.db.backend == crate::helpers::Backend::Sqlite {
            assert!(
                waited >= Duration::from_millis(250),
                "{slug} did not wait: {waited:?}"
            );
        }
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 404);
}

/// Found in review: the join page looked a code up again after a failed join, uncounted
/// (a bad display name failed before the limit), so codes could be guessed without limit.
async fn every_code_tried_through_the_join_page_counts(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "raad-kring", "closed", Some("invite"), false)
        .await;
    let leader = app.leader(&sp, "raad-kring", "Leider").await;
    let code = app.invite(&leader, "raad-kring", "member", 5).await;
    let member = logged_in_browser(&app, "rader").await;
    let try_join = async |name: &str, code: &str| {
        let response = member
            .post(app.url("/g/raad-kring/join"))
            .form(&[
                ("display_name", name),
                ("invite_code", code),
                ("accept_house_rules", "yes"),
            ])
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    // A bad name with the right code: counted, and the holder of the code sees the group.
    let (status, body) = try_join("x", &code).await;
    assert_eq!(status, 422);
    assert!(body.contains("Groep raad-kring"), "{body}");
    // Wrong codes with a bad name: each one counts, until the limit (10 per account).
    let mut limited = false;
    for _ in 0..12 {
        let (status, body) = try_join("x", "ABCD-EFGH-JKMN-PQRS").await;
        assert!(!body.contains("Groep raad-kring"));
        if status == 429 {
            limited = true;
            break;
        }
        assert_eq!(status, 422);
    }
    assert!(limited, "the invite limit was never reached");
    // Past the limit, even the right code shows nothing of the group.
    let (status, body) = try_join("Goede_naam", &code).await;
    assert_eq!(status, 429);
    assert!(!body.contains("Groep raad-kring"), "{body}");
}

/// Found in review: an approval that waited for another leader's decline still made the
/// applicant a member (the request was read before the group's lock).
async fn a_decision_that_waited_for_another_leader_sees_its_outcome(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "twee-kring", "closed", Some("approval"), true)
        .await;
    let leader = app.leader(&sp, "twee-kring", "Leider").await;
    let (_, applicant) = app.member().await;
    let asked: Value = app
        .join(
            &applicant,
            "twee-kring",
            json!({"display_name": "Vrager", "introduction": "Ik wil graag meedoen."}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = asked["join_request_id"].as_str().unwrap().to_string();
    // Another leader's decline, not yet committed...
    let (release, holder) = app.db.hold_write(
        "twee-kring",
        &format!(
            "UPDATE join_requests SET state = 'declined', introduction = NULL, \
             reason = 'liever niet' WHERE id = '{id}';"
        ),
    );
    // ...while this leader approves.
    let approve = {
        let request = app
            .api
            .post(app.url(&format!("/api/v1/join-requests/{id}/decision")))
            .bearer_auth(&leader)
            .json(&json!({"approve": true}));
        tokio::spawn(async move { request.send().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_error(approve.await.unwrap(), 404, "not_found").await;
    let own: Value = app
        .get("/api/v1/groups/twee-kring/join-request", &applicant)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["state"], "declined");
}

/// Found in review: a muted member who redeemed a leader invite became a leader nobody could
/// unmute.
async fn a_muted_member_takes_no_leader_invite(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "stil-kring", "registered", None, true).await;
    let leader = app.leader(&sp, "stil-kring", "Leider").await;
    let (_, member) = app.member().await;
    let id = app
        .joined(&member, "stil-kring", json!({"display_name": "Lid"}))
        .await;
    let muted = app
        .sanction(
            &leader,
            "stil-kring",
            &id,
            "mute",
            json!({"reason": "even pauze"}),
        )
        .await;
    assert_eq!(muted.status(), 200);
    let code = app.invite(&sp, "stil-kring", "leader", 1).await;
    let promoted = app
        .join(
            &member,
            "stil-kring",
            json!({"display_name": "Lid", "invite_code": code}),
        )
        .await;
    assert_error(promoted, 403, "forbidden").await;
}
