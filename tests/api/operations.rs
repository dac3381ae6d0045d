//! /healthz, /readyz, /metrics and the OpenAPI document.

use serde_json::Value;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp, spawn_app_with};

backend_tests!(
    health_and_readiness,
    metrics_count_without_naming_anyone,
    the_openapi_document_matches_the_routes,
    hot_group_reads_make_one_trip_to_the_blocking_pool,
);

async fn health_and_readiness(app: TestApp) {
    let health = app.api.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.api.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

async fn metrics_count_without_naming_anyone(app: TestApp) {
    let (login, token) = app.member().await;
    let _ = app
        .api
        .post(app.url("/api/v1/sessions"))
        .json(&serde_json::json!({"login": login, "password": "dit is fout, echt"}))
        .send()
        .await;
    let text = app
        .api
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("kring_registrations_total 1"), "{text}");
    assert!(
        text.contains("kring_logins_total{result=\"ok\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("kring_logins_total{result=\"failed\"} 1"),
        "{text}"
    );
    assert!(!text.contains(&login) && !text.contains(&token));
    assert!(!text.contains("127.0.0.1") && !text.contains("198.18."));
}

async fn the_openapi_document_matches_the_routes(app: TestApp) {
    let doc: Value = app
        .api
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    // The contract of design.md for accounts and sessions.
    for (path, method) in [
        ("/api/v1/accounts", "post"),
        ("/api/v1/sessions", "post"),
        ("/api/v1/sessions/current", "delete"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/export", "get"),
        ("/api/v1/me", "delete"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} undocumented"
        );
    }
    // Every documented operation is served: never a 405, and no 404 where the path has no
    // ids in it (with made-up ids a 404 is the right answer).
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let status = app
                .api
                .request(method.clone(), app.url(path))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap()
                .status();
            let has_ids = path.contains('{');
            assert!(
                status != 405 && (has_ids || status != 404),
                "{method} {path} answered {status}"
            );
        }
    }
}

/// Behind a reverse proxy that is not configured as trusted, the peer is loopback for every
/// visitor: a forwarding header then means "not the reader", and only the token opens.
#[tokio::test]
async fn metrics_through_an_untrusted_proxy_are_not_loopback() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.server.trusted_proxies = vec![])
        .await
        .unwrap();
    let metrics = |header: Option<(&'static str, &'static str)>| {
        let mut request = app.api.get(app.url("/metrics"));
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        request.send()
    };
    assert_eq!(metrics(None).await.unwrap().status(), 200, "plain loopback");
    for header in [
        ("x-forwarded-for", "127.0.0.1"),
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=127.0.0.1"),
        ("x-real-ip", "127.0.0.1"),
    ] {
        assert_eq!(
            metrics(Some(header)).await.unwrap().status(),
            404,
            "{header:?}"
        );
    }

    // A trusted proxy that forwards for loopback does not make the reader local either.
    let trusted = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
    let proxied = trusted
        .api
        .get(trusted.url("/metrics"))
        .header("x-forwarded-for", "127.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 404);

    // Served at a public address, the proxy in front need not send a forwarding header at
    // all (nginx's plain proxy_pass does not): loopback then proves nothing.
    let public = spawn_app_with(Backend::Sqlite, |s| {
        s.server.public_url = "https://kring.example".into();
    })
    .await
    .unwrap();
    let plain = public.api.get(public.url("/metrics")).send().await.unwrap();
    assert_eq!(
        plain.status(),
        404,
        "public_url set: only the token opens it"
    );
    let local = spawn_app_with(Backend::Sqlite, |s| {
        s.server.public_url = "http://localhost:8080".into();
    })
    .await
    .unwrap();
    let plain = local.api.get(local.url("/metrics")).send().await.unwrap();
    assert_eq!(
        plain.status(),
        200,
        "a public_url on this machine is loopback"
    );

    // With a token, the token opens it, forwarded or not.
    let tokened = spawn_app_with(Backend::Sqlite, |s| {
        s.server.trusted_proxies = vec![];
        s.server.metrics_token = "geheime-scraper-sleutel".into();
    })
    .await
    .unwrap();
    let scrape = |token: Option<&'static str>| {
        let mut request = tokened
            .api
            .get(tokened.url("/metrics"))
            .header("x-forwarded-for", "203.0.113.9");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(scrape(None).await.unwrap().status(), 404);
    assert_eq!(
        scrape(Some("geheime-scraper-sleutel"))
            .await
            .unwrap()
            .status(),
        200
    );
}

/// A group's page, its API view, its member list, the forum's topic list and a topic page
/// gather the session, the facts and what they show in one trip to the blocking pool, not
/// one per service they call.
async fn hot_group_reads_make_one_trip_to_the_blocking_pool(app: TestApp) {
    let sp = app.steunpunt_admin().await;
    app.group(&sp, "snel-kring", "closed", Some("invite"), true)
        .await;
    let leader = app.leader(&sp, "snel-kring", "Leider").await;
    let (_, guest_like) = app.member().await;
    let topic: serde_json::Value = app
        .api
        .post(app.url("/api/v1/groups/snel-kring/topics"))
        .bearer_auth(&leader)
        .json(&serde_json::json!({"title": "Welkom", "body": "Fijn dat je er bent."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let topic = topic["topic_id"].as_str().unwrap().to_string();
    let (topic_page, topic_api) = (format!("/t/{topic}"), format!("/api/v1/topics/{topic}"));
    let paths = [
        "/g/snel-kring",
        "/api/v1/groups/snel-kring",
        "/api/v1/groups/snel-kring/members",
        "/g/snel-kring/forum",
        "/api/v1/groups/snel-kring/topics",
        topic_page.as_str(),
        topic_api.as_str(),
    ];
    for path in paths {
        for token in [Some(&leader), Some(&guest_like), None] {
            let mut request = app.api.get(app.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send().await.unwrap();
        }
    }
    let metrics = app
        .api
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str, route: &str| -> u64 {
        let prefix = format!("{name}{{route=\"GET {route}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{prefix} missing:\n{metrics}"))
            .parse()
            .unwrap()
    };
    for route in [
        "/g/{slug}",
        "/api/v1/groups/{slug}",
        "/api/v1/groups/{slug}/members",
        "/g/{slug}/forum",
        "/api/v1/groups/{slug}/topics",
        "/t/{id}",
        "/api/v1/topics/{id}",
    ] {
        let requests = value("kring_route_requests_total", route);
        let trips = value("kring_blocking_trips_total", route);
        assert_eq!(requests, 3, "{route}");
        assert_eq!(
            trips, requests,
            "{route}: {trips} trips for {requests} requests"
        );
    }
}
