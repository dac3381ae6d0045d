//! Clock helpers. Kring stores instants as Unix seconds and days as `YYYY-MM-DD` (UTC).

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, macros::format_description};

pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn day_of(instant: OffsetDateTime) -> String {
    instant
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// Today, UTC, as `YYYY-MM-DD`.
pub fn today() -> String {
    day_of(OffsetDateTime::now_utc())
}

/// The day `days` days ago, UTC, as `YYYY-MM-DD` (these compare correctly as text).
pub fn days_ago(days: u32) -> String {
    day_of(OffsetDateTime::now_utc() - Duration::days(i64::from(days)))
}

pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Unix seconds from an RFC 3339 text, if it is one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::today().len(), 10);
        assert!(super::days_ago(1) < super::today());
    }
}
