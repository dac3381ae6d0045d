//! Steunpunten, groups, every join path, join requests, invites, bans and mutes, mode changes,
//! denied reads and unlinkability, over the API.

use reqwest::Method;
use serde_json::{Value, json};

use crate::backend_tests;
use crate::helpers::{HOME, PASSWORD, TestApp, assert_error};

backend_tests!(
    instance_admin_creates_steunpunten_and_appoints_staff,
    directory_filters_and_never_shows_unlisted_groups,
    open_read_only_and_registered_groups_are_joined_with_a_display_name,
    closed_approval_introduction_then_a_leaders_decision,
    closed_invite_code_from_the_meeting,
    closed_invite_and_approval_needs_both,
    invites_are_limited_revocable_and_leader_invites_belong_to_the_steunpunt,
    display_names_follow_the_rules_and_are_unique_per_group,
    bans_and_mutes,
    leaders_close_and_the_steunpunt_opens_with_confirmation,
    denied_reads_answer_401_403_404_and_leak_nothing,
    one_account_in_two_groups_cannot_be_linked,
    leaving_erases_the_membership,
    the_steunpunt_removes_a_leader,
);

async fn instance_admin_creates_steunpunten_and_appoints_staff(app: TestApp) {
    let admin = app.instance_admin().await;
    let (member_login, member) = app.member().await;
    let body = json!({"slug": "regio-oost", "name": "Steunpunt Oost", "crisis_text": "Bel 113."});
    let denied = app
        .send_json(Method::POST, "/api/v1/steunpunten", &member, Some(&body))
        .await;
    assert_error(denied, 403, "forbidden").await;
    let created = app
        .send_json(Method::POST, "/api/v1/steunpunten", &admin, Some(&body))
        .await;
    assert_eq!(created.status(), 201);
    let again = app
        .send_json(Method::POST, "/api/v1/steunpunten", &admin, Some(&body))
        .await;
    assert_error(again, 409, "slug_taken").await;
    // Only staff accounts become steunpunt admins.
    let not_staff = app
        .send_json(
            Method::POST,
            "/api/v1/steunpunten/regio-oost/admins",
            &admin,
            Some(&json!({"login": member_login})),
        )
        .await;
    assert_error(not_staff, 422, "not_staff").await;
    let staff = app
        .send_json(
            Method::POST,
            "/api/v1/staff-accounts",
            &member,
            Some(&json!({"login": "staf_oost", "password": PASSWORD})),
        )
        .await;
    assert_error(staff, 403, "forbidden").await;
    let sp_admin = app.steunpunt_admin().await;
    // An admin of one steunpunt cannot create groups in another.
    let elsewhere = app
        .send_json(
            Method::POST,
            "/api/v1/groups",
            &sp_admin,
            Some(
                &json!({"steunpunt": "regio-oost", "slug": "elders", "name": "Elders",
                "mode": "open", "listed": true, "theme": "addiction"}),
            ),
        )
        .await;
    assert_error(elsewhere, 403, "forbidden").await;
    let no_policy = app
        .send_json(
            Method::POST,
            "/api/v1/groups",
            &sp_admin,
            Some(&json!({"steunpunt": HOME, "slug": "dicht", "name": "Dicht",
                "mode": "closed", "listed": true, "theme": "addiction"})),
        )
        .await;
    assert_error(no_policy, 422, "join_policy_required").await;
}

