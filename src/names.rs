//! Names people choose: login names now, display names per group later.
//!
//! Owns the one rule set for them (Unicode NFKC; 3-32 letters, digits, `_` or `-`; no bidi
//! controls or zero-width characters) and the case-insensitive key used for uniqueness.

use unicode_normalization::UnicodeNormalization;

use crate::error::AppError;

pub const MIN_CHARS: usize = 3;
pub const MAX_CHARS: usize = 32;

/// A name that passed the rules: `shown` keeps the person's casing, `key` is for comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedName {
    pub shown: String,
    pub key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    Length,
    Invisible,
    Characters,
}

impl NameError {
    /// As a client error, with a code prefixed by what kind of name it is.
    pub fn into_app_error(self, what: NameKind) -> AppError {
        let (code, message) = match (what, self) {
            (NameKind::Login, NameError::Length) => {
                ("login_name_length", "A login name has 3 to 32 characters.")
            }
            (NameKind::Login, NameError::Invisible) => (
                "login_name_invisible",
                "A login name may not contain invisible or direction-changing characters.",
            ),
            (NameKind::Login, NameError::Characters) => (
                "login_name_characters",
                "A login name may contain only letters, digits, _ and -.",
            ),
            (NameKind::Display, NameError::Length) => (
                "display_name_length",
                "A display name has 3 to 32 characters.",
            ),
            (NameKind::Display, NameError::Invisible) => (
                "display_name_invisible",
                "A display name may not contain invisible or direction-changing characters.",
            ),
            (NameKind::Display, NameError::Characters) => (
                "display_name_characters",
                "A display name may contain only letters, digits, _ and -.",
            ),
        };
        AppError::invalid(code, message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Login,
    /// The name a member is known by in one group.
    Display,
}

/// Bidirectional controls, zero-width and other default-ignorable characters (fillers,
/// variation selectors, tags): they make two names look alike or a name look empty.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
        | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

pub fn check(raw: &str) -> Result<CheckedName, NameError> {
    let trimmed = raw.trim();
    let shown: String = trimmed.nfkc().collect();
    if trimmed.chars().chain(shown.chars()).any(is_invisible) {
        return Err(NameError::Invisible);
    }
    let count = shown.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&count) {
        return Err(NameError::Length);
    }
    if !shown
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(NameError::Characters);
    }
    // Upper then lower approximates full case folding: "STRASSE" and "straße" meet.
    let key: String = shown.to_uppercase().to_lowercase().nfkc().collect();
    Ok(CheckedName { shown, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_underscore_dash_in_any_script() {
        for ok in ["anna", "Zon_op-7", "Ærø", "ملاك", "日本語", "abc"] {
            assert!(check(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn normalises_and_folds_case() {
        let a = check("  ＡＮＮＡ ").unwrap(); // full-width letters, NFKC makes them ASCII
        assert_eq!(a.shown, "ANNA");
        assert_eq!(a.key, "anna");
        assert_eq!(check("Anna").unwrap().key, check("aNNa").unwrap().key);
        assert_eq!(check("STRASSE").unwrap().key, check("straße").unwrap().key);
    }

    #[test]
    fn refuses_bad_lengths_characters_and_invisibles() {
        assert_eq!(check("ab"), Err(NameError::Length));
        assert_eq!(check(&"a".repeat(33)), Err(NameError::Length));
        assert!(check(&"a".repeat(32)).is_ok());
        assert_eq!(check("an na"), Err(NameError::Characters));
        assert_eq!(check("anna!"), Err(NameError::Characters));
        assert_eq!(check("an<b>"), Err(NameError::Characters));
        assert_eq!(check("an\u{200B}na"), Err(NameError::Invisible));
        assert_eq!(check("anna\u{202E}"), Err(NameError::Invisible));
        assert_eq!(check("an\u{2066}na"), Err(NameError::Invisible));
        assert_eq!(check("\u{FEFF}anna"), Err(NameError::Invisible));
        assert_eq!(check("\u{3164}\u{3164}\u{3164}"), Err(NameError::Invisible));
        assert_eq!(check("anna\u{FE0F}"), Err(NameError::Invisible));
    }
}
