//! Group pages: the directory (sociale kaart), a group's page with its join form, the
//! leaders' page, the steunpunt's settings page and overview, and the printable invite card.
//!
//! Like every page, these call the service layer (which asks the policy); they show only
//! what the policy allowed the service to return.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Layout, error_page, render, see_other};
use crate::error::AppError;
use crate::groups::invites::{self, CreatedInvite, InviteView, NewInvite};
use crate::groups::membership::{self, JoinRequestBody, MemberView, SanctionKind};
use crate::groups::modlog::{self, ModlogEntry};
use crate::groups::requests::{self, OwnRequest, PendingRequest};
use crate::groups::{
    self, DirectoryEntry, DirectoryFilter, GroupAccess, GroupChange, MemberRole, NewGroup, Status,
    Theme,
};
use crate::i18n::Catalogue;
use crate::markdown::SanitizedHtml;
use crate::policy::{Action, JoinPolicy, Mode};
use crate::sessions::Session;
use crate::state::AppState;
use crate::web::auth::{MaybeAuthenticated, PageSession};
use crate::web::client;
use crate::web::routes::{self, Access};

/// A directory entry with its labels in the visitor's language.
pub struct Card {
    pub entry: DirectoryEntry,
    pub theme: String,
    pub mode: String,
    pub how_to_join: String,
    pub status: String,
}

fn card(t: &Catalogue, entry: DirectoryEntry) -> Card {
    let join_key = match entry.join_policy {
        Some(policy) => format!("join.{}", policy.as_str()),
        None => format!("join.{}", entry.mode.as_str()),
    };
    Card {
        theme: t
            .get(&format!("theme.{}", entry.theme.as_str()))
            .to_string(),
        mode: t.get(&format!("mode.{}", entry.mode.as_str())).to_string(),
        how_to_join: t.get(&join_key).to_string(),
        status: t
            .get(&format!("status.{}", entry.status.as_str()))
            .to_string(),
        entry,
    }
}

/// A select option: value, label, selected.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

fn choices<T: Copy + PartialEq>(
    t: &Catalogue,
    prefix: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    current: Option<T>,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: name(*v),
            label: t.get(&format!("{prefix}.{}", name(*v))).to_string(),
            selected: current == Some(*v),
        })
        .collect()
}

/// Sends page handlers' errors to an error page; `Ok` passes through.
fn or_error_page(
    req: &HttpRequest,
    state: &AppState,
    logged_in: bool,
    result: Result<HttpResponse, AppError>,
) -> HttpResponse {
    result.unwrap_or_else(|e| error_page(req, state, logged_in, &e))
}