async fn directory_filters_and_never_shows_unlisted_groups(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "rouw-eindhoven", "open", None, true).await;
    app.group(&sp, "angst-online", "closed", Some("approval"), true)
        .await;
    app.group(&sp, "verborgen", "closed", Some("invite"), false)
        .await;
    let slugs = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| g["slug"].as_str().unwrap().to_string())
            .collect()
    };
    let guest: Value = app
        .api
        .get(app.url("/api/v1/groups"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&guest), ["angst-online", "rouw-eindhoven"]);
    let closed: Value = app
        .api
        .get(app.url("/api/v1/groups?mode=closed&q=angst"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&closed), ["angst-online"]);
    assert_eq!(closed[0]["join_policy"], "approval");
    let none: Value = app
        .api
        .get(app.url("/api/v1/groups?theme=addiction"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(none.as_array().unwrap().is_empty());
    let region: Value = app
        .api
        .get(app.url("/api/v1/groups?region=eindhoven"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(region.as_array().unwrap().len(), 2);
    let bad = app
        .api
        .get(app.url("/api/v1/groups?mode=half-open"))
        .send()
        .await
        .unwrap();
    assert_error(bad, 400, "invalid_query").await;
    // The steunpunt admin sees the unlisted group; outsiders get 404 for it.
    let admin_view: Value = app
        .get(&format!("/api/v1/steunpunten/{HOME}/groups"), &sp)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&admin_view).len(), 3);
    let (_, outsider) = app.member().await;
    assert_error(
        app.get("/api/v1/groups/verborgen", &outsider).await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.api
            .get(app.url("/api/v1/groups/verborgen"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    let outsiders: Value = app
        .get("/api/v1/groups", &outsider)
        .await
        .json()
        .await
        .unwrap();
    assert!(!slugs(&outsiders).contains(&"verborgen".to_string()));
    // No counts of any kind in the directory.
    let text = guest.to_string();
    assert!(
        !text.contains("count") && !text.contains("members"),
        "{text}"
    );
}

async fn open_read_only_and_registered_groups_are_joined_with_a_display_name(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    for mode in ["open", "read_only", "registered"] {
        let slug = format!("groep-{}", mode.replace('_', "-"));
        app.group(&sp, &slug, mode, None, true).await;
        let (_, token) = app.member().await;
        let no_rules = app
            .join(
                &token,
                &slug,
                json!({"display_name": "Zonnebloem", "accept_house_rules": false}),
            )
            .await;
        assert_error(no_rules, 422, "house_rules_not_accepted").await;
        let joined = app
            .join(&token, &slug, json!({"display_name": "Zonnebloem"}))
            .await;
        assert_eq!(joined.status(), 201, "{mode}");
        let body: Value = joined.json().await.unwrap();
        assert_eq!(body["state"], "active");
        assert_eq!(body["membership"]["display_name"], "Zonnebloem");
        let again = app
            .join(&token, &slug, json!({"display_name": "Anders"}))
            .await;
        assert_error(again, 409, "already_member").await;
        let view: Value = app
            .get(&format!("/api/v1/groups/{slug}"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(view["me"]["display_name"], "Zonnebloem");
        assert!(
            view["may"]
                .as_array()
                .unwrap()
                .contains(&json!("write_content"))
        );
    }
    // A guest cannot join anything.
    let guest = app
        .api
        .post(app.url("/api/v1/groups/groep-open/members"))
        .json(&json!({"display_name": "Gast", "accept_house_rules": true}))
        .send()
        .await
        .unwrap();
    assert_error(guest, 401, "unauthorized").await;
}

async fn closed_approval_introduction_then_a_leaders_decision(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "mantelzorg", "closed", Some("approval"), true)
        .await;
    let leader = app.leader(&sp, "mantelzorg", "Begeleider_Jan").await;
    let (_, anna) = app.member().await;
    let short = app
        .join(
            &anna,
            "mantelzorg",
            json!({"display_name": "Anna", "introduction": "hoi"}),
        )
        .await;
    assert_error(short, 422, "invalid_field").await;
    let intro = "Ik zorg al drie jaar voor mijn moeder en zoek lotgenoten.";
    let pending = app
        .join(
            &anna,
            "mantelzorg",
            json!({"display_name": "Anna", "introduction": intro}),
        )
        .await;
    assert_eq!(pending.status(), 202);
    let again = app
        .join(
            &anna,
            "mantelzorg",
            json!({"display_name": "Anna", "introduction": intro}),
        )
        .await;
    assert_error(again, 409, "already_pending").await;
    // Waiting is not membership: nothing to read yet.
    assert_error(
        app.get("/api/v1/groups/mantelzorg/members", &anna).await,
        403,
        "forbidden",
    )
    .await;
    let own: Value = app
        .get("/api/v1/groups/mantelzorg/join-request", &anna)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["state"], "pending");

    // The leader reads the introduction and approves.
    assert_error(
        app.get("/api/v1/groups/mantelzorg/join-requests", &anna)
            .await,
        403,
        "forbidden",
    )
    .await;
    let list: Value = app
        .get("/api/v1/groups/mantelzorg/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["introduction"], intro);
    let id = list[0]["id"].as_str().unwrap().to_string();
    // Someone else cannot decide, and learns nothing.
    let (_, stranger) = app.member().await;
    let meddling = app
        .send_json(
            Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            &stranger,
            Some(&json!({"approve": true})),
        )
        .await;
    assert_error(meddling, 404, "not_found").await;
    let approved = app
        .send_json(
            Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            &leader,
            Some(&json!({"approve": true})),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let members: Value = app
        .get("/api/v1/groups/mantelzorg/members", &anna)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Anna", "Begeleider_Jan"]);

    // Another applicant is declined with a reason, which they see once.
    let (_, bert) = app.member().await;
    app.join(
        &bert,
        "mantelzorg",
        json!({"display_name": "Bert", "introduction": "Ik wil graag meelezen met jullie."}),
    )
    .await;
    let list: Value = app
        .get("/api/v1/groups/mantelzorg/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_str().unwrap().to_string();
    let no_reason = app
        .send_json(
            Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            &leader,
            Some(&json!({"approve": false})),
        )
        .await;
    assert_error(no_reason, 422, "invalid_field").await;
    let declined = app
        .send_json(
            Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            &leader,
            Some(&json!({"approve": false, "reason": "Deze groep is voor mantelzorgers; kijk eens bij de rouwgroep."})),
        )
        .await;
    assert_eq!(declined.status(), 200);
    let twice = app
        .send_json(
            Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            &leader,
            Some(&json!({"approve": true})),
        )
        .await;
    assert_error(twice, 404, "not_found").await;
    let seen: Value = app
        .get("/api/v1/groups/mantelzorg/join-request", &bert)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["state"], "declined");
    assert!(seen["reason"].as_str().unwrap().contains("rouwgroep"));
    assert_eq!(
        app.get("/api/v1/groups/mantelzorg/join-request", &bert)
            .await
            .status(),
        404,
        "read once, then gone"
    );
    let pending: Value = app
        .get("/api/v1/groups/mantelzorg/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert!(pending.as_array().unwrap().is_empty());
    // The modlog names the approved member, never the declined applicant.
    let log = app
        .get("/api/v1/groups/mantelzorg/modlog", &leader)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("join_request_declined") && !log.contains("Bert"),
        "{log}"
    );
}

async fn closed_invite_code_from_the_meeting(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "verslaving", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "verslaving", "Leider").await;
    let code = app.invite(&leader, "verslaving", "member", 5).await;
    assert_eq!(
        code.len(),
        19,
        "four groups of four base32 characters: 80 bits"
    );
    let (_, carla) = app.member().await;
    let without = app
        .join(&carla, "verslaving", json!({"display_name": "Carla"}))
        .await;
    assert_error(without, 403, "invite_required").await;
    let wrong = app
        .join(
            &carla,
            "verslaving",
            json!({"display_name": "Carla", "invite_code": "AAAA-BBBB-CCCC-DDDD"}),
        )
        .await;
    assert_error(wrong, 422, "invalid_invite").await;
    let sloppy = code.to_lowercase().replace('-', " ");
    let joined = app
        .join(
            &carla,
            "verslaving",
            json!({"display_name": "Carla", "invite_code": sloppy}),
        )
        .await;
    assert_eq!(joined.status(), 201);

    // An unlisted group never confirms itself to a wrong code.
    app.group(&sp, "stil", "closed", Some("invite"), false)
        .await;
    let (_, dirk) = app.member().await;
    let hidden = app
        .join(
            &dirk,
            "stil",
            json!({"display_name": "Dirk", "invite_code": "AAAA-BBBB-CCCC-DDDD"}),
        )
        .await;
    assert_error(hidden, 404, "not_found").await;
    let nowhere = app
        .join(
            &dirk,
            "bestaat-niet",
            json!({"display_name": "Dirk", "invite_code": "AAAA-BBBB-CCCC-DDDD"}),
        )
        .await;
    assert_error(nowhere, 404, "not_found").await;
    let stil_leader = app.leader(&sp, "stil", "Stille_Leider").await;
    let code = app.invite(&stil_leader, "stil", "member", 1).await;
    let joined = app
        .join(
            &dirk,
            "stil",
            json!({"display_name": "Dirk", "invite_code": code}),
        )
        .await;
    assert_eq!(joined.status(), 201);
    assert_eq!(app.get("/api/v1/groups/stil", &dirk).await.status(), 200);
}

async fn closed_invite_and_approval_needs_both(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "trauma", "closed", Some("invite_and_approval"), true)
        .await;
    let leader = app.leader(&sp, "trauma", "Leider").await;
    let code = app.invite(&leader, "trauma", "member", 3).await;
    let (_, eva) = app.member().await;
    let intro_only = app
        .join(&eva, "trauma", json!({"display_name": "Eva", "introduction": "Ik was bij de bijeenkomst van dinsdag."}))
        .await;
    assert_error(intro_only, 403, "invite_required").await;
    let code_only = app
        .join(
            &eva,
            "trauma",
            json!({"display_name": "Eva", "invite_code": code}),
        )
        .await;
    assert_error(code_only, 422, "invalid_field").await;
    let both = app
        .join(
            &eva,
            "trauma",
            json!({"display_name": "Eva", "invite_code": code,
            "introduction": "Ik was bij de bijeenkomst van dinsdag."}),
        )
        .await;
    assert_eq!(both.status(), 202);
    let list: Value = app
        .get("/api/v1/groups/trauma/join-requests", &leader)
        .await
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_str().unwrap();
    let approved = app
        .send_json(
            Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            &leader,
            Some(&json!({"approve": true})),
        )
        .await;
    assert_eq!(approved.status(), 200);
    assert_eq!(
        app.get("/api/v1/groups/trauma/members", &eva)
            .await
            .status(),
        200
    );
}

async fn invites_are_limited_revocable_and_leader_invites_belong_to_the_steunpunt(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "diabetes", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "diabetes", "Leider").await;
    // A leader cannot appoint leaders; the steunpunt can.
    let denied = app
        .send_json(
            Method::POST,
            "/api/v1/groups/diabetes/invites",
            &leader,
            Some(&json!({"role": "leader"})),
        )
        .await;
    assert_error(denied, 403, "forbidden").await;
    let many = app
        .send_json(
            Method::POST,
            "/api/v1/groups/diabetes/invites",
            &sp,
            Some(&json!({"role": "leader", "max_uses": 3})),
        )
        .await;
    assert_error(many, 422, "invalid_max_uses").await;
    let long = app
        .send_json(
            Method::POST,
            "/api/v1/groups/diabetes/invites",
            &leader,
            Some(&json!({"expires_in_days": 365})),
        )
        .await;
    assert_error(long, 422, "invalid_expiry").await;

    let code = app.invite(&leader, "diabetes", "member", 1).await;
    let (_, first) = app.member().await;
    let (_, second) = app.member().await;
    assert_eq!(
        app.join(
            &first,
            "diabetes",
            json!({"display_name": "Eerste", "invite_code": code})
        )
        .await
        .status(),
        201
    );
    let spent = app
        .join(
            &second,
            "diabetes",
            json!({"display_name": "Tweede", "invite_code": code}),
        )
        .await;
    assert_error(spent, 422, "invalid_invite").await;

    let code = app.invite(&leader, "diabetes", "member", 10).await;
    let list: Value = app
        .get("/api/v1/groups/diabetes/invites", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert!(list.to_string().find(&code).is_none(), "codes are not kept");
    assert!(
        !list.to_string().contains("created_by"),
        "not linked to their maker"
    );
    let open = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uses"] == 0)
        .unwrap();
    let id = open["id"].as_str().unwrap();
    let revoked = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/groups/diabetes/invites/{id}"),
            &leader,
            None,
        )
        .await;
    assert_eq!(revoked.status(), 204);
    let dead = app
        .join(
            &second,
            "diabetes",
            json!({"display_name": "Tweede", "invite_code": code}),
        )
        .await;
    assert_error(dead, 422, "invalid_invite").await;
    // The member list of a leader invite shows the new leader.
    let members: Value = app
        .get("/api/v1/groups/diabetes/members", &leader)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "leader")
    );
}

async fn display_names_follow_the_rules_and_are_unique_per_group(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "groep-a", "open", None, true).await;
    let (_, one) = app.member().await;
    let (_, two) = app.member().await;
    for (name, code) in [
        ("ab", "display_name_length"),
        ("twee woorden", "display_name_characters"),
        ("Zon\u{200B}", "display_name_invisible"),
    ] {
        assert_error(
            app.join(&one, "groep-a", json!({"display_name": name}))
                .await,
            422,
            code,
        )
        .await;
    }
    assert_eq!(
        app.join(&one, "groep-a", json!({"display_name": "Merel"}))
            .await
            .status(),
        201
    );
    let taken = app
        .join(&two, "groep-a", json!({"display_name": "MEREL"}))
        .await;
    assert_error(taken, 409, "display_name_taken").await;
    assert_eq!(
        app.join(&two, "groep-a", json!({"display_name": "Lijster"}))
            .await
            .status(),
        201
    );
    let rename = app
        .send_json(
            Method::PATCH,
            "/api/v1/groups/groep-a/members/me",
            &two,
            Some(&json!({"display_name": "merel"})),
        )
        .await;
    assert_error(rename, 409, "display_name_taken").await;
    let rename = app
        .send_json(
            Method::PATCH,
            "/api/v1/groups/groep-a/members/me",
            &two,
            Some(&json!({"display_name": "Roodborst"})),
        )
        .await;
    assert_eq!(rename.status(), 200);
}

