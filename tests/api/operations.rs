//! /healthz, /readyz, /metrics and the OpenAPI document.

use serde_json::Value;

use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(
    health_and_readiness,
    metrics_count_without_naming_anyone,
    the_openapi_document_matches_the_routes,
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