fn empty_to_none(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

// ----- the directory -----

#[derive(Deserialize)]
struct DirectoryQuery {
    theme: Option<String>,
    mode: Option<String>,
    region: Option<String>,
    q: Option<String>,
    steunpunt: Option<String>,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    layout: Layout,
    cards: Vec<Card>,
    themes: Vec<Choice>,
    modes: Vec<Choice>,
    region: String,
    q: String,
}

async fn directory(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    query: web::Query<DirectoryQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let theme = query.theme.as_deref().and_then(Theme::parse);
    let mode = query.mode.as_deref().and_then(Mode::parse);
    let filter = DirectoryFilter {
        steunpunt: empty_to_none(&query.steunpunt).or_else(|| Some(state.home.slug.clone())),
        theme,
        mode,
        region: empty_to_none(&query.region),
        q: empty_to_none(&query.q),
    };
    let logged_in = session.is_some();
    let result = groups::directory(&state, session.as_ref(), filter).await;
    or_error_page(
        &req,
        &state,
        logged_in,
        result.map(|entries| {
            let layout = Layout::new(&req, &state, logged_in);
            let t = layout.t;
            render(
                StatusCode::OK,
                &DirectoryPage {
                    cards: entries.into_iter().map(|e| card(t, e)).collect(),
                    themes: choices(t, "theme", Theme::ALL, Theme::as_str, theme),
                    modes: choices(t, "mode", Mode::ALL, Mode::as_str, mode),
                    region: query.region.unwrap_or_default(),
                    q: query.q.unwrap_or_default(),
                    layout,
                },
            )
        }),
    )
}

// ----- a group's page -----

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    layout: Layout,
    card: Card,
    house_rules: SanitizedHtml,
    me: Option<membership::OwnMembership>,
    own_request: Option<OwnRequest>,
    can_join: bool,
    can_join_with_invite: bool,
    wants_introduction: bool,
    wants_code: bool,
    code: String,
    display_name: String,
    introduction: String,
    is_leader: bool,
    is_steunpunt_admin: bool,
    can_list_members: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

struct JoinFormValues {
    code: String,
    display_name: String,
    introduction: String,
}

async fn group_page_response(
    req: &HttpRequest,
    state: &AppState,
    session: Option<&Session>,
    slug: &str,
    values: JoinFormValues,
    error: Option<&AppError>,
) -> Result<HttpResponse, AppError> {
    let access = groups::authorize(state, session, slug, Action::ViewGroup).await?;
    // Reading one's own request shows a decline once; only do that on a plain visit.
    let own_request = match (session, error) {
        (Some(s), None) if access.membership.is_none() => {
            requests::own(state, s, slug).await.ok().flatten()
        }
        _ => None,
    };
    let layout = Layout::for_group(req, state, session.is_some(), &access.group).await?;
    let view = groups::view(&access);
    let group = &access.group;
    let closed = group.mode == Mode::Closed;
    let status = error.map(super::error_status).unwrap_or(StatusCode::OK);
    let page = GroupPage {
        card: card(layout.t, group.entry()),
        house_rules: view.house_rules_html,
        me: view.me,
        can_join: access.may(Action::Join),
        can_join_with_invite: access.may(Action::JoinWithInvite) && access.membership.is_none(),
        wants_introduction: closed && group.join_policy != JoinPolicy::Invite,
        // An invite code also works in an approval group (it stands for the approval).
        wants_code: closed
            && (group.join_policy != JoinPolicy::Approval || !values.code.is_empty()),
        is_leader: access.may(Action::ViewJoinRequests),
        is_steunpunt_admin: access.may(Action::EditDirectoryEntry),
        can_list_members: access.may(Action::ListMembers),
        error: error.map(|e| layout.t.error(e.code()).to_string()),
        own_request,
        code: values.code,
        display_name: values.display_name,
        introduction: values.introduction,
        layout,
    };
    Ok(render(status, &page))
}

async fn group(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    slug: web::Path<String>,
    query: web::Query<CodeQuery>,
) -> HttpResponse {
    let values = JoinFormValues {
        code: query.into_inner().code.unwrap_or_default(),
        display_name: String::new(),
        introduction: String::new(),
    };
    let result = group_page_response(&req, &state, session.as_ref(), &slug, values, None).await;
    or_error_page(&req, &state, session.is_some(), result)
}

#[derive(Deserialize)]
struct JoinForm {
    display_name: String,
    introduction: Option<String>,
    invite_code: Option<String>,
    accept_house_rules: Option<String>,
}

async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<JoinForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let body = JoinRequestBody {
        display_name: form.display_name.clone(),
        introduction: empty_to_none(&form.introduction),
        invite_code: empty_to_none(&form.invite_code),
        accept_house_rules: form.accept_house_rules.is_some(),
    };
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    match membership::join(&state, &session, source, &slug, body).await {
        Ok(_) => see_other(&format!("/g/{slug}")),
        Err(error) => {
            let values = JoinFormValues {
                code: form.invite_code.unwrap_or_default(),
                display_name: form.display_name,
                introduction: form.introduction.unwrap_or_default(),
            };
            let result =
                group_page_response(&req, &state, Some(&session), &slug, values, Some(&error))
                    .await;
            or_error_page(&req, &state, true, result)
        }
    }
}

async fn leave(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
) -> HttpResponse {
    let result = membership::leave(&state, &session, &slug)
        .await
        .map(|_| see_other(&format!("/g/{slug}")));
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct RenameForm {
    display_name: String,
}

async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<RenameForm>,
) -> HttpResponse {
    let result = membership::rename(&state, &session, &slug, &form.display_name)
        .await
        .map(|_| see_other(&format!("/g/{slug}")));
    or_error_page(&req, &state, true, result)
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    layout: Layout,
    card: Card,
    members: Vec<MemberView>,
}