async fn bans_and_mutes(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "open-groep", "open", None, true).await;
    let leader = app.leader(&sp, "open-groep", "Leider").await;
    let (_, fien) = app.member().await;
    let joined: Value = app
        .join(&fien, "open-groep", json!({"display_name": "Fien"}))
        .await
        .json()
        .await
        .unwrap();
    let id = joined["membership"]["id"].as_str().unwrap().to_string();

    let by_member = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{id}/mute"),
            &fien,
            Some(&json!({"reason": "zomaar"})),
        )
        .await;
    assert_error(by_member, 403, "forbidden").await;
    let past = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{id}/mute"),
            &leader,
            Some(&json!({"reason": "even afkoelen", "until": "2001-01-01T00:00:00Z"})),
        )
        .await;
    assert_error(past, 422, "invalid_until").await;
    let muted = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{id}/mute"),
            &leader,
            Some(&json!({"reason": "even afkoelen", "until": "2099-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(muted.status(), 200);
    let view: Value = app
        .get("/api/v1/groups/open-groep", &fien)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["me"]["muted"], true);
    let may = view["may"].as_array().unwrap();
    assert!(may.contains(&json!("read_content")) && !may.contains(&json!("write_content")));

    // A ban, for good: even an open group's content is closed to them; the entry is not.
    let banned = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{id}/ban"),
            &leader,
            Some(&json!({"reason": "herhaald kwetsend"})),
        )
        .await;
    assert_eq!(banned.status(), 200);
    let body: Value = banned.json().await.unwrap();
    assert_eq!(body["banned_until"], "forever");
    let view: Value = app
        .get("/api/v1/groups/open-groep", &fien)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("read_content"))
    );
    assert_error(
        app.get("/api/v1/groups/open-groep/members", &fien).await,
        403,
        "forbidden",
    )
    .await;
    let leave = app
        .send_json(
            Method::DELETE,
            "/api/v1/groups/open-groep/members/me",
            &fien,
            None,
        )
        .await;
    assert_error(leave, 403, "forbidden").await;
    let rejoin = app
        .join(&fien, "open-groep", json!({"display_name": "Fien2"}))
        .await;
    assert_error(rejoin, 403, "forbidden").await;
    // Members don't see banned people; leaders do.
    let (_, other) = app.member().await;
    app.join(&other, "open-groep", json!({"display_name": "Gerrit"}))
        .await;
    let seen = app
        .get("/api/v1/groups/open-groep/members", &other)
        .await
        .text()
        .await
        .unwrap();
    assert!(!seen.contains("Fien") && !seen.contains("banned"), "{seen}");
    let seen = app
        .get("/api/v1/groups/open-groep/members", &leader)
        .await
        .text()
        .await
        .unwrap();
    assert!(seen.contains("Fien") && seen.contains("forever"), "{seen}");

    let unban = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/groups/open-groep/members/{id}/ban"),
            &leader,
            None,
        )
        .await;
    assert_eq!(unban.status(), 204);
    assert_eq!(
        app.get("/api/v1/groups/open-groep/members", &fien)
            .await
            .status(),
        200
    );

    // Leaders are not banned by leaders.
    let members: Value = app
        .get("/api/v1/groups/open-groep/members", &leader)
        .await
        .json()
        .await
        .unwrap();
    let leader_id = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "leader")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let no = app
        .send_json(
            Method::POST,
            &format!("/api/v1/groups/open-groep/members/{leader_id}/ban"),
            &leader,
            Some(&json!({"reason": "test"})),
        )
        .await;
    assert_error(no, 403, "cannot_sanction_leader").await;
    let log: Value = app
        .get("/api/v1/groups/open-groep/modlog", &leader)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["member_muted", "member_banned", "member_unbanned"] {
        assert!(actions.contains(&expected), "{actions:?}");
    }
    // Members get a neutral summary: what, not whom or why.
    let summary = app
        .get("/api/v1/groups/open-groep/modlog", &other)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        summary.contains("member_banned")
            && !summary.contains("Fien")
            && !summary.contains("kwetsend"),
        "{summary}"
    );
}

