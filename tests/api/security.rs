//! Security headers, the session cookie, the Origin check and the rate limits.

use kring::configuration::RateLimit;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{Backend, PASSWORD, TestApp, assert_error, spawn_app_with};

backend_tests!(
    every_response_carries_the_security_headers,
    the_session_cookie_is_http_only_and_strict,
    cookie_requests_from_elsewhere_are_refused,
    bearer_requests_need_no_origin,
);

async fn every_response_carries_the_security_headers(app: TestApp) {
    for path in [
        "/",
        "/login",
        "/api/v1/me",
        "/api/v1/nope",
        "/static/kring.css",
        "/healthz",
    ] {
        let response = app.api.get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
    let page = app.api.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("style="), "no inline style");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external origin"
    );
}

async fn the_session_cookie_is_http_only_and_strict(app: TestApp) {
    app.register("hanna").await;
    let local = app
        .post_json(
            "/api/v1/sessions",
            &json!({"login": "hanna", "password": PASSWORD}),
        )
        .await;
    let cookie = local.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("kring_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http on localhost: {cookie}"
    );

    let remote = app
        .api
        .post(app.url("/api/v1/sessions"))
        .header("host", "kring.example.nl")
        .json(&json!({"login": "hanna", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = remote.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.starts_with("__Host-kring_session="), "{cookie}");
}

/// On https the cookie is `__Host-kring_session`, which only Kring's own host can set; a plain
/// `kring_session` planted by a sibling subdomain (cookie tossing) is not read there.
async fn on_https_only_the_host_prefixed_cookie_counts(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.server.public_url = "https://kring.example".into();
    })
    .await
    else {
        return;
    };
    app.register("wies").await;
    let login = app
        .post_json(
            "/api/v1/sessions",
            &json!({"login": "wies", "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), 201);
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    let token = login.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.starts_with(&format!("__Host-kring_session={token};")),
        "{set_cookie}"
    );
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");

    let with_cookie = |cookie: String| {
        app.api
            .get(app.url("/api/v1/me"))
            .header("cookie", cookie)
            .send()
    };
    let tossed = with_cookie(format!("kring_session={token}")).await.unwrap();
    assert_eq!(
        tossed.status(),
        401,
        "a plain kring_session is not read on https"
    );
    let page = app
        .api
        .get(app.url("/account"))
        .header("cookie", format!("kring_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303, "not logged in on the pages either");
    let own = with_cookie(format!("__Host-kring_session={token}"))
        .await
        .unwrap();
    assert_eq!(own.status(), 200);

    // Logging out removes the cookie under the same name.
    let out = app
        .api
        .delete(app.url("/api/v1/sessions/current"))
        .header("cookie", format!("__Host-kring_session={token}"))
        .header("origin", "https://kring.example")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let removal = out.headers()["set-cookie"].to_str().unwrap();
    assert!(removal.starts_with("__Host-kring_session=;"), "{removal}");
    assert!(
        removal.contains("Max-Age=0") && removal.contains("Secure"),
        "{removal}"
    );
}

#[tokio::test]
async fn on_https_only_the_host_prefixed_cookie_counts_on_sqlite() {
    on_https_only_the_host_prefixed_cookie_counts(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_https_only_the_host_prefixed_cookie_counts_on_postgres() {
    on_https_only_the_host_prefixed_cookie_counts(Backend::Postgres).await;
}

async fn cookie_requests_from_elsewhere_are_refused(app: TestApp) {
    app.register("ivo").await;
    let browser = app.browser();
    let login = browser
        .post(app.url("/login"))
        .form(&[("login", "ivo"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);

    // A forged form post from another site.
    let forged = browser
        .post(app.url("/logout-everywhere"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_error(forged, 403, "origin_mismatch").await;

    // No Origin at all, and no Sec-Fetch-Site: refused when the cookie is the credential.
    let bare = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let session = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(session.status(), 200, "still logged in");
    let cookie = login
        .cookies()
        .find(|c| c.name() == "kring_session")
        .unwrap();
    let header = format!("kring_session={}", cookie.value());
    let no_origin = bare
        .delete(app.url("/api/v1/sessions/current"))
        .header("cookie", &header)
        .send()
        .await
        .unwrap();
    assert_error(no_origin, 403, "origin_mismatch").await;
    let same_site = bare
        .delete(app.url("/api/v1/sessions/current"))
        .header("cookie", &header)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), 204);

    // Login forgery: a login form posted from elsewhere is refused even without a cookie.
    let forged_login = app
        .api
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("login", "ivo"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged_login.status(), 403);
}

async fn bearer_requests_need_no_origin(app: TestApp) {
    let (_, token) = app.member().await;
    let out = app
        .api
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
}

async fn login(app: &TestApp, source: &str, login: &str, password: &str) -> reqwest::Response {
    app.api
        .post(app.url("/api/v1/sessions"))
        .header("x-forwarded-for", source)
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logins_are_limited_per_account_across_sources() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.limits.login_per_account = RateLimit {
            max: 4,
            window_seconds: 600,
        };
    })
    .await
    .unwrap();
    app.register("joost").await;
    for i in 0..4 {
        let response = login(
            &app,
            &format!("203.0.113.{i}"),
            "joost",
            "geraden wachtwoord",
        )
        .await;
        assert_eq!(response.status(), 401);
    }
    let limited = login(&app, "203.0.113.99", "joost", PASSWORD).await;
    assert!(
        limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert_error(limited, 429, "rate_limited").await;
    // Another account is not affected.
    app.register("karin").await;
    assert_eq!(
        login(&app, "203.0.113.99", "karin", PASSWORD)
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn logins_and_registrations_are_limited_per_source() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.limits.login_per_source = RateLimit {
            max: 3,
            window_seconds: 600,
        };
        s.limits.register_per_source = RateLimit {
            max: 2,
            window_seconds: 600,
        };
    })
    .await
    .unwrap();
    for name in ["lars", "mila", "noor"] {
        assert_eq!(
            login(&app, "203.0.113.5", name, PASSWORD).await.status(),
            401
        );
    }
    assert_error(
        login(&app, "203.0.113.5", "otto", PASSWORD).await,
        429,
        "rate_limited",
    )
    .await;
    assert_eq!(
        login(&app, "203.0.113.6", "otto", PASSWORD).await.status(),
        401
    );

    let register = |name: &'static str| {
        app.api
            .post(app.url("/api/v1/accounts"))
            .header("x-forwarded-for", "203.0.113.7")
            .json(&json!({"login": name, "password": PASSWORD}))
            .send()
    };
    assert_eq!(register("piet").await.unwrap().status(), 201);
    assert_eq!(register("quinten").await.unwrap().status(), 201);
    assert_error(register("rosa").await.unwrap(), 429, "rate_limited").await;
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.server.trusted_proxies = vec![];
        s.limits.login_per_source = RateLimit {
            max: 2,
            window_seconds: 600,
        };
    })
    .await
    .unwrap();
    // Rotating X-Forwarded-For does not buy new attempts: the peer is what counts.
    assert_eq!(
        login(&app, "203.0.113.1", "sara", PASSWORD).await.status(),
        401
    );
    assert_eq!(
        login(&app, "203.0.113.2", "sara", PASSWORD).await.status(),
        401
    );
    assert_error(
        login(&app, "203.0.113.3", "sara", PASSWORD).await,
        429,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn scale_raises_every_limit() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.limits.login_per_source = RateLimit {
            max: 2,
            window_seconds: 600,
        };
        s.limits.scale = 3.0;
    })
    .await
    .unwrap();
    for _ in 0..6 {
        assert_eq!(
            login(&app, "203.0.113.8", "tim", PASSWORD).await.status(),
            401
        );
    }
    assert_eq!(
        login(&app, "203.0.113.8", "tim", PASSWORD).await.status(),
        429
    );
}

#[tokio::test]
async fn reauthentication_is_limited() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.limits.reauth_per_account = RateLimit {
            max: 3,
            window_seconds: 600,
        };
    })
    .await
    .unwrap();
    let (_, token) = app.member().await;
    for _ in 0..3 {
        let response = app
            .send_json(
                reqwest::Method::POST,
                "/api/v1/me/recovery-codes",
                &token,
                Some(&json!({"password": "een gok van een dief"})),
            )
            .await;
        assert_error(response, 403, "wrong_password").await;
    }
    let limited = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/me/recovery-codes",
            &token,
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    assert_error(limited, 429, "rate_limited").await;
}

