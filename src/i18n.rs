//! Message catalogues (Dutch by default, English second) and the visitor's language.
//!
//! The catalogues live in `frontend/i18n/*.toml`, are embedded at compile time and checked
//! by tests to hold the same keys. The language comes from the `kring_lang` cookie only.

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::sync::LazyLock;

use actix_web::{FromRequest, HttpRequest, dev::Payload};

pub const LANG_COOKIE: &str = "kring_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

pub struct Catalogue {
    messages: HashMap<String, String>,
}

fn flatten(prefix: &str, value: &toml::Value, into: &mut HashMap<String, String>) {
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, into);
            }
        }
        toml::Value::String(s) => {
            into.insert(prefix.to_string(), s.clone());
        }
        other => {
            into.insert(prefix.to_string(), other.to_string());
        }
    }
}

impl Catalogue {
    fn parse(source: &str) -> Catalogue {
        let value: toml::Value = toml::from_str(source).expect("embedded catalogue is valid TOML");
        let mut messages = HashMap::new();
        flatten("", &value, &mut messages);
        Catalogue { messages }
    }

    /// The message for `key`; the key itself when missing (the catalogue tests catch that).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.messages.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The message for an error code, or the generic one.
    pub fn error<'a>(&'a self, code: &str) -> &'a str {
        self.messages
            .get(&format!("error.{code}"))
            .or_else(|| self.messages.get("error.generic"))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.messages.keys()
    }
}

static NL: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::parse(include_str!("../frontend/i18n/nl.toml")));
static EN: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::parse(include_str!("../frontend/i18n/en.toml")));

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Nl => Lang::En,
            Lang::En => Lang::Nl,
        }
    }

    pub fn catalogue(self) -> &'static Catalogue {
        match self {
            Lang::Nl => &NL,
            Lang::En => &EN,
        }
    }

    pub fn of(req: &HttpRequest) -> Lang {
        req.cookie(LANG_COOKIE)
            .and_then(|c| Lang::from_code(c.value()))
            .unwrap_or(Lang::Nl)
    }
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn catalogues_hold_the_same_keys() {
        let nl: BTreeSet<_> = Lang::Nl.catalogue().keys().collect();
        let en: BTreeSet<_> = Lang::En.catalogue().keys().collect();
        let only_nl: Vec<_> = nl.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&nl).collect();
        assert!(
            only_nl.is_empty() && only_en.is_empty(),
            "nl only: {only_nl:?}; en only: {only_en:?}"
        );
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let mut used = BTreeSet::new();
        let mut sources = vec![];
        let mut dirs = vec![
            std::path::PathBuf::from("frontend/templates"),
            std::path::PathBuf::from("src/pages"),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    sources.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        for source in &sources {
            for part in source.split(".get(\"").skip(1) {
                if let Some(key) = part.split('"').next() {
                    used.insert(key.to_string());
                }
            }
        }
        assert!(used.len() > 20, "found only {} keys", used.len());
        for key in used {
            for lang in [Lang::Nl, Lang::En] {
                assert_ne!(lang.catalogue().get(&key), key, "{key} missing in {lang:?}");
            }
        }
    }

    #[test]
    fn every_client_error_code_has_a_message() {
        for code in [
            "login_name_length",
            "login_name_invisible",
            "login_name_characters",
            "password_length",
            "password_common",
            "password_is_login",
            "login_taken",
            "invalid_credentials",
            "invalid_recovery_code",
            "wrong_password",
            "rate_limited",
            "busy",
            "origin_mismatch",
            "retention_out_of_bounds",
        ] {
            assert_ne!(
                Lang::Nl.catalogue().error(code),
                Lang::Nl.catalogue().error("x"),
                "{code}"
            );
        }
    }
}
