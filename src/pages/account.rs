//! Account pages: register, recovery codes, log in and out, my account, recover, delete.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{HomePage, Layout, error_status, local_path, render, see_other};
use crate::accounts::{self, Account};
use crate::error::AppError;
use crate::sessions::{self, Session};
use crate::state::AppState;
use crate::web::auth::{self, MaybeAuthenticated, PageSession};
use crate::web::client;

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    layout: Layout,
    login: String,
    /// Where to go once the recovery codes are kept (a local path).
    next: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
    next: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    login: String,
    /// Where to go after logging in (a local path).
    next: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "recover.html")]
struct RecoverPage {
    layout: Layout,
    login: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovered.html")]
struct RecoveredPage {
    layout: Layout,
    codes_left: usize,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    account: Account,
    groups: Vec<crate::groups::MyGroup>,
    steunpunten: Vec<(String, String)>,
    can_manage_instance: bool,
    notice: Option<String>,
    error: Option<String>,
    /// When an account unused since its last use would be erased, in words.
    unused_erasure: String,
}

#[derive(Deserialize)]
struct CredentialsForm {
    login: String,
    password: String,
    next: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct RecoverForm {
    login: String,
    recovery_code: String,
    new_password: String,
}

#[derive(Deserialize)]
struct PasswordChangeForm {
    current_password: String,
    new_password: String,
}

#[derive(Deserialize)]
struct PasswordForm {
    password: String,
}

#[derive(Deserialize)]
struct EraseForm {
    password: String,
    /// `delete` or `anonymise` (the default: kept under "former member").
    posts: Option<String>,
}

/// What a form's `posts` field asks for what someone wrote.
pub(crate) fn posts_choice(value: Option<&str>) -> accounts::PostsChoice {
    match value {
        Some("delete") => accounts::PostsChoice::Delete,
        _ => accounts::PostsChoice::Anonymise,
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    done: Option<String>,
}

fn message(layout: &Layout, error: &AppError) -> String {
    layout.t.error(error.code()).to_string()
}

/// Starts a session and answers with `page`, carrying the session cookie.
async fn with_new_session(
    req: &HttpRequest,
    state: &AppState,
    account_id: &str,
    page: impl FnOnce(Layout) -> HttpResponse,
) -> Result<HttpResponse, AppError> {
    if let Some(previous) = auth::presented_token(req, state) {
        sessions::end_token(state, &previous).await?;
    }
    let session = sessions::start(state, account_id).await?;
    let mut response = page(Layout::new(req, state, true));
    response
        .add_cookie(&auth::session_cookie(
            req,
            state,
            &session.token,
            session.expires_at,
        ))
        .map_err(AppError::internal)?;
    Ok(response)
}

async fn register_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    render(
        StatusCode::OK,
        &RegisterPage {
            layout: Layout::new(&req, &state, session.is_some()),
            login: String::new(),
            next: local_path(query.next.as_deref()).to_string(),
            error: None,
        },
    )
}

async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CredentialsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let next = match local_path(form.next.as_deref()) {
        "/" => "/account".to_string(),
        path => path.to_string(),
    };
    match accounts::register(&state, source, &form.login, form.password).await {
        Ok(registered) => {
            with_new_session(&req, &state, &registered.account.id, |layout| {
                render(
                    StatusCode::CREATED,
                    &RecoveryCodesPage {
                        layout,
                        codes: registered.recovery_codes,
                        next,
                    },
                )
            })
            .await
        }
        Err(error) => {
            let layout = Layout::new(&req, &state, false);
            Ok(render(
                error_status(&error),
                &RegisterPage {
                    error: Some(message(&layout, &error)),
                    layout,
                    login: form.login,
                    next,
                },
            ))
        }
    }
}

async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let next = local_path(query.next.as_deref()).to_string();
    if session.is_some() {
        return see_other(if next == "/" { "/account" } else { &next });
    }
    render(
        StatusCode::OK,
        &LoginPage {
            layout: Layout::new(&req, &state, false),
            login: String::new(),
            next,
            error: None,
        },
    )
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CredentialsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    match accounts::authenticate(&state, source, &form.login, form.password).await {
        Ok(account) => {
            let next = match local_path(form.next.as_deref()) {
                "/" => "/account",
                path => path,
            };
            with_new_session(&req, &state, &account.id, |_| see_other(next)).await
        }
        Err(error) => {
            let layout = Layout::new(&req, &state, false);
            Ok(render(
                error_status(&error),
                &LoginPage {
                    error: Some(message(&layout, &error)),
                    layout,
                    login: form.login,
                    next: local_path(form.next.as_deref()).to_string(),
                },
            ))
        }
    }
}

async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
) -> Result<HttpResponse, AppError> {
    if let Some(session) = session {
        sessions::end(&state, &session.token_hash).await?;
    }
    logged_out(&req, &state)
}

async fn logout_everywhere(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
) -> Result<HttpResponse, AppError> {
    if let Some(session) = session {
        sessions::end_all(&state, &session.account.id).await?;
    }
    logged_out(&req, &state)
}

fn logged_out(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    let mut response = see_other("/");
    response
        .add_cookie(&auth::removal_cookie(req, state))
        .map_err(AppError::internal)?;
    Ok(response)
}

