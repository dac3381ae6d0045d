//! The instance admin's page: steunpunten, staff accounts, and who administers which
//! steunpunt. The policy decides (steunpunt actions); this page only shows and forwards.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Layout, error_page, render, see_other};
use crate::state::AppState;
use crate::steunpunten::{self, NewSteunpunt, SteunpuntView};
use crate::web::auth::PageSession;
use crate::web::routes::{self, Access};

#[derive(Template)]
#[template(path = "instance.html")]
struct InstancePage {
    layout: Layout,
    steunpunten: Vec<SteunpuntView>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct StaffCodesPage {
    layout: Layout,
    codes: Vec<String>,
    /// Where the page's "continue" leads.
    next: String,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    query: web::Query<DoneQuery>,
) -> HttpResponse {
    match steunpunten::all(&state, &session).await {
        Ok(list) => {
            let layout = Layout::new(&req, &state, true);
            let notice = match query.done.as_deref() {
                Some("steunpunt") => Some(layout.t.get("instance.steunpunt_created").to_string()),
                Some("admin") => Some(layout.t.get("instance.admin_appointed").to_string()),
                _ => None,
            };
            render(
                StatusCode::OK,
                &InstancePage {
                    layout,
                    steunpunten: list,
                    notice,
                },
            )
        }
        Err(e) => error_page(&req, &state, true, &e),
    }
}

async fn create_steunpunt(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    form: web::Form<NewSteunpunt>,
) -> HttpResponse {
    match steunpunten::create(&state, &session, form.into_inner()).await {
        Ok(_) => see_other("/beheer?done=steunpunt"),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

#[derive(Deserialize)]
struct StaffForm {
    login: String,
    password: String,
}

async fn create_staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    form: web::Form<StaffForm>,
) -> HttpResponse {
    let form = form.into_inner();
    match steunpunten::create_staff(&state, &session, &form.login, form.password).await {
        Ok(codes) => render(
            StatusCode::CREATED,
            &StaffCodesPage {
                layout: Layout::new(&req, &state, true),
                codes,
                next: "/beheer".into(),
            },
        ),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

#[derive(Deserialize)]
struct AppointForm {
    steunpunt: String,
    login: String,
}

async fn appoint(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    form: web::Form<AppointForm>,
) -> HttpResponse {
    match steunpunten::appoint_admin(&state, &session, &form.steunpunt, &form.login).await {
        Ok(()) => see_other("/beheer?done=admin"),
        Err(e) => error_page(&req, &state, true, &e),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::policy::SteunpuntAction as S;
    use Access::Steunpunt;
    routes::add(
        cfg,
        Method::GET,
        "/beheer",
        &[Steunpunt(S::ManageInstance)],
        page,
    );
    routes::add(
        cfg,
        Method::POST,
        "/beheer/steunpunten",
        &[Steunpunt(S::CreateSteunpunt)],
        create_steunpunt,
    );
    routes::add(
        cfg,
        Method::POST,
        "/beheer/staf",
        &[Steunpunt(S::CreateStaffAccount)],
        create_staff,
    );
    routes::add(
        cfg,
        Method::POST,
        "/beheer/steunpuntbeheerders",
        &[Steunpunt(S::AppointSteunpuntAdmin)],
        appoint,
    );
}
