//! Names people choose: login names, and display names per group.
//!
//! Owns the one rule set for them (Unicode NFKC; 3-32 letters, digits, `_` or `-`; no bidi
//! controls or zero-width characters) and the keys used for uniqueness: case-insensitive for
//! login names, and for display names also blind to look-alikes (the UTS #39 skeleton), so
//! "Аnna" with a Cyrillic А cannot stand beside "Anna".

mod display_keys;

pub use display_keys::{RefreshedKeys, refresh_display_keys};

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
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
        | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Upper then lower approximates full case folding: "STRASSE" and "straße" meet.
fn fold(name: &str) -> String {
    name.to_uppercase().to_lowercase().nfkc().collect()
}

/// The key display names in one group are compared by: the UTS #39 confusable skeleton of
/// the NFKC-case-folded name, folded once more because some prototypes are capitals (the
/// skeleton of "n00r" is "nOOr"). Only for comparing; never shown.
pub fn display_key(shown: &str) -> String {
    let skeleton: String = unicode_security::skeleton(&fold(shown)).collect();
    fold(&skeleton)
}

/// A display name: the rules of [`check`], with the look-alike-blind [`display_key`].
pub fn check_display(raw: &str) -> Result<CheckedName, NameError> {
    let CheckedName { shown, .. } = check(raw)?;
    let key = display_key(&shown);
    Ok(CheckedName { shown, key })
}

/// A login name (and the rules every name follows), with the case-folded key.
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
    // Login names keep this key: never shown, so a look-alike fools no one; accounts store it.
    let key = fold(&shown);
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

    fn same_display_key(a: &str, b: &str) -> bool {
        check_display(a).unwrap().key == check_display(b).unwrap().key
    }

    #[test]
    fn look_alike_display_names_share_a_key() {
        // A Cyrillic А (U+0410), a Greek ο (U+03BF), a Cyrillic о (U+043E).
        assert!(same_display_key("Anna", "\u{0410}nna"));
        assert!(same_display_key("Bob", "B\u{03BF}b"));
        assert!(same_display_key("Noor", "N\u{043E}\u{043E}r"));
        // TS #39 maps the digit 1 to l, 0 to O and m to rn.
        assert!(same_display_key("paypal", "paypa1"));
        assert!(same_display_key("Noor", "N00r"));
        assert!(same_display_key("Kim", "Kirn"));
        // Case still does not count, nor compatibility forms.
        assert!(same_display_key("ANNA", "\u{0430}nna"));
        assert!(same_display_key("STRASSE", "straße"));
        assert!(same_display_key("\u{FB01}ne", "fine"));
        // Capital I is a look-alike of l only before case folding, which turns it into i:
        // "paypaI" and "paypal" stay apart, as "Ilse" and "Lise" must.
        assert!(!same_display_key("paypaI", "paypal"));
        assert!(!same_display_key("Ilse", "Lise"));
        for (a, b) in [
            ("Anna", "Anne"),
            ("Tim", "Tom"),
            ("Bob", "Rob"),
            ("Joëlle", "Joelle"),
        ] {
            assert!(!same_display_key(a, b), "{a} and {b} are different names");
        }
    }

    #[test]
    fn display_names_keep_what_was_typed() {
        let name = check_display("\u{0410}nna").unwrap();
        assert_eq!(name.shown, "\u{0410}nna");
        assert_eq!(name.key, "anna");
        assert_eq!(check_display("Kim").unwrap().shown, "Kim");
    }

    #[test]
    fn login_names_keep_the_case_folded_key() {
        assert_eq!(check("Kim_01").unwrap().key, "kim_01");
        assert_ne!(
            check("Anna").unwrap().key,
            check("\u{0410}nna").unwrap().key
        );
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
