//! The leaders' page (`/g/{slug}/beheer`): join requests, invite cards for the meeting,
//! members with their sanctions, house rules, making the group more closed, the steunpunt's
//! proposals to open it, and the moderation log. Also the printable invite card.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Card, Choice, card, choices, empty_to_none, or_error_page};
use crate::error::AppError;
use crate::groups::invites::{self, CreatedInvite, InviteView, NewInvite};
use crate::groups::members::{self, MemberView, SanctionKind};
use crate::groups::modlog::{self, ModlogEntry};
use crate::groups::requests::{self, PendingRequest};
use crate::groups::settings::{self, ProposalView};
use crate::groups::{self, GroupChange, with_access};
use crate::i18n::Catalogue;
use crate::pages::{Layout, render, see_other};
use crate::policy::{self, Action, JoinPolicy, MemberAction, MemberRole, Mode};
use crate::sessions::Session;
use crate::state::AppState;
use crate::web::auth::PageSession;
use crate::web::routes::{self, Access};

#[derive(Template)]
#[template(path = "group_leaders.html")]
struct LeadersPage {
    layout: Layout,
    card: Card,
    requests: Vec<PendingRequest>,
    invites: Vec<InviteView>,
    members: Vec<MemberLine>,
    house_rules: String,
    closer_modes: Vec<Choice>,
    join_policies: Vec<Choice>,
    proposal: Option<ProposalLine>,
    log: Vec<LogLine>,
    /// "I'm worried" reports waiting in the review queue.
    worried: i64,
    retention: crate::retention::GroupRetention,
    bounds: crate::retention::RetentionBounds,
    /// The group's retention in the words its members read.
    retention_words: String,
    /// When the oldest forum post and the oldest chat message will go, if any wait.
    post_goes: Option<String>,
    message_goes: Option<String>,
}

/// A modlog entry with its action in the visitor's language.
struct LogLine {
    on: String,
    label: String,
    target: Option<String>,
    reason: Option<String>,
}

/// The steunpunt's proposal, in words.
struct ProposalLine {
    mode: String,
    join: Option<String>,
    listed: bool,
    on: String,
}

fn proposal_line(t: &Catalogue, p: ProposalView) -> ProposalLine {
    ProposalLine {
        mode: t.get(&format!("mode.{}", p.mode.as_str())).to_string(),
        join: p
            .join_policy
            .map(|j| t.get(&format!("join.{}", j.as_str())).to_string()),
        listed: p.listed,
        on: p.proposed_on,
    }
}

fn log_lines(t: &Catalogue, entries: Vec<ModlogEntry>) -> Vec<LogLine> {
    entries
        .into_iter()
        .map(|e| LogLine {
            label: t.get(&format!("modlog.{}", e.action.as_str())).to_string(),
            on: e.on,
            target: e.target,
            reason: e.reason,
        })
        .collect()
}

/// A member on the leaders' page, with what the policy lets the leader do to them.
struct MemberLine {
    m: MemberView,
    can_sanction: bool,
    can_lift: bool,
}

fn member_lines(members: Vec<MemberView>) -> Vec<MemberLine> {
    let may = |m: &MemberView, action: MemberAction| m.may.contains(&action.name());
    members
        .into_iter()
        .map(|m| MemberLine {
            can_sanction: may(&m, MemberAction::Ban) && may(&m, MemberAction::Mute),
            can_lift: may(&m, MemberAction::LiftSanction),
            m,
        })
        .collect()
}

struct LeadersData {
    access: groups::GroupAccess,
    requests: Vec<PendingRequest>,
    invites: Vec<InviteView>,
    members: Vec<MemberView>,
    proposal: Option<ProposalView>,
    log: Vec<ModlogEntry>,
    worried: i64,
    first_to_go: (Option<i64>, Option<i64>),
}