async fn leaders_close_and_the_steunpunt_opens_with_confirmation(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "wisselend", "open", None, true).await;
    let leader = app.leader(&sp, "wisselend", "Leider").await;
    let patch = async |token: &str, body: Value| {
        app.send_json(
            Method::PATCH,
            "/api/v1/groups/wisselend",
            token,
            Some(&body),
        )
        .await
    };
    let closed = patch(
        &leader,
        json!({"mode": "closed", "join_policy": "approval"}),
    )
    .await;
    assert_eq!(closed.status(), 200);
    assert_eq!(closed.json::<Value>().await.unwrap()["mode"], "closed");
    let unlisted = patch(&leader, json!({"listed": false})).await;
    assert_eq!(unlisted.status(), 200);
    let reopen = patch(&leader, json!({"mode": "registered"})).await;
    assert_error(reopen, 403, "forbidden").await;
    // The steunpunt proposes; nothing changes until a leader accepts with confirmation.
    let proposed = patch(&sp, json!({"mode": "registered", "listed": true})).await;
    assert_eq!(proposed.status(), 202);
    let proposed: Value = proposed.json().await.unwrap();
    assert_eq!(proposed["mode"], "closed", "{proposed}");
    assert_eq!(proposed["proposal"]["mode"], "registered", "{proposed}");
    let accept = async |token: &str, confirm: bool| {
        app.send_json(
            Method::POST,
            "/api/v1/groups/wisselend/access-proposal/accept",
            token,
            Some(&json!({ "confirm_wider_audience": confirm })),
        )
        .await
    };
    assert_error(accept(&sp, true).await, 403, "forbidden").await;
    assert_error(accept(&leader, false).await, 409, "confirmation_required").await;
    let accepted = accept(&leader, true).await;
    assert_eq!(accepted.status(), 200);
    let accepted: Value = accepted.json().await.unwrap();
    assert_eq!(accepted["mode"], "registered");
    assert_eq!(accepted["listed"], true);
    assert_error(accept(&leader, true).await, 409, "no_proposal").await;
    // Directory data is the steunpunt's; house rules are the leaders'.
    assert_error(
        patch(&leader, json!({"name": "Nieuwe naam"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        patch(&sp, json!({"house_rules": "Regels"})).await,
        403,
        "forbidden",
    )
    .await;
    let rules = patch(&leader, json!({"house_rules": "# Onze afspraken\n\n<script>x</script>\n\n**Respect** <script>y</script>"})).await;
    assert_eq!(rules.status(), 200);
    let view: Value = app
        .api
        .get(app.url("/api/v1/groups/wisselend"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let html = view["house_rules_html"].as_str().unwrap();
    assert!(
        html.contains("<strong>Respect</strong>") && !html.contains("<script"),
        "{html}"
    );
    let renamed = patch(&sp, json!({"name": "Wisselende groep", "status": "active"})).await;
    assert_eq!(renamed.status(), 200);
}

async fn denied_reads_answer_401_403_404_and_leak_nothing(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "gesloten", "closed", Some("approval"), true)
        .await;
    app.group(&sp, "alleen-leden", "registered", None, true)
        .await;
    app.group(&sp, "onzichtbaar", "closed", Some("invite"), false)
        .await;
    let leader = app.leader(&sp, "gesloten", "Leider").await;
    let _ = leader;
    let (_, outsider) = app.member().await;
    let guest_members = app
        .api
        .get(app.url("/api/v1/groups/gesloten/members"))
        .send()
        .await
        .unwrap();
    assert_error(guest_members, 401, "login_required").await;
    assert_error(
        app.get("/api/v1/groups/gesloten/members", &outsider).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        app.get("/api/v1/groups/gesloten/modlog", &outsider).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        app.get("/api/v1/groups/onzichtbaar/members", &outsider)
            .await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.get("/api/v1/groups/onzichtbaar/modlog", &sp).await,
        403,
        "forbidden",
    )
    .await;
    // The steunpunt admin sees structure, not the closed group's members.
    assert_error(
        app.get("/api/v1/groups/gesloten/members", &sp).await,
        403,
        "forbidden",
    )
    .await;
    // The entry of a closed group tells how to join, and nothing about who is in it.
    let entry = app
        .api
        .get(app.url("/api/v1/groups/gesloten"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !entry.contains("Leider") && !entry.contains("count"),
        "{entry}"
    );
    let guest_may: Value = serde_json::from_str(&entry).unwrap();
    assert!(
        !guest_may["may"]
            .as_array()
            .unwrap()
            .contains(&json!("read_content"))
    );
    // A registered group: guests are told to log in, accounts may read.
    let guest_view: Value = app
        .api
        .get(app.url("/api/v1/groups/alleen-leden"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !guest_view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("read_content"))
    );
    let account_view: Value = app
        .get("/api/v1/groups/alleen-leden", &outsider)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        account_view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("read_content"))
    );
    assert!(
        !account_view["may"]
            .as_array()
            .unwrap()
            .contains(&json!("write_content"))
    );
}

async fn one_account_in_two_groups_cannot_be_linked(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "verslaving-noord", "closed", Some("approval"), true)
        .await;
    app.group(&sp, "rouw-noord", "closed", Some("approval"), true)
        .await;
    let leader_a = app.leader(&sp, "verslaving-noord", "Leider_A").await;
    let leader_b = app.leader(&sp, "rouw-noord", "Leider_B").await;
    let (login, both) = app.member().await;
    let me: Value = app.get("/api/v1/me", &both).await.json().await.unwrap();
    let account_id = me["account"]["id"].as_str().unwrap().to_string();
    for (slug, name, leader) in [
        ("verslaving-noord", "Stroom", &leader_a),
        ("rouw-noord", "Wolk", &leader_b),
    ] {
        app.join(&both, slug, json!({"display_name": name, "introduction": "Ik ben er graag bij, met een open hart."})).await;
        let list: Value = app
            .get(&format!("/api/v1/groups/{slug}/join-requests"), leader)
            .await
            .json()
            .await
            .unwrap();
        let id = list[0]["id"].as_str().unwrap();
        app.send_json(
            Method::POST,
            &format!("/api/v1/join-requests/{id}/decision"),
            leader,
            Some(&json!({"approve": true})),
        )
        .await;
    }
    // Everything each group's leader can see about its members.
    let mut seen_by = vec![];
    for (slug, leader) in [("verslaving-noord", &leader_a), ("rouw-noord", &leader_b)] {
        let mut text = String::new();
        for path in ["members", "modlog", "join-requests", "invites"] {
            text.push_str(
                &app.get(&format!("/api/v1/groups/{slug}/{path}"), leader)
                    .await
                    .text()
                    .await
                    .unwrap(),
            );
        }
        text.push_str(
            &app.get(&format!("/api/v1/groups/{slug}"), leader)
                .await
                .text()
                .await
                .unwrap(),
        );
        seen_by.push(text);
    }
    assert!(
        seen_by[0].contains("Stroom") && !seen_by[0].contains("Wolk"),
        "{}",
        seen_by[0]
    );
    assert!(
        seen_by[1].contains("Wolk") && !seen_by[1].contains("Stroom"),
        "{}",
        seen_by[1]
    );
    for text in &seen_by {
        assert!(!text.contains(&account_id), "the account id leaks");
        assert!(
            !text.contains(&login.to_lowercase()),
            "the login name leaks"
        );
    }
    // A member is an id, a name and a role (and, for leaders, what they may do to them, which
    // follows from the role alone): no times, no account, nothing to correlate.
    let mut ids = vec![];
    for (slug, leader) in [("verslaving-noord", &leader_a), ("rouw-noord", &leader_b)] {
        let members: Value = app
            .get(&format!("/api/v1/groups/{slug}/members"), leader)
            .await
            .json()
            .await
            .unwrap();
        for member in members.as_array().unwrap() {
            let keys: Vec<&String> = member
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "may")
                .collect();
            assert_eq!(keys, ["display_name", "id", "role"], "{member}");
            for action in member["may"].as_array().into_iter().flatten() {
                assert!(
                    ["ban", "mute", "lift_sanction"].contains(&action.as_str().unwrap()),
                    "{member}"
                );
            }
            ids.push(member["id"].as_str().unwrap().to_string());
        }
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "membership ids are per membership");
    // The member's own view of each group shows only that group's name.
    let a: Value = app
        .get("/api/v1/groups/verslaving-noord", &both)
        .await
        .json()
        .await
        .unwrap();
    let b: Value = app
        .get("/api/v1/groups/rouw-noord", &both)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["me"]["display_name"], "Stroom");
    assert_eq!(b["me"]["display_name"], "Wolk");
    assert_ne!(a["me"]["id"], b["me"]["id"]);
}