async fn members(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    slug: web::Path<String>,
) -> HttpResponse {
    let logged_in = session.is_some();
    let result = async {
        let access =
            groups::authorize(&state, session.as_ref(), &slug, Action::ListMembers).await?;
        let members = membership::list(&state, session.as_ref(), &slug).await?;
        let layout = Layout::for_group(&req, &state, logged_in, &access.group).await?;
        Ok(render(
            StatusCode::OK,
            &MembersPage {
                card: card(layout.t, access.group.entry()),
                members,
                layout,
            },
        ))
    }
    .await;
    or_error_page(&req, &state, logged_in, result)
}

// ----- the leaders' page -----

#[derive(Template)]
#[template(path = "group_leaders.html")]
struct LeadersPage {
    layout: Layout,
    card: Card,
    requests: Vec<PendingRequest>,
    invites: Vec<InviteView>,
    members: Vec<MemberView>,
    house_rules: String,
    closer_modes: Vec<Choice>,
    join_policies: Vec<Choice>,
    log: Vec<LogLine>,
}

/// A modlog entry with its action in the visitor's language.
struct LogLine {
    on: String,
    label: String,
    target: Option<String>,
    reason: Option<String>,
}

fn log_lines(t: &Catalogue, entries: Vec<ModlogEntry>) -> Vec<LogLine> {
    entries
        .into_iter()
        .map(|e| LogLine {
            label: t.get(&format!("modlog.{}", e.action)).to_string(),
            on: e.on,
            target: e.target,
            reason: e.reason,
        })
        .collect()
}

async fn leaders_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let access: GroupAccess =
            groups::authorize(&state, Some(&session), &slug, Action::ViewJoinRequests).await?;
        let pending = requests::pending(&state, &session, &slug).await?;
        let invites = invites::list(&state, &session, &slug).await?;
        let members = membership::list(&state, Some(&session), &slug).await?;
        let log_access = access.clone();
        let log = state
            .db
            .run(move |conn| modlog::list(conn, &log_access))
            .await?;
        let layout = Layout::for_group(&req, &state, true, &access.group).await?;
        let t = layout.t;
        let group = &access.group;
        let closer: Vec<Mode> = Mode::ALL
            .iter()
            .copied()
            .filter(|m| *m >= group.mode)
            .collect();
        Ok(render(
            StatusCode::OK,
            &LeadersPage {
                card: card(t, group.entry()),
                requests: pending,
                invites,
                members,
                house_rules: group.house_rules.clone(),
                closer_modes: choices(t, "mode", &closer, Mode::as_str, Some(group.mode)),
                join_policies: choices(
                    t,
                    "join",
                    JoinPolicy::ALL,
                    JoinPolicy::as_str,
                    Some(group.join_policy),
                ),
                log: log_lines(t, log),
                layout,
            },
        ))
    }
    .await;
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct DecisionForm {
    approve: String,
    reason: Option<String>,
}

async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    path: web::Path<(String, String)>,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let decision = requests::Decision {
        approve: form.approve == "yes",
        reason: empty_to_none(&form.reason),
    };
    let result = requests::decide(&state, &session, &id, decision)
        .await
        .map(|_| see_other(&format!("/g/{slug}/beheer")));
    or_error_page(&req, &state, true, result)
}

#[derive(Template)]
#[template(path = "invite_card.html")]
struct InviteCardPage {
    layout: Layout,
    group_name: String,
    invite: CreatedInvite,
    join_url: String,
    qr_svg: String,
    back: String,
}

/// An SVG QR code of `text`, made here from our own data (safe to print as markup).
fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(AppError::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

fn site_origin(req: &HttpRequest, state: &AppState) -> String {
    match state.settings.server.public_url.trim_end_matches('/') {
        "" => {
            let info = req.connection_info();
            format!(
                "{}://{}",
                info.scheme(),
                crate::web::security::request_host(req).unwrap_or_default()
            )
        }
        url => url.to_string(),
    }
}

#[derive(Deserialize)]
struct InviteForm {
    max_uses: Option<String>,
    expires_in_days: Option<String>,
}

async fn invite_card(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    slug: &str,
    role: MemberRole,
    form: InviteForm,
    back: String,
) -> Result<HttpResponse, AppError> {
    let number = |v: &Option<String>| empty_to_none(v).and_then(|v| v.parse::<i64>().ok());
    let new = NewInvite {
        max_uses: number(&form.max_uses).map(|n| n.clamp(0, 1000) as i32),
        expires_in_days: number(&form.expires_in_days),
        role: Some(role),
    };
    let invite = invites::create(state, session, slug, new).await?;
    let access = groups::authorize(state, Some(session), slug, Action::ViewGroup).await?;
    let join_url = format!("{}/g/{slug}?code={}", site_origin(req, state), invite.code);
    let page = InviteCardPage {
        layout: Layout::for_group(req, state, true, &access.group).await?,
        group_name: access.group.name,
        qr_svg: qr_svg(&join_url)?,
        join_url,
        invite,
        back,
    };
    Ok(render(StatusCode::CREATED, &page))
}

async fn create_member_invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<InviteForm>,
) -> HttpResponse {
    let back = format!("/g/{slug}/beheer");
    let result = invite_card(
        &req,
        &state,
        &session,
        &slug,
        MemberRole::Member,
        form.into_inner(),
        back,
    )
    .await;
    or_error_page(&req, &state, true, result)
}