async fn leaders_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
) -> HttpResponse {
    let held_days = state.settings.retention.held_post_days;
    let result = async {
        let data = with_access(&state, Some(&session), &slug, move |conn, access| {
            access.check(Action::ViewJoinRequests)?;
            Ok(LeadersData {
                requests: requests::pending(conn, access)?,
                invites: invites::list(conn, access)?,
                members: members::list(conn, access)?,
                proposal: settings::proposal(conn, access)?,
                log: modlog::list(conn, access)?,
                worried: crate::forum::reports::worried_count(conn, access)?,
                first_to_go: crate::retention::first_to_go(conn, &access.group, held_days)?,
                access: access.clone(),
            })
        })
        .await?;
        let layout = Layout::for_group(&req, &state, true, &data.access.group);
        let t = layout.t;
        let group = &data.access.group;
        let (modes, policies) = policy::closing_choices(group.access_settings());
        Ok(render(
            StatusCode::OK,
            &LeadersPage {
                card: card(t, group.entry()),
                requests: data.requests,
                invites: data.invites,
                members: member_lines(data.members),
                house_rules: group.house_rules.clone(),
                closer_modes: choices(t, "mode", &modes, Mode::as_str, Some(group.mode)),
                join_policies: choices(
                    t,
                    "join",
                    &policies,
                    JoinPolicy::as_str,
                    Some(group.join_policy),
                ),
                proposal: data.proposal.map(|p| proposal_line(t, p)),
                log: log_lines(t, data.log),
                worried: data.worried,
                retention: group.retention(),
                bounds: group.retention_bounds(&state.settings),
                retention_words: super::group::retention_words(t, group.retention()),
                // The day (UTC); the purge runs every few minutes within it.
                post_goes: data.first_to_go.0.map(day),
                message_goes: data.first_to_go.1.map(day),
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
pub(super) struct InviteForm {
    max_uses: Option<String>,
    expires_in_days: Option<String>,
}

/// Makes an invite of `role` and shows its printable card.
pub(super) async fn invite_card(
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
    let group = groups::authorize(state, Some(session), slug, Action::ViewGroup)
        .await?
        .group;
    let join_url = format!("{}/g/{slug}?code={}", site_origin(req, state), invite.code);
    let page = InviteCardPage {
        layout: Layout::for_group(req, state, true, &group),
        group_name: group.name,
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
    let role = MemberRole::Member;
    let result = invite_card(&req, &state, &session, &slug, role, form.into_inner(), back).await;
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
        let kind = match what.as_str() {
            "ban" | "unban" => SanctionKind::Ban,
            "mute" | "unmute" => SanctionKind::Mute,
            _ => return Err(AppError::not_found()),
        };
        if what.starts_with("un") {
            members::lift(&state, &session, &slug, &id, kind).await?;
        } else {
            let until = empty_to_none(&form.days)
                .map(|d| {
                    d.parse::<i64>()
                        .ok()
                        .filter(|d| (1..=3650).contains(d))
                        .map(|d| crate::time::rfc3339(crate::time::now() + d * 24 * 3600))
                        .ok_or_else(|| {
                            AppError::invalid("invalid_until", "days is a number from 1 to 3650.")
                        })
                })
                .transpose()?;
            let sanction = members::Sanction {
                reason: form.reason.clone().unwrap_or_default(),
                until,
            };
            members::sanction(&state, &session, &slug, &id, kind, sanction).await?;
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
struct RetentionForm {
    post_days: String,
    pinned_days: String,
    chat_hours: String,
}

async fn retention(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<RetentionForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let number = |field: &str, raw: &str| {
        raw.trim().parse::<u32>().map_err(|_| {
            AppError::invalid("invalid_field", format!("{field} must be a whole number."))
        })
    };
    let result = async {
        let change = GroupChange {
            retention: Some(crate::retention::RetentionChange {
                post_days: Some(number("post_days", &form.post_days)?),
                pinned_days: Some(number("pinned_days", &form.pinned_days)?),
                chat_hours: Some(number("chat_hours", &form.chat_hours)?),
            }),
            ..Default::default()
        };
        groups::update(&state, &session, &slug, change).await?;
        Ok(see_other(&format!("/g/{slug}/beheer#retention")))
    }
    .await;
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct AccessForm {
    mode: String,
    join_policy: Option<String>,
    /// Present when the box "listed in the directory" is ticked.
    listed: Option<String>,
    /// Where to return to.
    back: Option<String>,
}

/// A change of access from the leaders' page (more closed) or the steunpunt's settings page
/// (more open becomes a proposal); the policy decides which it is.
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
            join_policy: form
                .join_policy
                .as_deref()
                .filter(|p| !p.is_empty())
                .map(|p| {
                    JoinPolicy::parse(p)
                        .ok_or_else(|| AppError::invalid("invalid_field", "Unknown join policy."))
                })
                .transpose()?,
            listed: Some(form.listed.is_some()),
            ..Default::default()
        };
        let changed = groups::update(&state, &session, &slug, change).await?;
        let back = match form.back.as_deref() {
            Some("instellingen") => format!("/g/{slug}/instellingen"),
            _ => format!("/g/{slug}/beheer"),
        };
        let done = if changed.proposal.is_some() {
            "?done=proposed"
        } else {
            ""
        };
        Ok(see_other(&format!("{back}{done}")))
    }
    .await;
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct AcceptForm {
    confirm_wider_audience: Option<String>,
}

async fn accept_proposal(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<AcceptForm>,
) -> HttpResponse {
    let confirm = form.confirm_wider_audience.is_some();
    let result = settings::accept_proposal(&state, &session, &slug, confirm)
        .await
        .map(|_| see_other(&format!("/g/{slug}/beheer")));
    or_error_page(&req, &state, true, result)
}

#[derive(Deserialize)]
struct DropForm {
    back: Option<String>,
}

async fn drop_proposal(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<DropForm>,
) -> HttpResponse {
    let back = match form.back.as_deref() {
        Some("instellingen") => format!("/g/{slug}/instellingen"),
        _ => format!("/g/{slug}/beheer"),
    };
    let result = settings::drop_proposal(&state, &session, &slug)
        .await
        .map(|_| see_other(&back));
    or_error_page(&req, &state, true, result)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use Access::{Group, Member};
    use Action as A;
    use Method as M;
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
        &[
            Member(MemberAction::Ban),
            Member(MemberAction::Mute),
            Member(MemberAction::LiftSanction),
        ],
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
        "/g/{slug}/beheer/bewaren",
        &[Group(A::SetRetention)],
        retention,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/toegang",
        &[
            Group(A::MakeMoreClosed),
            Group(A::SetAccessFreely),
            Group(A::ProposeMoreOpen),
        ],
        change_access,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/voorstel/aanvaarden",
        &[Group(A::AcceptProposal)],
        accept_proposal,
    );
    routes::add(
        cfg,
        M::POST,
        "/g/{slug}/voorstel/intrekken",
        &[Group(A::SeeProposal)],
        drop_proposal,
    );
}

/// A unix time as its day, "2026-12-01" (UTC).
fn day(unix: i64) -> String {
    crate::time::rfc3339(unix).chars().take(10).collect()
}