async fn leaving_erases_the_membership(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "tijdelijk", "open", None, true).await;
    let (_, hanna) = app.member().await;
    app.join(&hanna, "tijdelijk", json!({"display_name": "Hanna"}))
        .await;
    let left = app
        .send_json(
            Method::DELETE,
            "/api/v1/groups/tijdelijk/members/me",
            &hanna,
            None,
        )
        .await;
    assert_eq!(left.status(), 204);
    let view: Value = app
        .get("/api/v1/groups/tijdelijk", &hanna)
        .await
        .json()
        .await
        .unwrap();
    assert!(view["me"].is_null());
    // The name is free again: nothing of the old membership is left.
    let (_, ivo) = app.member().await;
    assert_eq!(
        app.join(&ivo, "tijdelijk", json!({"display_name": "Hanna"}))
            .await
            .status(),
        201
    );
    let again = app
        .send_json(
            Method::DELETE,
            "/api/v1/groups/tijdelijk/members/me",
            &hanna,
            None,
        )
        .await;
    assert_error(again, 403, "forbidden").await;
}

async fn the_steunpunt_removes_a_leader(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "wissel", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "wissel", "Oude_Leider").await;
    let leaders: Value = app
        .get("/api/v1/groups/wissel/leaders", &sp)
        .await
        .json()
        .await
        .unwrap();
    let id = leaders[0]["id"].as_str().unwrap().to_string();
    assert_error(
        app.get("/api/v1/groups/wissel/leaders", &leader).await,
        403,
        "forbidden",
    )
    .await;
    let by_leader = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/groups/wissel/leaders/{id}"),
            &leader,
            None,
        )
        .await;
    assert_error(by_leader, 403, "forbidden").await;
    let removed = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/groups/wissel/leaders/{id}"),
            &sp,
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);
    assert_error(
        app.get("/api/v1/groups/wissel/join-requests", &leader)
            .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/groups/wissel/members", &leader)
            .await
            .status(),
        200,
        "still a member"
    );
}