async fn create_leader_invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<InviteForm>,
) -> HttpResponse {
    let back = format!("/g/{slug}/instellingen");
    let result = invite_card(
        &req,
        &state,
        &session,
        &slug,
        MemberRole::Leader,
        form.into_inner(),
        back,
    )
    .await;
    or_error_page(&req, &state, true, result)
}

async fn revoke_invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let result = invites::revoke(&state, &session, &slug, &id)
        .await
        .map(|_| see_other(&format!("/g/{slug}/beheer")));
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct SanctionForm {
    reason: Option<String>,
    /// Empty: for good.
    days: Option<String>,
}

async fn moderate(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    path: web::Path<(String, String, String)>,
    form: web::Form<SanctionForm>,
) -> HttpResponse {
    let (slug, id, what) = path.into_inner();
    let result = async {
        match what.as_str() {
            "ban" | "mute" => {
                let kind = if what == "ban" {
                    SanctionKind::Ban
                } else {
                    SanctionKind::Mute
                };
                let until = empty_to_none(&form.days)
                    .map(|d| {
                        d.parse::<i64>()
                            .ok()
                            .filter(|d| (1..=3650).contains(d))
                            .map(|d| crate::time::rfc3339(crate::time::now() + d * 24 * 3600))
                            .ok_or_else(|| {
                                AppError::invalid(
                                    "invalid_until",
                                    "days is a number from 1 to 3650.",
                                )
                            })
                    })
                    .transpose()?;
                let sanction = membership::Sanction {
                    reason: form.reason.clone().unwrap_or_default(),
                    until,
                };
                membership::sanction(&state, &session, &slug, &id, kind, sanction).await?;
            }
            "unban" => membership::lift(&state, &session, &slug, &id, SanctionKind::Ban).await?,
            "unmute" => membership::lift(&state, &session, &slug, &id, SanctionKind::Mute).await?,
            _ => return Err(AppError::not_found()),
        }
        Ok(see_other(&format!("/g/{slug}/beheer")))
    }
    .await;
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct HouseRulesForm {
    house_rules: String,
}

async fn house_rules(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<HouseRulesForm>,
) -> HttpResponse {
    let change = GroupChange {
        house_rules: Some(form.into_inner().house_rules),
        ..Default::default()
    };
    let result = groups::update(&state, &session, &slug, change)
        .await
        .map(|_| see_other(&format!("/g/{slug}/beheer")));
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct AccessForm {
    mode: String,
    join_policy: Option<String>,
    /// Present when the box "listed in the directory" is ticked.
    listed: Option<String>,
    confirm_wider_audience: Option<String>,
    /// Where to return to.
    back: Option<String>,
}

async fn change_access(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<AccessForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let result = async {
        let mode = Mode::parse(&form.mode)
            .ok_or_else(|| AppError::invalid("invalid_field", "Unknown mode."))?;
        let change = GroupChange {
            mode: Some(mode),
            join_policy: form.join_policy.as_deref().and_then(JoinPolicy::parse),
            listed: Some(form.listed.is_some()),
            confirm_wider_audience: form.confirm_wider_audience.is_some(),
            ..Default::default()
        };
        groups::update(&state, &session, &slug, change).await?;
        let back = match form.back.as_deref() {
            Some("instellingen") => format!("/g/{slug}/instellingen"),
            _ => format!("/g/{slug}/beheer"),
        };
        Ok(see_other(&back))
    }
    .await;
    or_error_page(&req, &state, true, result)
}

// ----- the steunpunt's pages -----

#[derive(Template)]
#[template(path = "group_settings.html")]
struct SettingsPage {
    layout: Layout,
    card: Card,
    themes: Vec<Choice>,
    statuses: Vec<Choice>,
    modes: Vec<Choice>,
    join_policies: Vec<Choice>,
    leaders: Vec<MemberView>,
}

async fn settings_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let access =
            groups::authorize(&state, Some(&session), &slug, Action::EditDirectoryEntry).await?;
        let leaders = membership::leaders(&state, &session, &slug).await?;
        let layout = Layout::for_group(&req, &state, true, &access.group).await?;
        let t = layout.t;
        let g = &access.group;
        Ok(render(
            StatusCode::OK,
            &SettingsPage {
                card: card(t, g.entry()),
                themes: choices(t, "theme", Theme::ALL, Theme::as_str, Some(g.theme)),
                statuses: choices(t, "status", Status::ALL, Status::as_str, Some(g.status)),
                modes: choices(t, "mode", Mode::ALL, Mode::as_str, Some(g.mode)),
                join_policies: choices(
                    t,
                    "join",
                    JoinPolicy::ALL,
                    JoinPolicy::as_str,
                    Some(g.join_policy),
                ),
                leaders,
                layout,
            },
        ))
    }
    .await;
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct DirectoryForm {
    name: String,
    description: String,
    theme: String,
    region: String,
    meeting_rhythm: String,
    meeting_place: String,
    online_only: Option<String>,
    status: String,
}

async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<DirectoryForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let change = GroupChange {
        name: Some(form.name),
        description: Some(form.description),
        theme: Theme::parse(&form.theme),
        region: Some(form.region),
        meeting_rhythm: Some(form.meeting_rhythm),
        meeting_place: Some(form.meeting_place),
        online_only: Some(form.online_only.is_some()),
        status: Status::parse(&form.status),
        ..Default::default()
    };
    let result = groups::update(&state, &session, &slug, change)
        .await
        .map(|_| see_other(&format!("/g/{slug}/instellingen")));
    or_error_page(&req, &state, true, result)
}

