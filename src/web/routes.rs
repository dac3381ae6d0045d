//! The route inventory: every route is added here, together with the access rule that
//! governs it, so no route can exist without a policy case. The inventory also answers
//! 405 (with `Allow`) for known paths asked with an unknown method: see [`fallback`].
//!
//! Handlers still ask the policy themselves (through `groups::access` and the services);
//! the declared access says which question they ask, and the tests check both.

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};

use actix_web::dev::ResourceDef;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Responder, ResponseError, web};

use crate::error::AppError;
use crate::policy::{Action, ChatAction, ForumAction, MemberAction, SteunpuntAction};
use crate::state::AppState;

/// Who may use a route, in the policy's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: pages, sign-up, login, static files, the directory itself (which filters per
    /// group through the policy).
    Public,
    /// Health checks and metrics (metrics restricted in its handler).
    Operations,
    /// Any logged-in account, about itself only.
    OwnAccount,
    /// A group action, decided by `policy::decide`.
    Group(Action),
    /// An action on one member of a group, decided by `policy::decide_on_member`.
    Member(MemberAction),
    /// A forum action, decided by `policy::decide_on_content` (with facts about the post or
    /// topic where it concerns one).
    Forum(ForumAction),
    /// A chat action, decided by `policy::decide_on_room` (with facts about the room and the
    /// asker in it).
    Chat(ChatAction),
    /// A steunpunt action, decided by `policy::decide_steunpunt`.
    Steunpunt(SteunpuntAction),
}

#[derive(Debug, Clone)]
pub struct RouteEntry {
    pub method: Method,
    pub path: String,
    pub access: Vec<Access>,
}

static INVENTORY: LazyLock<Mutex<BTreeMap<(String, String), RouteEntry>>> =
    LazyLock::new(Default::default);

/// Adds a route with the access rules it is governed by (several when the handler decides
/// between them, e.g. member invites and leader invites).
pub fn add<F, Args>(
    cfg: &mut web::ServiceConfig,
    method: Method,
    path: &str,
    access: &[Access],
    handler: F,
) where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    assert!(
        !access.is_empty(),
        "{method} {path}: a route needs an access rule"
    );
    INVENTORY.lock().unwrap_or_else(|e| e.into_inner()).insert(
        (path.to_string(), method.to_string()),
        RouteEntry {
            method: method.clone(),
            path: path.to_string(),
            access: access.to_vec(),
        },
    );
    cfg.route(path, web::method(method).to(handler));
}

/// Every route added so far (after the app has been configured once).
pub fn inventory() -> Vec<RouteEntry> {
    INVENTORY
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .cloned()
        .collect()
}

/// The methods `path` is served for, in a stable order; empty for an unknown path.
pub fn allowed_methods(path: &str) -> Vec<Method> {
    let mut methods: Vec<Method> = INVENTORY
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .filter(|route| ResourceDef::new(route.path.as_str()).is_match(path))
        .map(|route| route.method.clone())
        .collect();
    methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    methods.dedup();
    methods
}

/// What no route answers: a known path asked with another method gets 405 with the
/// `Allow` header RFC 9110 requires (the methods the path is served for); anything else is
/// a 404 (`pages::not_found`: JSON under `/api/`, a page elsewhere).
pub async fn fallback(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let allowed = allowed_methods(req.path());
    if allowed.is_empty() {
        return crate::pages::not_found(req, state).await;
    }
    let mut response = AppError::client(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This path does not accept that method.",
    )
    .error_response();
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    response.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_str(&allow).map_err(AppError::internal)?,
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configure_everything() -> Vec<RouteEntry> {
        let app = actix_web::App::new()
            .configure(crate::operations::configure)
            .configure(crate::api::configure)
            .configure(crate::pages::configure);
        // Building the service runs every `configure`, which fills the inventory.
        let _ = actix_web::rt::System::new().block_on(actix_web::test::init_service(app));
        inventory()
    }

    #[test]
    fn every_route_declares_a_policy_case() {
        let routes = configure_everything();
        assert!(routes.len() > 40, "only {} routes found", routes.len());
        for route in &routes {
            assert!(!route.access.is_empty(), "{} {}", route.method, route.path);
            for access in &route.access {
                if let Access::Group(action) = access {
                    assert!(
                        crate::policy::Action::EVERY.contains(action),
                        "{} {} names an action outside the access table",
                        route.method,
                        route.path
                    );
                }
                if let Access::Chat(action) = access {
                    assert!(
                        crate::policy::ChatAction::EVERY.contains(action),
                        "{} {} names a chat action outside the access table",
                        route.method,
                        route.path
                    );
                }
                if let Access::Forum(action) = access {
                    assert!(
                        crate::policy::ForumAction::EVERY.contains(action),
                        "{} {} names a forum action outside the access table",
                        route.method,
                        route.path
                    );
                }
            }
            // A route under a group slug is decided per group.
            if route.path.contains("/groups/{slug}") || route.path.starts_with("/g/{slug}") {
                assert!(
                    route.access.iter().all(|a| matches!(
                        a,
                        Access::Group(_) | Access::Member(_) | Access::Forum(_) | Access::Chat(_)
                    )),
                    "{} {} is a group route without a group policy case",
                    route.method,
                    route.path
                );
            }
        }
    }

    #[test]
    fn no_route_is_added_around_the_inventory() {
        let mut offenders = vec![];
        let mut stack = vec![std::path::PathBuf::from("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.ends_with("web/routes.rs") || path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let source = std::fs::read_to_string(&path).unwrap();
                for needle in [".route(", "web::resource(", "web::scope(", ".service("] {
                    if source.contains(needle) {
                        offenders.push(format!("{}: {needle}", path.display()));
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "routes added outside routes::add: {offenders:?}"
        );
    }

    #[test]
    fn every_documented_operation_is_in_the_inventory() {
        let routes = configure_everything();
        let doc = serde_json::to_value(<crate::api::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        for (path, operations) in doc["paths"].as_object().unwrap() {
            for method in operations.as_object().unwrap().keys() {
                assert!(
                    routes
                        .iter()
                        .any(|r| &r.path == path && r.method.as_str().eq_ignore_ascii_case(method)),
                    "{method} {path} is documented but not routed"
                );
            }
        }
        for route in routes.iter().filter(|r| r.path.starts_with("/api/v1/")) {
            if route.path == "/api/v1/openapi.json" {
                continue;
            }
            let documented = doc["paths"]
                .get(&route.path)
                .and_then(|p| p.get(route.method.as_str().to_lowercase()))
                .is_some();
            assert!(
                documented,
                "{} {} is routed but not documented",
                route.method, route.path
            );
        }
    }
}
