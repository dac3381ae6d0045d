//! A room's weekly meetings ("tue 20:00-21:30, thu 19:00-20:30"), read in the steunpunt's
//! time zone, and whether the room is open for writing at a moment: its schedule, unless a
//! leader opened or closed the session by hand.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::error::AppError;

/// At most this many meetings a week.
pub const MAX_SLOTS: usize = 14;

const DAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Monday, "mon", "ma"),
    (Weekday::Tuesday, "tue", "di"),
    (Weekday::Wednesday, "wed", "wo"),
    (Weekday::Thursday, "thu", "do"),
    (Weekday::Friday, "fri", "vr"),
    (Weekday::Saturday, "sat", "za"),
    (Weekday::Sunday, "sun", "zo"),
];

/// One weekly meeting: a day, and minutes after midnight (local time) it starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub day: Weekday,
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    pub slots: Vec<Slot>,
}

fn invalid() -> AppError {
    AppError::invalid(
        "invalid_schedule",
        "Write the meetings as day and time, e.g. \"tue 20:00-21:30\" (ma/di/wo/do/vr/za/zo \
         or mon-sun), separated by commas; a meeting ends after it starts, on the same day.",
    )
}

fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

impl Schedule {
    /// Parses what a leader typed; the empty string is no schedule (always open).
    pub fn parse(text: &str) -> Result<Schedule, AppError> {
        let mut slots = vec![];
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (day, times) = part.split_once(char::is_whitespace).ok_or_else(invalid)?;
            let day = day.trim().to_ascii_lowercase();
            let day = DAYS
                .iter()
                .find(|(_, en, nl)| day == *en || day == *nl)
                .map(|(d, _, _)| *d)
                .ok_or_else(invalid)?;
            let (start, end) = times.trim().split_once('-').ok_or_else(invalid)?;
            let (start, end) = (
                minutes(start.trim()).ok_or_else(invalid)?,
                minutes(end.trim()).ok_or_else(invalid)?,
            );
            if end <= start {
                return Err(invalid());
            }
            slots.push(Slot { day, start, end });
        }
        if slots.len() > MAX_SLOTS {
            return Err(AppError::invalid(
                "invalid_schedule",
                format!("A room has at most {MAX_SLOTS} meetings a week."),
            ));
        }
        slots.sort_by_key(|s| (s.day.to_monday_zero_offset(), s.start));
        Ok(Schedule { slots })
    }

    /// The canonical text ("tue 20:00-21:30, thu 19:00-20:30").
    pub fn text(&self) -> String {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        self.slots
            .iter()
            .map(|s| {
                let day = DAYS
                    .iter()
                    .find(|(d, _, _)| *d == s.day)
                    .map_or("", |d| d.1);
                format!("{day} {}-{}", hm(s.start), hm(s.end))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The meeting under way at `now`: when it ends (unix seconds).
    fn current(&self, tz: &TimeZone, now: i64) -> Option<i64> {
        let local = Timestamp::from_second(now).ok()?.to_zoned(tz.clone());
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        self.slots
            .iter()
            .filter(|s| s.day == local.weekday() && s.start <= minute && minute < s.end)
            .filter_map(|s| at(tz, local.date(), s.end))
            .max()
    }

    /// The next meeting's start after `now` (unix seconds), within the coming week.
    fn next_start(&self, tz: &TimeZone, now: i64) -> Option<i64> {
        let today = Timestamp::from_second(now)
            .ok()?
            .to_zoned(tz.clone())
            .date();
        (0..8)
            .filter_map(|offset| today.checked_add(offset.days()).ok())
            .flat_map(|date| {
                self.slots
                    .iter()
                    .filter(move |s| s.day == date.weekday())
                    .filter_map(move |s| at(tz, date, s.start))
            })
            .filter(|start| *start > now)
            .min()
    }
}

/// The unix time of `minutes` after midnight on `date`, local time (24:00 is the next day).
fn at(tz: &TimeZone, date: jiff::civil::Date, minutes: u16) -> Option<i64> {
    let (date, minutes) = if minutes >= 24 * 60 {
        (date.checked_add(1.day()).ok()?, minutes - 24 * 60)
    } else {
        (date, minutes)
    };
    let time = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?;
    Some(
        date.to_datetime(time)
            .to_zoned(tz.clone())
            .ok()?
            .timestamp()
            .as_second(),
    )
}

/// A steunpunt's time zone by its IANA name; Europe/Amsterdam when the name is unknown.
pub fn time_zone(name: &str) -> TimeZone {
    TimeZone::get(name)
        .or_else(|_| TimeZone::get("Europe/Amsterdam"))
        .unwrap_or(TimeZone::UTC)
}

/// Whether a room is open for writing, and until or from when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub open: bool,
    /// When it closes again, if it is open and that is known.
    pub closes_at: Option<i64>,
    /// When it opens next, if it is closed and a meeting is coming.
    pub opens_at: Option<i64>,
}

/// A room's opening at `now`: closed by hand wins, then opened by hand, then the schedule
/// (a room without a schedule is open at all times).
pub fn opening(
    schedule: &Schedule,
    tz: &TimeZone,
    opened_until: Option<i64>,
    closed_until: Option<i64>,
    now: i64,
) -> Opening {
    let closed_by_hand = closed_until.is_some_and(|t| t > now);
    let opened_by_hand = opened_until.filter(|t| *t > now);
    if !closed_by_hand {
        if let Some(until) = opened_by_hand {
            return Opening {
                open: true,
                closes_at: Some(until),
                opens_at: None,
            };
        }
        if schedule.is_empty() {
            return Opening {
                open: true,
                closes_at: None,
                opens_at: None,
            };
        }
        if let Some(end) = schedule.current(tz, now) {
            return Opening {
                open: true,
                closes_at: Some(end),
                opens_at: None,
            };
        }
    }
    let after = closed_until.filter(|_| closed_by_hand).unwrap_or(now);
    Opening {
        open: false,
        closes_at: None,
        opens_at: schedule.next_start(tz, after.max(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(text: &str) -> i64 {
        // Local Amsterdam times in the tests.
        let dt: jiff::civil::DateTime = text.parse().unwrap();
        dt.to_zoned(time_zone("Europe/Amsterdam"))
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn schedules_parse_in_dutch_and_english() {
        let s = Schedule::parse("di 20:00-21:30, Mon 9:00 - 10:15").unwrap();
        assert_eq!(s.text(), "mon 09:00-10:15, tue 20:00-21:30");
        assert_eq!(Schedule::parse("").unwrap(), Schedule::default());
        for bad in [
            "tue",
            "tue 20:00",
            "xyz 20:00-21:00",
            "tue 21:00-20:00",
            "tue 20:00-20:00",
            "tue 25:00-26:00",
            "tue 20:0-21:00",
            "tue 20:00-21:60",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
        let many = vec!["mon 10:00-11:00"; MAX_SLOTS + 1].join(",");
        assert!(Schedule::parse(&many).is_err());
    }

    #[test]
    fn a_room_opens_at_its_meetings_in_local_time() {
        let tz = time_zone("Europe/Amsterdam");
        let s = Schedule::parse("tue 20:00-21:30").unwrap();
        // 2026-12-01 is a Tuesday (winter time, UTC+1).
        let during = unix("2026-12-01T20:15");
        let o = opening(&s, &tz, None, None, during);
        assert!(o.open);
        assert_eq!(o.closes_at, Some(unix("2026-12-01T21:30")));
        let before = unix("2026-12-01T19:00");
        let o = opening(&s, &tz, None, None, before);
        assert!(!o.open);
        assert_eq!(o.opens_at, Some(unix("2026-12-01T20:00")));
        let after = unix("2026-12-01T21:30");
        let o = opening(&s, &tz, None, None, after);
        assert!(!o.open);
        assert_eq!(o.opens_at, Some(unix("2026-12-08T20:00")));
        // Summer time is local time too.
        let o = opening(&s, &tz, None, None, unix("2027-06-29T20:10"));
        assert!(o.open);
    }

    #[test]
    fn leaders_open_and_close_by_hand() {
        let tz = time_zone("Europe/Amsterdam");
        let s = Schedule::parse("tue 20:00-21:30").unwrap();
        let before = unix("2026-12-01T19:00");
        let o = opening(&s, &tz, Some(before + 600), None, before);
        assert!(o.open);
        assert_eq!(o.closes_at, Some(before + 600));
        // Closed by hand during the meeting: it says when the next one starts.
        let during = unix("2026-12-01T20:15");
        let o = opening(&s, &tz, None, Some(unix("2026-12-01T21:30")), during);
        assert!(!o.open);
        assert_eq!(o.opens_at, Some(unix("2026-12-08T20:00")));
        // No schedule: always open, unless closed by hand.
        let none = Schedule::default();
        assert!(opening(&none, &tz, None, None, during).open);
        let o = opening(&none, &tz, None, Some(during + 60), during);
        assert!(!o.open && o.opens_at.is_none());
        // Expired hand settings no longer count.
        assert!(opening(&none, &tz, None, Some(during - 1), during).open);
        assert!(!opening(&s, &tz, Some(before - 1), None, before).open);
    }
}
