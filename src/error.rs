//! The one error type of the service layer and its HTTP form.
//!
//! Client errors carry a machine code and a human message and are sent as
//! `{"error":"code","message":"..."}`. Internal errors are logged with their cause and sent
//! as a bare 500 without detail. Nothing here may put user input into a log line. The
//! policy's denials become client errors here: the policy decides, this module says it.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::policy::Denial;

#[derive(Debug)]
pub enum AppError {
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
        retry_after_secs: Option<u64>,
    },
    /// A failure on our side, with its cause kept for the log (never sent to the client).
    Internal(Box<dyn std::error::Error + Send + Sync + 'static>),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `invalid_credentials`.
    pub error: String,
    /// A human-readable explanation.
    pub message: String,
}

impl AppError {
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Client {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn unauthorized() -> Self {
        Self::client(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Log in first: this needs a session.",
        )
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::FORBIDDEN, code, message)
    }
    pub fn not_found() -> Self {
        Self::client(StatusCode::NOT_FOUND, "not_found", "There is nothing here.")
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::CONFLICT, code, message)
    }
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        AppError::Client {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "rate_limited",
            message: "Too many attempts. Wait a little and try again.".into(),
            retry_after_secs: Some(retry_after_secs.max(1)),
        }
    }
    pub fn busy() -> Self {
        AppError::Client {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "busy",
            message: "Kring is busy right now. Try again in a moment.".into(),
            retry_after_secs: Some(2),
        }
    }
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        AppError::Internal(cause.into())
    }

    /// The machine code; pages use it to pick a translated message.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Client { code, .. } => code,
            AppError::Internal(_) => "internal",
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Client { code, message, .. } => write!(f, "{code}: {message}"),
            AppError::Internal(cause) => write!(f, "internal error: {cause}"),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Client { .. } => None,
            AppError::Internal(cause) => Some(cause.as_ref()),
        }
    }
}

impl From<Denial> for AppError {
    fn from(denial: Denial) -> AppError {
        use StatusCode as S;
        let (status, code, message) = match denial {
            Denial::NotFound => return AppError::not_found(),
            Denial::LoginRequired => (
                S::UNAUTHORIZED,
                "login_required",
                "Log in first: this group's page needs an account.",
            ),
            Denial::Forbidden => (
                S::FORBIDDEN,
                "forbidden",
                "You may not do this in this group.",
            ),
            Denial::MembershipRequired => (
                S::CONFLICT,
                "membership_required",
                "Choose a display name for this group first.",
            ),
            Denial::AlreadyMember => (
                S::CONFLICT,
                "already_member",
                "You are already a member of this group.",
            ),
            Denial::AlreadyPending => (
                S::CONFLICT,
                "already_pending",
                "Your request to join is waiting for a leader's decision.",
            ),
            Denial::InviteRequired => (
                S::FORBIDDEN,
                "invite_required",
                "This group is joined with an invite code from its meeting.",
            ),
            Denial::InvalidInvite => (
                S::UNPROCESSABLE_ENTITY,
                "invalid_invite",
                "This invite code does not work (any more). Ask a leader for a new one.",
            ),
            Denial::StaffAccount => (
                S::FORBIDDEN,
                "staff_account",
                "Staff accounts do not join groups: a steunpunt informs, it never takes over a \
                 group. Use a member account of your own to take part.",
            ),
            Denial::TargetIsLeader => (
                S::FORBIDDEN,
                "cannot_sanction_leader",
                "A leader cannot be banned or muted; the steunpunt can remove a leader.",
            ),
            Denial::TargetNotLeader => {
                (S::CONFLICT, "not_a_leader", "This member is not a leader.")
            }
            Denial::TargetNotStaff => (
                S::UNPROCESSABLE_ENTITY,
                "not_staff",
                "Only staff accounts can be steunpunt admins; create one for this work.",
            ),
            Denial::LeaderMustAccept => (
                S::CONFLICT,
                "leader_must_accept",
                "Making this group more open is a proposal: a leader of the group accepts it first.",
            ),
            Denial::TopicLocked => (
                S::FORBIDDEN,
                "topic_locked",
                "This topic is locked: only the leaders write in it.",
            ),
            Denial::PostHeld => (
                S::CONFLICT,
                "post_held",
                "This post waits for review: approve or reject it.",
            ),
            Denial::NotHeld => (
                S::CONFLICT,
                "not_held",
                "This post is not waiting for review.",
            ),
            Denial::RoomLocked => (
                S::FORBIDDEN,
                "room_locked",
                "This room is locked: only the leaders write in it now.",
            ),
            Denial::RoomClosed => (
                S::CONFLICT,
                "room_closed",
                "This room is closed now: it opens at its next meeting.",
            ),
        };
        AppError::client(status, code, message)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        // SQLite gives up on a lock after `busy_timeout`: overload, not a bug.
        if let diesel::result::Error::DatabaseError(_, info) = &e
            && (info.message().contains("database is locked")
                || info.message().contains("database is busy"))
        {
            tracing::warn!("database busy");
            return AppError::busy();
        }
        AppError::internal(e)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Client { status, .. } => *status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (code, message) = match self {
            AppError::Client { code, message, .. } => (*code, message.as_str()),
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                ("internal", "Something went wrong on our side.")
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::Client {
            retry_after_secs: Some(secs),
            ..
        } = self
        {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(*secs)));
        }
        response.json(ErrorBody {
            error: code.to_string(),
            message: message.to_string(),
        })
    }
}
