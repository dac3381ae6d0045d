//! Kring: an online layer for self-help groups. See README.md and `../shared/design.md`.

/// An enum stored as text: the enum with its text for each variant, `as_str` for writing,
/// `parse` for reading input, and diesel's `ToSql`/`FromSql` so rows hold the enum itself.
/// A stored value that is not one of the variants is a database error, never a default.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
            pub fn parse(value: &str) -> Option<$name> {
                match value { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                $name::parse(&text).ok_or_else(|| {
                    format!("{} is not a {}", text, stringify!($name)).into()
                })
            }
        }
    };
}

pub mod accounts;
pub mod api;
pub mod blocking;
pub mod chat;
pub mod cli;
pub mod configuration;
pub mod db;
pub mod error;
pub mod forum;
pub mod groups;
pub mod i18n;
pub mod limits;
pub mod markdown;
pub mod metrics;
pub mod names;
pub mod operations;
pub mod pages;
pub mod policy;
pub mod retention;
pub mod scheduler;
pub mod secrets;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod steunpunten;
pub mod telemetry;
pub mod text;
pub mod time;
pub mod web;

#[cfg(test)]
mod tests {
    /// Every enum stored as text serialises to the same text in JSON.
    #[test]
    fn stored_text_and_json_agree() {
        fn check<T: serde::Serialize + Copy>(all: &[T], text: fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), text(*v));
            }
        }
        use crate::groups::modlog::ModlogAction;
        use crate::groups::requests::RequestState;
        use crate::groups::{Status, Theme};
        use crate::policy::{AccountRole, JoinPolicy, MemberRole, Mode};
        check(Mode::ALL, Mode::as_str);
        check(JoinPolicy::ALL, JoinPolicy::as_str);
        check(MemberRole::ALL, MemberRole::as_str);
        check(AccountRole::ALL, AccountRole::as_str);
        check(Theme::ALL, Theme::as_str);
        check(Status::ALL, Status::as_str);
        check(RequestState::ALL, RequestState::as_str);
        check(ModlogAction::ALL, ModlogAction::as_str);
    }
}
