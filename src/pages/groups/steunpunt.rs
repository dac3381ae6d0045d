//! The steunpunt's pages: a group's settings (directory data, leaders, leader invites, access
//! proposals) and the steunpunt's overview with every group and a form for a new one.
//! Structure, never content: nothing here reads a group's members or messages.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::leaders::{InviteForm, invite_card};
use super::{Card, Choice, card, choices, or_error_page};
use crate::error::AppError;
use crate::groups::members::{self, MemberView};
use crate::groups::settings::{self, ProposalView};
use crate::groups::{self, GroupChange, NewGroup, Status, Theme, with_access};
use crate::pages::{Layout, render, see_other};
use crate::policy::{Action, JoinPolicy, MemberAction, MemberRole, Mode, SteunpuntAction};
use crate::state::AppState;
use crate::web::auth::PageSession;
use crate::web::routes::{self, Access};

#[derive(Template)]
#[template(path = "group_settings.html")]
struct SettingsPage {
    layout: Layout,
    card: Card,
    themes: Vec<Choice>,
    statuses: Vec<Choice>,
    modes: Vec<Choice>,
    join_policies: Vec<Choice>,
    /// Leaders, each with whether the policy lets this admin remove them.
    leaders: Vec<(MemberView, bool)>,
    /// More open access takes effect at once (a new group) rather than as a proposal.
    opens_freely: bool,
    proposal: Option<ProposalView>,
    proposed: bool,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn settings_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> HttpResponse {
    let result = async {
        let (access, leaders, proposal) =
            with_access(&state, Some(&session), &slug, |conn, access| {
                access.check(Action::EditDirectoryEntry)?;
                let leaders = members::leaders(conn, access)?;
                Ok((access.clone(), leaders, settings::proposal(conn, access)?))
            })
            .await?;
        let layout = Layout::for_group(&req, &state, true, &access.group);
        let t = layout.t;
        let g = &access.group;
        let remove = MemberAction::RemoveLeaderRole.name();
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
                leaders: leaders
                    .into_iter()
                    .map(|l| {
                        let may = l.may.contains(&remove);
                        (l, may)
                    })
                    .collect(),
                opens_freely: access.may(Action::SetAccessFreely),
                proposal,
                proposed: query.done.as_deref() == Some("proposed"),
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

async fn create_leader_invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
    form: web::Form<InviteForm>,
) -> HttpResponse {
    let back = format!("/g/{slug}/instellingen");
    let role = MemberRole::Leader;
    let result = invite_card(&req, &state, &session, &slug, role, form.into_inner(), back).await;
    or_error_page(&req, &state, true, result)
}

async fn remove_leader(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let result = members::remove_leader(&state, &session, &slug, &id)
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
    /// Reports its groups' leaders sent on: the post and nothing else.
    escalated: Vec<crate::forum::reports::EscalatedReport>,
    reason_labels: Vec<String>,
}

async fn steunpunt_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    PageSession(session): PageSession,
    slug: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let entries = crate::steunpunten::groups_of(&state, &session, &slug).await?;
        let escalated = crate::forum::reports::escalated(&state, &session, &slug).await?;
        let layout = Layout::new(&req, &state, true);
        let t = layout.t;
        let reason_labels = escalated
            .iter()
            .map(|r| t.get(&format!("report.{}", r.reason.as_str())).to_string())
            .collect();
        Ok(render(
            StatusCode::OK,
            &SteunpuntPage {
                slug: slug.into_inner(),
                cards: entries.into_iter().map(|e| card(t, e)).collect(),
                themes: choices(t, "theme", Theme::ALL, Theme::as_str, None),
                modes: choices(t, "mode", Mode::ALL, Mode::as_str, Some(Mode::Closed)),
                join_policies: choices(t, "join", JoinPolicy::ALL, JoinPolicy::as_str, None),
                escalated,
                reason_labels,
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
            join_policy: form
                .join_policy
                .as_deref()
                .filter(|p| !p.is_empty())
                .map(|p| {
                    JoinPolicy::parse(p)
                        .ok_or_else(|| AppError::invalid("invalid_field", "Unknown join policy."))
                })
                .transpose()?,
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
    use Access::{Group, Member, Steunpunt};
    use Action as A;
    use Method as M;
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
        &[Member(MemberAction::RemoveLeaderRole)],
        remove_leader,
    );
    routes::add(
        cfg,
        M::GET,
        "/steunpunt/{slug}",
        &[Steunpunt(SteunpuntAction::Administer)],
        steunpunt_page,
    );
    routes::add(
        cfg,
        M::POST,
        "/steunpunt/{slug}/groepen",
        &[Steunpunt(SteunpuntAction::CreateGroup)],
        create_group,
    );
}