async fn account_page(
    req: &HttpRequest,
    state: &AppState,
    session: Session,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&AppError>,
) -> HttpResponse {
    let listed = async {
        let groups = crate::groups::mine(state, &session).await?;
        let steunpunten = crate::steunpunten::administered_by(state, &session.account.id).await?;
        Ok::<_, AppError>((groups, steunpunten))
    };
    let (groups, steunpunten) = match listed.await {
        Ok(lists) => lists,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let layout = Layout::new(req, state, true);
    let notice = notice.map(|key| layout.t.get(key).to_string());
    let error = error.map(|e| message(&layout, e));
    let unused_erasure = layout.t.get("account.unused_erasure").replace(
        "{days}",
        &state.settings.retention.inactive_account_days.to_string(),
    );
    render(
        status,
        &AccountPage {
            layout,
            account: session.account.clone(),
            groups,
            steunpunten,
            can_manage_instance: crate::policy::decide_steunpunt(
                &crate::steunpunten::instance_actor(Some(&session)),
                crate::policy::SteunpuntAction::ManageInstance,
            )
            .is_allowed(),
            notice,
            error,
            unused_erasure,
        },
    )
}

async fn account(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    query: web::Query<NoticeQuery>,
) -> HttpResponse {
    let notice = match query.done.as_deref() {
        Some("password") => Some("account.password_changed"),
        _ => None,
    };
    account_page(&req, &state, session, StatusCode::OK, notice, None).await
}

async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    form: web::Form<PasswordChangeForm>,
) -> HttpResponse {
    let form = form.into_inner();
    match accounts::change_password(
        &state,
        client::source_key(&req, &state.settings.server.trusted_proxies),
        &session.account.id,
        &session.token_hash,
        form.current_password,
        form.new_password,
    )
    .await
    {
        Ok(()) => see_other("/account?done=password"),
        Err(e) => account_page(&req, &state, session, error_status(&e), None, Some(&e)).await,
    }
}

async fn renew_recovery_codes(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    match accounts::renew_recovery_codes(
        &state,
        source,
        &session.account.id,
        form.into_inner().password,
    )
    .await
    {
        Ok(codes) => render(
            StatusCode::CREATED,
            &RecoveryCodesPage {
                layout: Layout::new(&req, &state, true),
                codes,
                next: "/account".into(),
            },
        ),
        Err(e) => account_page(&req, &state, session, error_status(&e), None, Some(&e)).await,
    }
}

async fn delete_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    form: web::Form<EraseForm>,
) -> Result<HttpResponse, AppError> {
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let form = form.into_inner();
    let posts = posts_choice(form.posts.as_deref());
    match accounts::erase(&state, source, &session.account.id, form.password, posts).await {
        Ok(()) => {
            let layout = Layout::new(&req, &state, false);
            let notice = Some(layout.t.get("account.deleted").to_string());
            let mut response = render(StatusCode::OK, &HomePage { layout, notice });
            response
                .add_cookie(&auth::removal_cookie(&req, &state))
                .map_err(AppError::internal)?;
            Ok(response)
        }
        Err(e) => Ok(account_page(&req, &state, session, error_status(&e), None, Some(&e)).await),
    }
}

async fn recover_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    render(
        StatusCode::OK,
        &RecoverPage {
            layout: Layout::new(&req, &state, false),
            login: String::new(),
            error: None,
        },
    )
}

async fn recover(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<RecoverForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    match accounts::recover(
        &state,
        source,
        &form.login,
        &form.recovery_code,
        form.new_password,
    )
    .await
    {
        Ok((account, codes_left)) => {
            with_new_session(&req, &state, &account.id, |layout| {
                render(StatusCode::OK, &RecoveredPage { layout, codes_left })
            })
            .await
        }
        Err(error) => {
            let layout = Layout::new(&req, &state, false);
            Ok(render(
                error_status(&error),
                &RecoverPage {
                    error: Some(message(&layout, &error)),
                    layout,
                    login: form.login,
                },
            ))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::web::routes::{self, Access::*};
    use actix_web::http::Method as M;
    routes::add(cfg, M::GET, "/register", &[Public], register_form);
    routes::add(cfg, M::POST, "/register", &[Public], register);
    routes::add(cfg, M::GET, "/login", &[Public], login_form);
    routes::add(cfg, M::POST, "/login", &[Public], login);
    routes::add(cfg, M::POST, "/logout", &[OwnAccount], logout);
    routes::add(
        cfg,
        M::POST,
        "/logout-everywhere",
        &[OwnAccount],
        logout_everywhere,
    );
    routes::add(cfg, M::GET, "/account", &[OwnAccount], account);
    routes::add(
        cfg,
        M::POST,
        "/account/password",
        &[OwnAccount],
        change_password,
    );
    routes::add(
        cfg,
        M::POST,
        "/account/recovery-codes",
        &[OwnAccount],
        renew_recovery_codes,
    );
    routes::add(
        cfg,
        M::POST,
        "/account/delete",
        &[OwnAccount],
        delete_account,
    );
    routes::add(cfg, M::GET, "/recover", &[Public], recover_form);
    routes::add(cfg, M::POST, "/recover", &[Public], recover);
}
