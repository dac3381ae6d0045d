//! `/api/v1/groups/...` and `/api/v1/join-requests/...`: the directory, group settings,
//! memberships, join requests, invites, bans and mutes, the moderation log.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{AppError, ErrorBody};
use crate::groups::invites::{self, CreatedInvite, InviteView, NewInvite};
use crate::groups::joining::{self, JoinRequestBody, Joined};
use crate::groups::members::{self, MemberView, Sanction, SanctionKind};
use crate::groups::modlog::{self, ModlogEntry};
use crate::groups::requests::{self, Decided, Decision, OwnRequest, PendingRequest};
use crate::groups::settings::{self, Changed, ProposalView};
use crate::groups::{
    self, DirectoryEntry, DirectoryFilter, GroupChange, GroupView, NewGroup, OwnMembership,
    with_access,
};
use crate::state::AppState;
use crate::web::auth::{Authenticated, MaybeAuthenticated};
use crate::web::client;

/// The directory (sociale kaart): every group you may see, filtered.
#[utoipa::path(get, path = "/api/v1/groups", params(DirectoryFilter),
    responses((status = 200, body = [DirectoryEntry]), (status = 400, body = ErrorBody)))]
pub async fn directory(
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    filter: web::Query<DirectoryFilter>,
) -> Result<HttpResponse, AppError> {
    let entries = groups::directory(&state, session.as_ref(), filter.into_inner()).await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// Create a group (steunpunt admin).
#[utoipa::path(post, path = "/api/v1/groups", request_body = NewGroup, security(("bearer" = [])),
    responses((status = 201, body = DirectoryEntry), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "slug_taken"), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, AppError> {
    let entry = groups::create(&state, &session, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(entry))
}

/// A group's directory entry, house rules and what you may do there.
#[utoipa::path(get, path = "/api/v1/groups/{slug}",
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = with_access(&state, session.as_ref(), &slug, settings::view).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change a group: directory data (steunpunt admin), house rules (leaders), access (more
/// closed: leaders; more open: steunpunt admin, with `confirm_wider_audience`).
#[utoipa::path(patch, path = "/api/v1/groups/{slug}", request_body = GroupChange,
    security(("bearer" = [])),
    responses((status = 200, body = Changed), (status = 202, body = Changed, description = "more open: proposed, waiting for a leader"),
        (status = 403, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<GroupChange>,
) -> Result<HttpResponse, AppError> {
    let changed = groups::update(&state, &session, &slug, body.into_inner()).await?;
    Ok(match changed.proposal {
        Some(_) => HttpResponse::Accepted().json(changed),
        None => HttpResponse::Ok().json(changed),
    })
}

/// Join: 201 when you are a member, 202 when a leader decides first.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/members", request_body = JoinRequestBody,
    security(("bearer" = [])),
    responses((status = 201, body = Joined), (status = 202, body = Joined),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<JoinRequestBody>,
) -> Result<HttpResponse, AppError> {
    let source = client::source_key(&req, &state.settings.server.trusted_proxies);
    let joined = joining::join(&state, &session, source, &slug, body.into_inner()).await?;
    Ok(match joined {
        Joined::Active { .. } => HttpResponse::Created().json(joined),
        Joined::Pending { .. } => HttpResponse::Accepted().json(joined),
    })
}

/// The members (members and leaders only). Ids are per membership.
#[utoipa::path(get, path = "/api/v1/groups/{slug}/members",
    responses((status = 200, body = [MemberView]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn members(
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = with_access(&state, session.as_ref(), &slug, members::list).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub display_name: String,
}

/// Change my display name in this group.
#[utoipa::path(patch, path = "/api/v1/groups/{slug}/members/me", request_body = Rename,
    security(("bearer" = [])),
    responses((status = 200, body = OwnMembership), (status = 409, body = ErrorBody)))]
pub async fn rename(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<Rename>,
) -> Result<HttpResponse, AppError> {
    let own = joining::rename(&state, &session, &slug, &body.display_name).await?;
    Ok(HttpResponse::Ok().json(own))
}

/// Leave the group: my membership (or waiting request) is erased.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/members/me", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn leave(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    joining::leave(&state, &session, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn sanction(
    state: web::Data<AppState>,
    session: crate::sessions::Session,
    path: web::Path<(String, String)>,
    kind: SanctionKind,
    body: Sanction,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let view = members::sanction(&state, &session, &slug, &id, kind, body).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Ban a member (leaders), for a time or for good.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/members/{id}/ban", request_body = Sanction,
    security(("bearer" = [])),
    responses((status = 200, body = MemberView), (status = 403, body = ErrorBody)))]
pub async fn ban(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
    body: web::Json<Sanction>,
) -> Result<HttpResponse, AppError> {
    sanction(state, session, path, SanctionKind::Ban, body.into_inner()).await
}

/// Mute a member (leaders): they read but cannot write.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/members/{id}/mute", request_body = Sanction,
    security(("bearer" = [])),
    responses((status = 200, body = MemberView), (status = 403, body = ErrorBody)))]
pub async fn mute(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
    body: web::Json<Sanction>,
) -> Result<HttpResponse, AppError> {
    sanction(state, session, path, SanctionKind::Mute, body.into_inner()).await
}

