//! The steunpunt's and the instance's own actions: creating steunpunten, groups and staff
//! accounts, appointing steunpunt admins, and the admin views.

use super::Decision::{self, Allow, Deny};
use super::{AccountRole, Denial};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SteunpuntAction {
    CreateSteunpunt,
    /// The instance admin's page: every steunpunt, staff accounts, admins.
    ManageInstance,
    CreateStaffAccount,
    AppointSteunpuntAdmin,
    CreateGroup,
    /// See the steunpunt's own admin view (every group, listed or not).
    Administer,
    /// Change the steunpunt's time zone and the bounds of its groups' retention.
    ChangeSettings,
}

impl SteunpuntAction {
    pub const EVERY: [SteunpuntAction; 7] = [
        SteunpuntAction::CreateSteunpunt,
        SteunpuntAction::ManageInstance,
        SteunpuntAction::CreateStaffAccount,
        SteunpuntAction::AppointSteunpuntAdmin,
        SteunpuntAction::CreateGroup,
        SteunpuntAction::Administer,
        SteunpuntAction::ChangeSettings,
    ];
}

/// Who is asking, as far as one steunpunt (or the instance) is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteunpuntActor {
    /// `None` for a guest.
    pub account: Option<AccountRole>,
    /// Admin of the steunpunt in question.
    pub admin_here: bool,
}

pub fn decide_steunpunt(actor: &SteunpuntActor, action: SteunpuntAction) -> Decision {
    let Some(role) = actor.account else {
        return Deny(Denial::LoginRequired);
    };
    let instance_admin = role == AccountRole::InstanceAdmin;
    Decision::allowed_if(match action {
        SteunpuntAction::CreateSteunpunt
        | SteunpuntAction::ManageInstance
        | SteunpuntAction::CreateStaffAccount
        | SteunpuntAction::AppointSteunpuntAdmin => instance_admin,
        SteunpuntAction::CreateGroup
        | SteunpuntAction::Administer
        | SteunpuntAction::ChangeSettings => actor.admin_here,
    })
}

/// May `actor` make the account of role `target` an admin of a steunpunt?
pub fn decide_appointment(actor: &SteunpuntActor, target: AccountRole) -> Decision {
    match decide_steunpunt(actor, SteunpuntAction::AppointSteunpuntAdmin) {
        Allow if target == AccountRole::Staff => Allow,
        Allow => Deny(Denial::TargetNotStaff),
        denied => denied,
    }
}