async fn remove_leader(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let result = membership::remove_leader(&state, &session, &slug, &id)
        .await
        .map(|_| see_other(&format!("/g/{slug}/instellingen")));
    or_error_page(&req, &state, true, result)
}

#[derive(Template)]
#[template(path = "steunpunt.html")]
struct SteunpuntPage {
    layout: Layout,
    slug: String,
    cards: Vec<Card>,
    themes: Vec<Choice>,
    modes: Vec<Choice>,
    join_policies: Vec<Choice>,
}

async fn steunpunt_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let entries = crate::steunpunten::groups_of(&state, &session, &slug).await?;
        let layout = Layout::new(&req, &state, true);
        let t = layout.t;
        Ok(render(
            StatusCode::OK,
            &SteunpuntPage {
                slug: slug.into_inner(),
                cards: entries.into_iter().map(|e| card(t, e)).collect(),
                themes: choices(t, "theme", Theme::ALL, Theme::as_str, None),
                modes: choices(t, "mode", Mode::ALL, Mode::as_str, Some(Mode::Closed)),
                join_policies: choices(t, "join", JoinPolicy::ALL, JoinPolicy::as_str, None),
                layout,
            },
        ))
    }
    .await;
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct NewGroupForm {
    slug: String,
    name: String,
    theme: String,
    mode: String,
    join_policy: Option<String>,
    listed: Option<String>,
    region: Option<String>,
}

