//! Group pages, one file per feature: the directory (sociale kaart), a group's own page with
//! joining (and the page that asks for an invite code), the leaders' page, and the
//! steunpunt's pages.
//!
//! Like every page, these call the service layer, which asks the policy; they show only what
//! the policy's decisions say (allowed actions, join forms), and compare no roles themselves.

mod directory;
mod group;
mod leaders;
mod steunpunt;

pub(crate) use group::room_refused;

use actix_web::{HttpRequest, HttpResponse, web};

use super::error_page;
use crate::error::AppError;
use crate::groups::DirectoryEntry;
use crate::i18n::Catalogue;
use crate::state::AppState;

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

pub fn configure(cfg: &mut web::ServiceConfig) {
    directory::configure(cfg);
    group::configure(cfg);
    leaders::configure(cfg);
    steunpunt::configure(cfg);
}

#[cfg(test)]
mod tests {
    use crate::groups::modlog::ModlogAction;
    use crate::groups::{Status, Theme};
    use crate::i18n::Lang;
    use crate::policy::{JoinPolicy, Mode};

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
                ModlogAction::ALL
                    .iter()
                    .map(|a| format!("modlog.{}", a.as_str())),
            );
            for key in keys {
                assert_ne!(t.get(&key), key, "{key} missing in {lang:?}");
            }
        }
    }
}
