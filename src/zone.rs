//! The time zone that reports, the dashboard and insights summaries cut days in: the
//! machine's local zone, or a named IANA zone from `--tz` or the config.

use chrono::{DateTime, FixedOffset, Local, Offset, TimeZone, Utc};

/// The time zone reports are written in.
#[derive(Debug, Clone, Copy)]
pub enum ReportZone {
    Local,
    Named(chrono_tz::Tz),
}

impl ReportZone {
    pub fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self {
            ReportZone::Local => Local.offset_from_utc_datetime(&instant.naive_utc()).fix(),
            ReportZone::Named(tz) => tz.offset_from_utc_datetime(&instant.naive_utc()).fix(),
        }
    }

    /// The first instant of a local date (midnight, or the first valid time after a gap).
    pub fn start_of_day(&self, date: chrono::NaiveDate) -> DateTime<Utc> {
        let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        let resolve = |r: chrono::LocalResult<DateTime<FixedOffset>>| r.earliest();
        let found = match self {
            ReportZone::Local => resolve(Local.from_local_datetime(&naive).map(|t| t.fixed_offset())),
            ReportZone::Named(tz) => resolve(tz.from_local_datetime(&naive).map(|t| t.fixed_offset())),
        };
        match found {
            Some(t) => t.with_timezone(&Utc),
            // Midnight skipped by a DST jump: the day starts an hour later.
            None => self.start_of_day_after_gap(naive),
        }
    }

    fn start_of_day_after_gap(&self, naive: chrono::NaiveDateTime) -> DateTime<Utc> {
        let later = naive + chrono::TimeDelta::hours(1);
        let guess = Utc.from_utc_datetime(&later);
        let offset = self.offset_at(guess);
        Utc.from_utc_datetime(&(later - offset))
    }

    pub fn name(&self) -> String {
        match self {
            ReportZone::Local => iana_or_local(),
            ReportZone::Named(tz) => tz.name().to_string(),
        }
    }
}

fn iana_or_local() -> String {
    std::env::var("TZ").ok().filter(|t| !t.is_empty()).unwrap_or_else(|| "local time".to_string())
}