/// Lift a ban.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/members/{id}/ban", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn unban(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    members::lift(&state, &session, &slug, &id, SanctionKind::Ban).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lift a mute.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/members/{id}/mute", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn unmute(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    members::lift(&state, &session, &slug, &id, SanctionKind::Mute).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The group's leaders (steunpunt admin).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/leaders", security(("bearer" = [])),
    responses((status = 200, body = [MemberView]), (status = 403, body = ErrorBody)))]
pub async fn leaders(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = with_access(&state, Some(&session), &slug, members::leaders).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Remove a leader (steunpunt admin); they stay a member.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/leaders/{id}", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn remove_leader(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    members::remove_leader(&state, &session, &slug, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My own join request: pending, or declined with the leader's reason (shown once).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/join-request", security(("bearer" = [])),
    responses((status = 200, body = OwnRequest), (status = 404, body = ErrorBody)))]
pub async fn own_request(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match with_access(&state, Some(&session), &slug, requests::own).await? {
        Some(request) => Ok(HttpResponse::Ok().json(request)),
        None => Err(AppError::not_found()),
    }
}

/// Waiting join requests with their introductions (leaders).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/join-requests", security(("bearer" = [])),
    responses((status = 200, body = [PendingRequest]), (status = 403, body = ErrorBody)))]
pub async fn join_requests(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = with_access(&state, Some(&session), &slug, requests::pending).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Approve or decline a join request (leaders). A decline needs a reason.
#[utoipa::path(post, path = "/api/v1/join-requests/{id}/decision", request_body = Decision,
    security(("bearer" = [])),
    responses((status = 200, body = Decided), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn decide(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    id: web::Path<String>,
    body: web::Json<Decision>,
) -> Result<HttpResponse, AppError> {
    let decided = requests::decide(&state, &session, &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(decided))
}

/// Make an invite code: `member` (leaders) or `leader` (steunpunt admin).
#[utoipa::path(post, path = "/api/v1/groups/{slug}/invites", request_body = NewInvite,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedInvite), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_invite(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<NewInvite>,
) -> Result<HttpResponse, AppError> {
    let invite = invites::create(&state, &session, &slug, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(invite))
}

/// The invites you may manage (no codes: only their hashes are kept).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/invites", security(("bearer" = [])),
    responses((status = 200, body = [InviteView]), (status = 403, body = ErrorBody)))]
pub async fn list_invites(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = with_access(&state, Some(&session), &slug, invites::list).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Revoke an invite.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/invites/{id}", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_invite(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    invites::revoke(&state, &session, &slug, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The moderation log: in full for leaders, a neutral summary for members.
#[utoipa::path(get, path = "/api/v1/groups/{slug}/modlog",
    responses((status = 200, body = [ModlogEntry]), (status = 403, body = ErrorBody)))]
pub async fn modlog(
    state: web::Data<AppState>,
    MaybeAuthenticated(session): MaybeAuthenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let entries = with_access(&state, session.as_ref(), &slug, modlog::list).await?;
    Ok(HttpResponse::Ok().json(entries))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewName {
    /// The new display name (3-32 letters, digits, `_` or `-`).
    pub display_name: String,
}

/// Choose another display name after a leader approved my request but my first choice was
/// taken: 201 and I am a member.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/join-request/name", request_body = NewName,
    security(("bearer" = [])),
    responses((status = 201, body = OwnMembership), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn choose_name(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, AppError> {
    let name = joining::display_name(&body.display_name)?;
    let member = requests::choose_name(&state, &session, &slug, name).await?;
    Ok(HttpResponse::Created().json(member))
}

/// The steunpunt's waiting proposal to make the group more open (leaders, steunpunt admin).
#[utoipa::path(get, path = "/api/v1/groups/{slug}/access-proposal", security(("bearer" = [])),
    responses((status = 200, body = ProposalView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn proposal(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let found = with_access(&state, Some(&session), &slug, |conn, access| {
        access.check(crate::policy::Action::SeeProposal)?;
        settings::proposal(conn, access)
    })
    .await?;
    found
        .map(|p| HttpResponse::Ok().json(p))
        .ok_or_else(AppError::not_found)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// Must be true: earlier content then reaches a wider audience than it was written for.
    #[serde(default)]
    pub confirm_wider_audience: bool,
}

/// A leader accepts the proposal, and the group becomes as open as proposed.
#[utoipa::path(post, path = "/api/v1/groups/{slug}/access-proposal/accept",
    request_body = Acceptance, security(("bearer" = [])),
    responses((status = 200, body = DirectoryEntry), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn accept_proposal(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
    body: web::Json<Acceptance>,
) -> Result<HttpResponse, AppError> {
    let confirm = body.confirm_wider_audience;
    let entry = settings::accept_proposal(&state, &session, &slug, confirm).await?;
    Ok(HttpResponse::Ok().json(entry))
}

/// A leader declines the proposal, or the steunpunt withdraws it.
#[utoipa::path(delete, path = "/api/v1/groups/{slug}/access-proposal", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn drop_proposal(
    state: web::Data<AppState>,
    Authenticated(session): Authenticated,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    settings::drop_proposal(&state, &session, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}