#[tokio::test]
async fn a_new_login_ends_the_session_it_replaces() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
    let (login, first) = app.member().await;
    let second: serde_json::Value = app
        .api
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(&first)
        .json(&json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app.get("/api/v1/me", &first).await.status(), 401);
    assert_eq!(
        app.get("/api/v1/me", second["token"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn refusals_carry_the_security_headers_and_redirects_stay_home() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
    let refused = app
        .api
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("login", "x"), ("password", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.headers().contains_key("content-security-policy"));
    for next in ["/%09/evil.example", "/%0d%0aX-Evil:1", "//evil.example"] {
        let response = app
            .api
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{next}");
        assert_eq!(response.headers()["location"], "/", "{next}");
    }
}

#[tokio::test]
async fn metrics_are_not_public() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.server.metrics_token = "geheime-scraper-sleutel".into();
    })
    .await
    .unwrap();
    let anonymous = app.api.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 404);
    let scraper = app
        .api
        .get(app.url("/metrics"))
        .bearer_auth("geheime-scraper-sleutel")
        .send()
        .await
        .unwrap();
    assert_eq!(scraper.status(), 200);
    // Without a token: loopback only, judged through the trusted proxy.
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
    let proxied = app
        .api
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.50")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 404);
}

#[tokio::test]
async fn invite_codes_cannot_be_guessed_at_speed() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.limits.invite_per_account = RateLimit {
            max: 3,
            window_seconds: 900,
        };
    })
    .await
    .unwrap();
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "raden", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "raden", "Leider").await;
    let code = app.invite(&leader, "raden", "member", 1).await;
    let (_, guesser) = app.member().await;
    for guess in [
        "AAAA-AAAA-AAAA-AAAA",
        "BBBB-BBBB-BBBB-BBBB",
        "CCCC-CCCC-CCCC-CCCC",
    ] {
        let response = app
            .join(
                &guesser,
                "raden",
                json!({"display_name": "Rader", "invite_code": guess}),
            )
            .await;
        assert_error(response, 422, "invalid_invite").await;
    }
    let limited = app
        .join(
            &guesser,
            "raden",
            json!({"display_name": "Rader", "invite_code": code}),
        )
        .await;
    assert_error(limited, 429, "rate_limited").await;
}

#[tokio::test]
async fn the_invite_limit_does_not_reveal_hidden_groups() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.limits.invite_per_account = RateLimit {
            max: 2,
            window_seconds: 900,
        };
    })
    .await
    .unwrap();
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "verstopt", "closed", Some("invite"), false)
        .await;
    let (_, prober) = app.member().await;
    let try_code = async |slug: &str| {
        app.join(
            &prober,
            slug,
            json!({"display_name": "Speurder", "invite_code": "AAAA-BBBB-CCCC-DDDD"}),
        )
        .await
        .status()
        .as_u16()
    };
    assert_eq!(try_code("verstopt").await, 404);
    assert_eq!(try_code("bestaat-niet").await, 404);
    // Spent: now both answer alike again.
    assert_eq!(try_code("verstopt").await, 429);
    assert_eq!(try_code("bestaat-niet").await, 429);
}
