//! The pages over plain HTTP: language, crisis text, forms without JavaScript.

use crate::backend_tests;
use crate::helpers::{PASSWORD, TestApp};

backend_tests!(
    pages_speak_dutch_by_default_and_english_on_request,
    every_page_carries_the_crisis_text,
    register_shows_codes_once_and_logs_in,
    form_errors_are_shown_in_the_page,
);

const CRISIS: &str = "0800-0113";

async fn pages_speak_dutch_by_default_and_english_on_request(app: TestApp) {
    let browser = app.browser();
    let dutch = browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dutch.contains("<html lang=\"nl\">") && dutch.contains("Welkom bij Kring"));
    let switch = browser
        .get(app.url("/lang/en?next=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers()["location"], "/login");
    let english = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">") && english.contains("Log in"));
    let escape = browser
        .get(app.url("/lang/en?next=//evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(escape.headers()["location"], "/");
    assert_eq!(
        browser
            .get(app.url("/lang/fr"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

async fn every_page_carries_the_crisis_text(app: TestApp) {
    let browser = app.browser();
    for path in [
        "/",
        "/register",
        "/login",
        "/recover",
        "/privacy",
        "/does-not-exist",
    ] {
        let html = browser
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(CRISIS), "{path}");
    }
    app.register("uma").await;
    browser
        .post(app.url("/login"))
        .form(&[("login", "uma"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let account = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(account.contains(CRISIS) && account.contains("Mijn account"));
}

async fn register_shows_codes_once_and_logs_in(app: TestApp) {
    let browser = app.browser();
    let response = browser
        .post(app.url("/register"))
        .form(&[("login", "Vera"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert_eq!(html.matches("<li><code>").count(), 8, "eight codes");
    assert!(html.contains("geen e-mail") || html.contains("e-mailadres"));
    let account = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(account.status(), 200);
    let html = account.text().await.unwrap();
    assert!(
        !html.contains(">vera<") && !html.contains("\"vera\"") && html.contains("vingerafdruk"),
        "the login name is not stored, so not even its owner is shown it"
    );
    assert!(!html.contains("<code>"), "codes are not shown again");
}

async fn form_errors_are_shown_in_the_page(app: TestApp) {
    let browser = app.browser();
    let weak = browser
        .post(app.url("/register"))
        .form(&[("login", "wim"), ("password", "qwertyuiop")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    let html = weak.text().await.unwrap();
    assert!(html.contains("heel vaak gebruikt"), "{html}");
    assert!(html.contains("value=\"wim\""), "the login name is kept");
    let wrong = browser
        .post(app.url("/login"))
        .form(&[("login", "wim"), ("password", "zomaar iets fout")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("horen niet bij elkaar")
    );
    // Hostile input is escaped, never echoed raw.
    let hostile = browser
        .post(app.url("/login"))
        .form(&[
            ("login", "<script>alert(1)</script>"),
            ("password", "zomaar iets fout"),
        ])
        .send()
        .await
        .unwrap();
    let html = hostile.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
}

mod group_pages {
    use crate::backend_tests;
    use crate::helpers::{PASSWORD, TestApp};

    backend_tests!(group_pages_ask_the_policy_too);

    async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
        let response = client.get(app.url(path)).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn group_pages_ask_the_policy_too(app: TestApp) {
        let sp = app.steunpunt_admin().await;
        app.group(&sp, "open-kring", "open", None, true).await;
        app.group(&sp, "geheim", "closed", Some("invite"), false)
            .await;
        app.group(&sp, "dicht", "closed", Some("approval"), true)
            .await;
        app.leader(&sp, "dicht", "Leider").await;
        app.register("wim").await;
        let member = app.browser();
        member
            .post(app.url("/login"))
            .form(&[("login", "wim"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let guest = app.browser();

        // The directory page lists what the policy lets each see.
        let (_, listed) = page(&guest, &app, "/groepen").await;
        assert!(listed.contains("Groep open-kring") && listed.contains("Groep dicht"));
        assert!(!listed.contains("geheim"), "unlisted groups never appear");
        let (_, filtered) = page(&guest, &app, "/groepen?mode=open&theme=&q=").await;
        assert!(filtered.contains("Groep open-kring") && !filtered.contains("Groep dicht"));

        // A hidden group's page is a 404 for outsiders, like a group that does not exist.
        for client in [&guest, &member] {
            let (status, _) = page(client, &app, "/g/geheim").await;
            assert_eq!(status, 404);
        }
        let (status, body) = page(&guest, &app, "/g/dicht").await;
        assert_eq!(status, 200);
        assert!(body.contains("login-to-join"));
        assert!(
            !body.contains("Leider"),
            "no member names on a closed group's page"
        );

        // Leader and steunpunt pages refuse the wrong people.
        let (status, _) = page(&member, &app, "/g/dicht/beheer").await;
        assert_eq!(status, 403);
        let (status, _) = page(&member, &app, "/g/dicht/instellingen").await;
        assert_eq!(status, 403);
        let (status, _) = page(&member, &app, "/g/dicht/leden").await;
        assert_eq!(status, 403);
        let (status, _) = page(&member, &app, "/steunpunt/steunpunt").await;
        assert_eq!(status, 403);
        let (status, _) = page(&guest, &app, "/g/dicht/leden").await;
        assert_eq!(status, 401);

        // Joining through the page form, with errors shown in the page.
        let no_rules = member
            .post(app.url("/g/open-kring/join"))
            .form(&[("display_name", "Wimpie")])
            .send()
            .await
            .unwrap();
        assert_eq!(no_rules.status(), 422);
        let html = no_rules.text().await.unwrap();
        assert!(
            html.contains("huisregels") && html.contains("value=\"Wimpie\""),
            "{html}"
        );
        let joined = member
            .post(app.url("/g/open-kring/join"))
            .form(&[("display_name", "Wimpie"), ("accept_house_rules", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(joined.status(), 303);
        let (_, body) = page(&member, &app, "/g/open-kring").await;
        assert!(body.contains("id=\"my-name\">Wimpie<"));
        let (_, account) = page(&member, &app, "/account").await;
        assert!(account.contains("Groep open-kring") && account.contains("Wimpie"));
        let (status, members) = page(&member, &app, "/g/open-kring/leden").await;
        assert_eq!(status, 200);
        assert!(members.contains("Wimpie"));

        // The English directory speaks English.
        guest.get(app.url("/lang/en")).send().await.unwrap();
        let (_, english) = page(&guest, &app, "/groepen").await;
        assert!(english.contains("Closed: for members only"), "{english}");
    }
}

mod other_steunpunten {
    use reqwest::Method;
    use serde_json::json;

    use crate::backend_tests;
    use crate::helpers::{PASSWORD, TestApp};

    backend_tests!(a_groups_pages_carry_its_own_steunpunts_crisis_help);

    async fn a_groups_pages_carry_its_own_steunpunts_crisis_help(app: TestApp) {
        let admin = app.instance_admin().await;
        let created = app
            .send_json(
                Method::POST,
                "/api/v1/steunpunten",
                &admin,
                Some(&json!({"slug": "zuid", "name": "Steunpunt Zuid",
                    "crisis_text": "Crisislijn Zuid: bel 0800-1234"})),
            )
            .await;
        assert_eq!(created.status(), 201);
        app.send_json(
            Method::POST,
            "/api/v1/staff-accounts",
            &admin,
            Some(&json!({"login": "staf_zuid", "password": PASSWORD})),
        )
        .await;
        app.send_json(
            Method::POST,
            "/api/v1/steunpunten/zuid/admins",
            &admin,
            Some(&json!({"login": "staf_zuid"})),
        )
        .await;
        let staff = app.login("staf_zuid", PASSWORD).await;
        let group = app
            .send_json(
                Method::POST,
                "/api/v1/groups",
                &staff,
                Some(
                    &json!({"steunpunt": "zuid", "slug": "zuid-open", "name": "Open Zuid",
                    "mode": "open", "listed": true, "theme": "relatives"}),
                ),
            )
            .await;
        assert_eq!(group.status(), 201);
        let html = app
            .api
            .get(app.url("/g/zuid-open"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Crisislijn Zuid") && html.contains("Steunpunt Zuid"),
            "{html}"
        );
        let home = app
            .api
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("0800-0113"));
    }
}

mod instance_admin_pages {
    use crate::backend_tests;
    use crate::helpers::{PASSWORD, TestApp};

    backend_tests!(the_instance_admin_works_through_the_pages);

    async fn the_instance_admin_works_through_the_pages(app: TestApp) {
        app.register("opa_beheer").await;
        app.set_role("opa_beheer", "instance_admin").await;
        let admin = app.browser();
        admin
            .post(app.url("/login"))
            .form(&[("login", "opa_beheer"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let account = admin
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(account.contains("href=\"/beheer\""));
        let created = admin
            .post(app.url("/beheer/steunpunten"))
            .form(&[
                ("name", "Steunpunt West"),
                ("slug", "west"),
                ("crisis_text", "Bel 113."),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 303);
        let staff = admin
            .post(app.url("/beheer/staf"))
            .form(&[("login", "staf_west"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(staff.status(), 201);
        assert_eq!(staff.text().await.unwrap().matches("<li><code>").count(), 8);
        let not_staff = admin
            .post(app.url("/beheer/steunpuntbeheerders"))
            .form(&[("steunpunt", "west"), ("login", "opa_beheer")])
            .send()
            .await
            .unwrap();
        assert_eq!(not_staff.status(), 422);
        let appointed = admin
            .post(app.url("/beheer/steunpuntbeheerders"))
            .form(&[("steunpunt", "west"), ("login", "staf_west")])
            .send()
            .await
            .unwrap();
        assert_eq!(appointed.status(), 303);
        let page = admin
            .get(app.url("/beheer"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Steunpunt West"));

        let staff = app.browser();
        staff
            .post(app.url("/login"))
            .form(&[("login", "staf_west"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let overview = staff.get(app.url("/steunpunt/west")).send().await.unwrap();
        assert_eq!(overview.status(), 200);
        assert_eq!(
            staff.get(app.url("/beheer")).send().await.unwrap().status(),
            403
        );
        let home = staff
            .get(app.url("/steunpunt/steunpunt"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            home.status(),
            403,
            "admin of West, not of the home steunpunt"
        );
    }
}

mod privacy_page {
    use crate::helpers::{Backend, spawn_app_with};

    #[tokio::test]
    async fn the_privacy_page_states_the_retention_in_force() {
        let app = spawn_app_with(Backend::Sqlite, |s| {
            s.retention.inactive_account_days = 400;
            s.sessions.absolute_timeout_days = 14;
            s.retention.pending_request_days = 45;
            s.retention.report_days = 77;
        })
        .await
        .unwrap();
        let html = app
            .api
            .get(app.url("/privacy"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("400 dagen") && html.contains("14 dagen") && html.contains("72 uur"),
            "{html}"
        );
        // Undecided requests (said twice: under what is kept, and for how long) and reports.
        assert_eq!(html.matches("45 dagen").count(), 2, "{html}");
        assert!(html.contains("77 dagen"), "{html}");
        assert!(!html.contains('{'), "no placeholder left");
    }
}

mod group_page_facts {
    use serde_json::json;

    use crate::backend_tests;
    use crate::helpers::{HOME, TestApp};

    backend_tests!(a_group_page_leaves_out_what_it_does_not_know);

    async fn group_page(app: &TestApp, slug: &str) -> String {
        let response = app.api.get(app.url(&format!("/g/{slug}"))).send().await;
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    async fn a_group_page_leaves_out_what_it_does_not_know(app: TestApp) {
        let sp = app.steunpunt_admin().await;
        for (slug, online_only) in [("nog-leeg", false), ("alleen-online", true)] {
            let created = app
                .send_json(
                    reqwest::Method::POST,
                    "/api/v1/groups",
                    &sp,
                    Some(&json!({
                        "steunpunt": HOME, "slug": slug, "name": format!("Groep {slug}"),
                        "mode": "open", "listed": true, "theme": "mental_health",
                        "online_only": online_only,
                    })),
                )
                .await;
            assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
        }
        let empty = group_page(&app, "nog-leeg").await;
        assert!(!empty.contains("<dt>Waar</dt>"), "no empty place:\n{empty}");
        assert!(
            !empty.contains("id=\"house-rules\"") && !empty.contains("<h2>Huisregels</h2>"),
            "no empty house rules:\n{empty}"
        );

        let online = group_page(&app, "alleen-online").await;
        assert!(
            online.contains("<dt>Waar</dt><dd>Alleen online</dd>"),
            "{online}"
        );

        app.group(&sp, "compleet", "open", None, true).await;
        let full = group_page(&app, "compleet").await;
        assert!(
            full.contains("<dt>Waar</dt><dd>Buurthuis De Kring</dd>"),
            "{full}"
        );
        assert!(full.contains("id=\"house-rules\""), "{full}");
        assert!(full.contains("blijft hier"), "{full}");
    }
}

mod chat_pages {
    use serde_json::{Value, json};

    use crate::backend_tests;
    use crate::chat::Client;
    use crate::helpers::{PASSWORD, TestApp};

    backend_tests!(chat_pages_work_without_javascript);

    /// A page as someone with `token` sees it.
    async fn page(app: &TestApp, token: Option<&str>, path: &str) -> (u16, String) {
        let mut request = app.api.get(app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// A form posted by someone with `token`: the status and where it leads.
    async fn post(app: &TestApp, token: &str, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = app
            .api
            .post(app.url(path))
            .bearer_auth(token)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (status, location.unwrap_or(response.text().await.unwrap()))
    }

    /// The JSON block a room page hands its script.
    fn chat_data(html: &str) -> Value {
        let start = html.find("id=\"chat-data\">").expect("the JSON block") + 15;
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    async fn chat_pages_work_without_javascript(app: TestApp) {
        let slug = "kring-chat";
        let sp = app.steunpunt_admin().await;
        app.group(&sp, slug, "closed", Some("invite"), true).await;
        let mut tokens: Vec<String> = vec![];
        for (login, name) in [("leider_pagina", "Leider"), ("lid_pagina", "Lid")] {
            app.register(login).await;
            let token = app.login(login, PASSWORD).await;
            let code = match tokens.first() {
                None => app.invite(&sp, slug, "leader", 1).await,
                Some(leader) => app.invite(leader, slug, "member", 1).await,
            };
            app.joined(
                &token,
                slug,
                json!({"display_name": name, "invite_code": code}),
            )
            .await;
            tokens.push(token);
        }
        let (leader, member) = (&tokens[0], &tokens[1]);

        // No rooms yet; only the leader gets the form.
        let (_, group) = page(&app, Some(member), &format!("/g/{slug}")).await;
        assert!(group.contains("id=\"no-rooms\"") && !group.contains("id=\"new-room\""));
        let (_, group) = page(&app, Some(leader), &format!("/g/{slug}")).await;
        assert!(group.contains("id=\"new-room\""));

        // A schedule that cannot be read comes back beside the form, with what was typed.
        let (status, html) = post(
            &app,
            leader,
            &format!("/g/{slug}/chat"),
            &[
                ("name", "Avond"),
                ("schedule", "dinsdag avond"),
                ("retention_hours", "24"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"room-error\"") && html.contains("value=\"Avond\""));
        assert!(html.contains("dinsdag avond"));

        // Members may not make rooms.
        let (status, _) = post(&app, member, &format!("/g/{slug}/chat"), &[("name", "Ik")]).await;
        assert_eq!(status, 403);

        // A room that meets in three days: closed now.
        let schedule = format!("{} 20:00-21:30", crate::helpers::another_day());
        let (status, to) = post(
            &app,
            leader,
            &format!("/g/{slug}/chat"),
            &[
                ("name", "Avond"),
                ("schedule", &schedule),
                ("retention_hours", "12"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{to}");
        let room = to.strip_prefix("/c/").expect("to the new room").to_string();
        let (status, _) = post(
            &app,
            leader,
            &format!("/g/{slug}/chat"),
            &[("name", "Voorbereiding"), ("leaders_only", "yes")],
        )
        .await;
        assert_eq!(status, 303);

        // The group page lists the rooms each may see, with when they open.
        let (_, group) = page(&app, Some(member), &format!("/g/{slug}")).await;
        assert!(group.contains(&format!("href=\"/c/{room}\"")) && group.contains("opent"));
        assert!(group.contains(&schedule), "{group}");
        let (_, html) = page(&app, Some(member), &format!("/c/{room}")).await;
        assert!(html.contains("De volgende bijeenkomst begint"), "{html}");
        // The leader opens the meeting by hand.
        let (status, _) = post(
            &app,
            leader,
            &format!("/c/{room}/session"),
            &[("open", "yes")],
        )
        .await;
        assert_eq!(status, 303);
        let (_, group) = page(&app, Some(member), &format!("/g/{slug}")).await;
        assert!(group.contains("nu open"));
        assert!(
            !group.contains("Voorbereiding"),
            "a leaders-only room is not listed"
        );
        let (_, group) = page(&app, Some(leader), &format!("/g/{slug}")).await;
        assert!(group.contains("Voorbereiding") && group.contains("alleen begeleiders"));

        // The member writes over the websocket; the page shows it rendered and sanitised.
        let mut ws = Client::join(&app, &room, member).await;
        ws.send("Hallo **allemaal** <script>alert(1)</script>", "een")
            .await;
        let sent = ws.next_of("message").await;
        let id = sent["id"].as_str().unwrap().to_string();
        let (status, html) = page(&app, Some(member), &format!("/c/{room}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("<strong>allemaal</strong>"), "{html}");
        assert!(!html.contains("<script>alert"), "sanitised");
        assert!(html.contains("id=\"needs-js\"") && html.contains("De bijeenkomst is nu open"));
        assert!(html.contains("12 uur bewaard"));
        assert!(
            !html.contains("id=\"room-tools\""),
            "no leader tools for a member"
        );
        assert!(
            html.contains(&format!("action=\"/m/{id}/delete\"")),
            "one's own message"
        );
        let data = chat_data(&html);
        assert_eq!(data["room"]["id"], room.as_str());
        assert_eq!(data["me"]["manage"], false);
        assert_eq!(data["me"]["delete_any"], false);
        assert_eq!(data["me"]["names"], true);
        assert!(data["me"]["write_denied"].is_null());
        assert_eq!(data["texts"]["send"], "Verstuur");
        assert_eq!(data["lang"], "nl");

        // The leader's forms work without JavaScript.
        let (_, html) = page(&app, Some(leader), &format!("/c/{room}")).await;
        assert!(html.contains("id=\"room-tools\""));
        assert_eq!(chat_data(&html)["me"]["delete_any"], true);
        for (path, form, expect) in [
            (
                "moderate",
                [("locked", "yes")],
                "Op slot: alleen de begeleiders",
            ),
            (
                "moderate",
                [("slow_mode_secs", "30")],
                "wacht je 30 seconden",
            ),
            ("session", [("open", "no")], "De chat is nu gesloten"),
        ] {
            let (status, to) = post(&app, leader, &format!("/c/{room}/{path}"), &form).await;
            assert_eq!((status, to.as_str()), (303, format!("/c/{room}").as_str()));
            let (_, html) = page(&app, Some(member), &format!("/c/{room}")).await;
            assert!(html.contains(expect), "{expect}: {html}");
        }
        let (_, html) = page(&app, Some(member), &format!("/c/{room}")).await;
        assert!(!html.contains("id=\"room-locked\" hidden"));
        let (status, _) = post(
            &app,
            member,
            &format!("/c/{room}/session"),
            &[("open", "yes")],
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = post(
            &app,
            member,
            &format!("/c/{room}/moderate"),
            &[("locked", "no")],
        )
        .await;
        assert_eq!(status, 403);
        let (status, to) = post(
            &app,
            leader,
            &format!("/m/{id}/delete"),
            &[("room", room.as_str())],
        )
        .await;
        assert_eq!((status, to), (303, format!("/c/{room}")));
        let (_, html) = page(&app, Some(member), &format!("/c/{room}")).await;
        assert!(!html.contains("allemaal") && html.contains("id=\"no-messages\">"));

        // In English, and for who may not read it.
        let (_, html) = page(&app, Some(leader), &format!("/c/{room}")).await;
        assert!(html.contains("Open de bijeenkomst nu"));
        let english = app
            .api
            .get(app.url(&format!("/c/{room}")))
            .bearer_auth(member)
            .header("cookie", "kring_lang=en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            english.contains("The chat is closed now")
                && english.contains("Chatting live needs JavaScript")
        );
        assert_eq!(chat_data(&english)["texts"]["send"], "Send");
        let (status, _) = page(&app, None, &format!("/c/{room}")).await;
        assert_eq!(status, 401);
        let (_, outsider) = app.member().await;
        let (status, _) = page(&app, Some(&outsider), &format!("/c/{room}")).await;
        assert_eq!(status, 403);
        let (status, _) = page(&app, Some(member), "/c/no-such-room").await;
        assert_eq!(status, 404);
    }
}