mod races_and_edges {
    use reqwest::Method;
    use serde_json::{Value, json};

    use crate::backend_tests;
    use crate::helpers::{TestApp, assert_error};

    backend_tests!(
        a_single_use_invite_is_used_once_under_concurrency,
        concurrent_joins_under_one_name_get_409_not_500,
        access_settings_are_never_changed_without_a_policy_decision,
        an_invite_code_settles_a_waiting_request,
        a_muted_member_cannot_shake_off_the_mute_by_leaving,
    );

    async fn a_single_use_invite_is_used_once_under_concurrency(app: TestApp) {
        let sp = app.steunpunt_admin().await;
        app.group(&sp, "eenmalig", "closed", Some("invite"), true)
            .await;
        let code = app.invite(&sp, "eenmalig", "leader", 1).await;
        let mut tokens = vec![];
        for _ in 0..8 {
            tokens.push(app.member().await.1);
        }
        let attempts = tokens.iter().enumerate().map(|(i, token)| {
            app.join(
                token,
                "eenmalig",
                json!({"display_name": format!("Kandidaat{i}"), "invite_code": code}),
            )
        });
        let statuses: Vec<u16> = futures_util::future::join_all(attempts)
            .await
            .into_iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 201 || *s == 422),
            "{statuses:?}"
        );
        let leaders: Value = app
            .get("/api/v1/groups/eenmalig/leaders", &sp)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(leaders.as_array().unwrap().len(), 1);
    }

    async fn concurrent_joins_under_one_name_get_409_not_500(app: TestApp) {
        let sp = app.steunpunt_admin().await;
        app.group(&sp, "drukte", "open", None, true).await;
        let mut tokens = vec![];
        for _ in 0..6 {
            tokens.push(app.member().await.1);
        }
        let attempts = tokens
            .iter()
            .map(|token| app.join(token, "drukte", json!({"display_name": "Dezelfde"})));
        let statuses: Vec<u16> = futures_util::future::join_all(attempts)
            .await
            .into_iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 201 || *s == 409),
            "{statuses:?}"
        );
        // One account clicking twice: one membership, one 409.
        let (_, twice) = app.member().await;
        let both = futures_util::future::join_all([
            app.join(&twice, "drukte", json!({"display_name": "Dubbel"})),
            app.join(&twice, "drukte", json!({"display_name": "Dubbel"})),
        ])
        .await;
        let mut statuses: Vec<u16> = both.iter().map(|r| r.status().as_u16()).collect();
        statuses.sort();
        assert_eq!(statuses, [201, 409]);
    }

    async fn access_settings_are_never_changed_without_a_policy_decision(app: TestApp) {
        let sp = app.steunpunt_admin().await;
        app.group(&sp, "open-a", "open", None, true).await;
        app.group(&sp, "poort", "closed", Some("invite_and_approval"), true)
            .await;
        let leader = app.leader(&sp, "poort", "Leider").await;
        let (_, outsider) = app.member().await;
        for body in [
            json!({"join_policy": "invite"}),
            json!({}),
            json!({"mode": "open"}),
        ] {
            let response = app
                .send_json(
                    Method::PATCH,
                    "/api/v1/groups/open-a",
                    &outsider,
                    Some(&body),
                )
                .await;
            assert_error(response, 403, "forbidden").await;
        }
        // Dropping a gate (leader approval) opens the group: not the leader's alone.
        let drop_gate = app
            .send_json(
                Method::PATCH,
                "/api/v1/groups/poort",
                &leader,
                Some(&json!({"join_policy": "invite"})),
            )
            .await;
        assert_error(drop_gate, 403, "forbidden").await;
        let entry: Value = app
            .get("/api/v1/groups/open-a", &outsider)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(entry["mode"], "open", "nothing changed");
        let entry: Value = app
            .get("/api/v1/groups/poort", &leader)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(entry["join_policy"], "invite_and_approval");
    }

    async fn an_invite_code_settles_a_waiting_request(app: TestApp) {
        let sp = app.steunpunt_admin().await;
        app.group(&sp, "wachtrij", "closed", Some("approval"), true)
            .await;
        let leader = app.leader(&sp, "wachtrij", "Leider").await;
        let (_, anna) = app.member().await;
        let intro = "Ik kom sinds kort naar de bijeenkomsten en wil graag online meedoen.";
        let pending = app
            .join(
                &anna,
                "wachtrij",
                json!({"display_name": "Anna", "introduction": intro}),
            )
            .await;
        assert_eq!(pending.status(), 202);
        let list: Value = app
            .get("/api/v1/groups/wachtrij/join-requests", &leader)
            .await
            .json()
            .await
            .unwrap();
        let id = list[0]["id"].as_str().unwrap().to_string();
        let code = app.invite(&leader, "wachtrij", "member", 1).await;
        let joined = app
            .join(
                &anna,
                "wachtrij",
                json!({"display_name": "Anna", "invite_code": code}),
            )
            .await;
        assert_eq!(joined.status(), 201);
        let list: Value = app
            .get("/api/v1/groups/wachtrij/join-requests", &leader)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            list.as_array().unwrap().is_empty(),
            "the introduction went with the request"
        );
        let late = app
            .send_json(
                Method::POST,
                &format!("/api/v1/join-requests/{id}/decision"),
                &leader,
                Some(&json!({"approve": true})),
            )
            .await;
        assert_error(late, 404, "not_found").await;
    }

    async fn a_muted_member_cannot_shake_off_the_mute_by_leaving(app: TestApp) {
        let sp = app.steunpunt_admin().await;
        app.group(&sp, "stilte", "open", None, true).await;
        let leader = app.leader(&sp, "stilte", "Leider").await;
        let (_, bob) = app.member().await;
        let joined: Value = app
            .join(&bob, "stilte", json!({"display_name": "Bob"}))
            .await
            .json()
            .await
            .unwrap();
        let id = joined["membership"]["id"].as_str().unwrap();
        app.send_json(
            Method::POST,
            &format!("/api/v1/groups/stilte/members/{id}/mute"),
            &leader,
            Some(&json!({"reason": "even rust"})),
        )
        .await;
        let leave = app
            .send_json(
                Method::DELETE,
                "/api/v1/groups/stilte/members/me",
                &bob,
                None,
            )
            .await;
        assert_error(leave, 403, "forbidden").await;
    }
}
