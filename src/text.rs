//! Free text people type (group names, descriptions, introductions, reasons): trimmed,
//! length-checked, and free of control characters (PostgreSQL refuses NUL; others confuse
//! displays), of direction-changing controls and of zero-width characters (they make a
//! title or a name read differently from what it is). Checked once at the edge; after
//! that it is plain text, escaped wherever it is shown.

use crate::error::AppError;

/// `value`, trimmed, if it has `min..=max` characters and no control characters other than
/// newlines and tabs (and those only when `multiline`).
pub fn checked(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, AppError> {
    let value = value.trim().replace("\r\n", "\n");
    let count = value.chars().count();
    if count < min || count > max {
        return Err(AppError::invalid(
            "invalid_field",
            format!("{field} must have {min} to {max} characters."),
        ));
    }
    if value.chars().any(crate::names::is_invisible) {
        return Err(AppError::invalid(
            "invisible_characters",
            format!("{field} may not contain invisible or direction-changing characters."),
        ));
    }
    let allowed = |c: char| !c.is_control() || (multiline && (c == '\n' || c == '\t'));
    if !value.chars().all(allowed) {
        return Err(AppError::invalid(
            "invalid_field",
            format!("{field} contains characters that are not allowed."),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::checked;

    #[test]
    fn trims_and_checks() {
        assert_eq!(checked("name", "  Rouw  ", 3, 10, false).unwrap(), "Rouw");
        assert!(checked("name", "ab", 3, 10, false).is_err());
        assert!(checked("name", "a\u{0}bc", 3, 10, false).is_err());
        assert!(checked("name", "a\nbc", 3, 10, false).is_err());
        assert_eq!(checked("text", "a\r\nbc", 3, 10, true).unwrap(), "a\nbc");
        for sneaky in [
            "ab\u{202E}cd",
            "ab\u{200B}cd",
            "ab\u{2066}cd",
            "ab\u{FEFF}cd",
        ] {
            let e = checked("title", sneaky, 3, 10, false).unwrap_err();
            assert_eq!(e.code(), "invisible_characters", "{sneaky:?}");
        }
    }
}