async fn create_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    steunpunt: web::Path<String>,
    form: web::Form<NewGroupForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let result = async {
        let new = NewGroup {
            steunpunt: steunpunt.into_inner(),
            slug: form.slug.trim().to_lowercase(),
            name: form.name,
            mode: Mode::parse(&form.mode)
                .ok_or_else(|| AppError::invalid("invalid_field", "Unknown mode."))?,
            join_policy: form.join_policy.as_deref().and_then(JoinPolicy::parse),
            listed: form.listed.is_some(),
            description: String::new(),
            theme: Theme::parse(&form.theme)
                .ok_or_else(|| AppError::invalid("invalid_field", "Unknown theme."))?,
            region: form.region.unwrap_or_default(),
            meeting_rhythm: String::new(),
            meeting_place: String::new(),
            online_only: false,
            status: None,
            house_rules: String::new(),
        };
        let entry = groups::create(&state, &session, new).await?;
        Ok(see_other(&format!("/g/{}/instellingen", entry.slug)))
    }
    .await;
    or_error_page(&req, &state, true, result)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::policy::SteunpuntAction as S;
    use Access::{Group, Steunpunt};
    use Action as A;
    use Method as M;
    routes::add(
        cfg,
        M::GET,
        "/groepen",
        &[Group(A::SeeInDirectory)],
        directory,
    );
    routes::add(cfg, M::GET, "/g/{slug}", &[Group(A::ViewGroup)], group);
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/join",
        &[Group(A::Join), Group(A::JoinWithInvite)],
        join,
    );
    routes::add(cfg, M::POST, "/g/{slug}/leave", &[Group(A::Leave)], leave);
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/rename",
        &[Group(A::ChangeDisplayName)],
        rename,
    );
    routes::add(
        cfg,
        M::GET,
        "/g/{slug}/leden",
        &[Group(A::ListMembers)],
        members,
    );
    routes::add(
        cfg,
        M::GET,
        "/g/{slug}/beheer",
        &[Group(A::ViewJoinRequests)],
        leaders_page,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/beheer/verzoeken/{id}",
        &[Group(A::DecideJoinRequest)],
        decide,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/beheer/uitnodigingen",
        &[Group(A::ManageInvites)],
        create_member_invite,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/beheer/uitnodigingen/{id}/intrekken",
        &[Group(A::ManageInvites), Group(A::AppointLeader)],
        revoke_invite,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/beheer/leden/{id}/{what}",
        &[Group(A::ModerateMembers)],
        moderate,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/beheer/huisregels",
        &[Group(A::EditHouseRules)],
        house_rules,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/toegang",
        &[Group(A::MakeMoreClosed), Group(A::MakeMoreOpen)],
        change_access,
    );
    routes::add(
        cfg,
        M::GET,
        "/g/{slug}/instellingen",
        &[Group(A::EditDirectoryEntry)],
        settings_page,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/instellingen",
        &[Group(A::EditDirectoryEntry)],
        save_settings,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/instellingen/begeleider-uitnodiging",
        &[Group(A::AppointLeader)],
        create_leader_invite,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/instellingen/begeleiders/{id}/verwijderen",
        &[Group(A::RemoveLeader)],
        remove_leader,
    );
    routes::add(
        cfg,
        M::GET,
        "/steunpunt/{slug}",
        &[Steunpunt(S::Administer)],
        steunpunt_page,
    );
    routes::add(
        cfg,
        M::POST,
        "/steunpunt/{slug}/groepen",
        &[Steunpunt(S::CreateGroup)],
        create_group,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_label_the_group_pages_build_exists() {
        for lang in [Lang::Nl, Lang::En] {
            let t = lang.catalogue();
            let mut keys = vec![];
            keys.extend(Theme::ALL.iter().map(|v| format!("theme.{}", v.as_str())));
            keys.extend(Mode::ALL.iter().map(|v| format!("mode.{}", v.as_str())));
            keys.extend(Mode::ALL.iter().map(|v| format!("join.{}", v.as_str())));
            keys.extend(
                JoinPolicy::ALL
                    .iter()
                    .map(|v| format!("join.{}", v.as_str())),
            );
            keys.extend(Status::ALL.iter().map(|v| format!("status.{}", v.as_str())));
            keys.extend(
                [
                    modlog::MEMBER_BANNED,
                    modlog::MEMBER_UNBANNED,
                    modlog::MEMBER_MUTED,
                    modlog::MEMBER_UNMUTED,
                    modlog::JOIN_APPROVED,
                    modlog::JOIN_DECLINED,
                    modlog::LEADER_JOINED,
                    modlog::LEADER_REMOVED,
                    modlog::HOUSE_RULES_CHANGED,
                    modlog::ACCESS_CHANGED,
                ]
                .iter()
                .map(|a| format!("modlog.{a}")),
            );
            for key in keys {
                assert_ne!(t.get(&key), key, "{key} missing in {lang:?}");
            }
        }
    }
}
