//! Free text people type (group names, descriptions, introductions, reasons): trimmed,
//! length-checked, and free of control characters (PostgreSQL refuses NUL; others confuse
//! displays). Checked once at the edge; after that it is plain text.

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
    }
}
