//! Reports over stored aggregates: the CSV report of DESIGN §7a and the terminal
//! summary of `tally stats`. Both read [`BucketRow`]s only.

use crate::aggregate::{BucketTotals, BUCKET_SECONDS};
use crate::analyze::span::PiiLabel;
use crate::event::Category;
use crate::store::{BucketRow, Store, StoreError};
use crate::zone::ReportZone;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

pub const CSV_HEADER: [&str; 13] = [
    "period_start",
    "period_end",
    "team",
    "category",
    "active_minutes",
    "active_share",
    "events",
    "switches",
    "focus_minutes",
    "sentiment_negative",
    "sentiment_neutral",
    "sentiment_positive",
    "sentiment_mean",
];

/// The first characters that make a spreadsheet read a cell as a formula (OWASP's
/// CSV injection list). Team labels may not start with one.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would read `text` as a formula.
pub fn starts_like_formula(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS)
}

/// A text cell for a CSV this crate writes: one that a spreadsheet would read as a
/// formula gets a leading `'`, which makes it text. Numbers (a negative mean) must not
/// go through this: they are numbers, not formulas.
pub fn csv_text_cell(text: &str) -> Cow<'_, str> {
    if starts_like_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A report's rows cover one hour, day or week each. The desktop sends it as `"hour"`,
/// `"day"` or `"week"`; anything else is refused, never read as a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Hour,
    Day,
    Week,
}

/// A period, ordered by its first instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PeriodKey {
    start: i64,
    /// For day and week periods: the local start date.
    date: Option<NaiveDate>,
}

fn period_of(zone: &ReportZone, period: Period, bucket_start: i64) -> PeriodKey {
    let instant = DateTime::from_timestamp(bucket_start, 0).unwrap_or_default();
    let local = instant.with_timezone(&zone.offset_at(instant)).naive_local();
    match period {
        Period::Hour => {
            let into_hour = i64::from(local.minute()) * 60 + i64::from(local.second());
            PeriodKey { start: bucket_start - into_hour, date: None }
        }
        Period::Day => {
            let date = local.date();
            PeriodKey { start: zone.start_of_day(date).timestamp(), date: Some(date) }
        }
        Period::Week => {
            let date = local.date() - TimeDelta::days(i64::from(local.weekday().num_days_from_monday()));
            PeriodKey { start: zone.start_of_day(date).timestamp(), date: Some(date) }
        }
    }
}

fn period_bounds(zone: &ReportZone, period: Period, key: PeriodKey) -> (String, String) {
    match (period, key.date) {
        (Period::Day, Some(d)) => (d.to_string(), (d + TimeDelta::days(1)).to_string()),
        (Period::Week, Some(d)) => (d.to_string(), (d + TimeDelta::days(7)).to_string()),
        _ => {
            let fmt = |t: i64| {
                let instant = DateTime::from_timestamp(t, 0).unwrap_or_default();
                instant.with_timezone(&zone.offset_at(instant)).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
            };
            (fmt(key.start), fmt(key.start + 3600))
        }
    }
}

/// One row of the CSV report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub period_start: String,
    pub period_end: String,
    pub team: String,
    pub category: Category,
    pub totals: BucketTotals,
    pub team_active_ms: i64,
}

impl ReportRow {
    /// The row's CSV cells, text cells through [`csv_text_cell`].
    pub fn fields(&self) -> [String; 13] {
        let t = &self.totals;
        let share = if self.team_active_ms > 0 { t.active_ms as f64 / self.team_active_ms as f64 } else { 0.0 };
        let scored: i64 = t.sentiment.iter().sum();
        let mean = if scored > 0 {
            format!("{:.4}", (t.sentiment[2] - t.sentiment[0]) as f64 / scored as f64)
        } else {
            String::new()
        };
        [
            csv_text_cell(&self.period_start).into_owned(),
            csv_text_cell(&self.period_end).into_owned(),
            csv_text_cell(&self.team).into_owned(),
            csv_text_cell(self.category.as_str()).into_owned(),
            format!("{:.2}", t.active_ms as f64 / 60_000.0),
            format!("{share:.4}"),
            t.events.to_string(),
            t.switches.to_string(),
            format!("{:.2}", t.focus_ms as f64 / 60_000.0),
            t.sentiment[0].to_string(),
            t.sentiment[1].to_string(),
            t.sentiment[2].to_string(),
            mean,
        ]
    }
}

/// Groups bucket rows into report rows: one per (period, team, category) with activity,
/// sorted by period, team, category.
pub fn report_rows(rows: &[BucketRow], zone: &ReportZone, period: Period) -> Vec<ReportRow> {
    let mut cells: BTreeMap<(PeriodKey, String, &'static str), (Category, BucketTotals)> = BTreeMap::new();
    let mut team_totals: BTreeMap<(PeriodKey, String), i64> = BTreeMap::new();
    for row in rows {
        let key = period_of(zone, period, row.key.start);
        let cell = cells
            .entry((key, row.team.clone(), row.key.category.as_str()))
            .or_insert((row.key.category, BucketTotals::default()));
        cell.1.merge(&row.totals);
        *team_totals.entry((key, row.team.clone())).or_default() += row.totals.active_ms;
    }
    cells
        .into_iter()
        .filter(|(_, (_, t))| t.active_ms > 0 || t.events > 0)
        .map(|((key, team, _), (category, totals))| {
            let (period_start, period_end) = period_bounds(zone, period, key);
            let team_active_ms = team_totals[&(key, team.clone())];
            ReportRow { period_start, period_end, team, category, totals, team_active_ms }
        })
        .collect()
}

/// The CSV report's rows for the local dates `from..=to` in `zone`, read from the store:
/// what `tally export csv` and the desktop's export both write.
pub async fn rows_between(
    store: &Store,
    zone: &ReportZone,
    from: NaiveDate,
    to: NaiveDate,
    period: Period,
) -> Result<Vec<ReportRow>, StoreError> {
    let (lo, hi) = date_range(zone, from, to);
    Ok(report_rows(&store.buckets(lo, hi).await?, zone, period))
}

/// Writes the report as RFC 4180 CSV (UTF-8, no BOM, CRLF line ends).
pub fn write_csv<W: Write>(rows: &[ReportRow], out: W) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let io = |e: csv::Error| std::io::Error::other(e.to_string());
    writer.write_record(CSV_HEADER).map_err(io)?;
    for row in rows {
        writer.write_record(row.fields()).map_err(io)?;
    }
    writer.flush()
}

/// The start of every period that local dates `from..=to` touch, in time order and
/// written as [`report_rows`] writes `period_start` (so a DST day has 23 or 25 hours).
pub fn period_starts(zone: &ReportZone, from: NaiveDate, to: NaiveDate, period: Period) -> Vec<String> {
    let (lo, hi) = date_range(zone, from, to);
    let mut keys: Vec<PeriodKey> = Vec::new();
    // Every real offset is a multiple of 15 minutes, so walking the buckets meets every
    // period, exactly as the rows of those buckets would be grouped.
    let mut at = lo - lo.rem_euclid(BUCKET_SECONDS);
    while at < hi {
        let key = period_of(zone, period, at);
        if keys.last() != Some(&key) {
            keys.push(key);
        }
        at += BUCKET_SECONDS;
    }
    keys.into_iter().map(|key| period_bounds(zone, period, key).0).collect()
}

/// The UTC range `[from, to)` covering local dates `from..=to`.
pub fn date_range(zone: &ReportZone, from: NaiveDate, to: NaiveDate) -> (i64, i64) {
    (zone.start_of_day(from).timestamp(), zone.start_of_day(to + TimeDelta::days(1)).timestamp())
}

/// Totals of a date range, for `tally stats`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub by_category: Vec<(Category, i64)>,
    pub total: BucketTotals,
    pub active_days: usize,
    /// The redactor versions that produced these aggregates (filled in by the caller).
    pub redactors: Vec<crate::store::RedactorVersion>,
}

pub fn stats(rows: &[BucketRow], zone: &ReportZone) -> Stats {
    let mut by_category: BTreeMap<Category, i64> = BTreeMap::new();
    let mut total = BucketTotals::default();
    let mut days = std::collections::BTreeSet::new();
    for row in rows {
        *by_category.entry(row.key.category).or_default() += row.totals.active_ms;
        total.merge(&row.totals);
        if row.totals.active_ms > 0 {
            days.insert(period_of(zone, Period::Day, row.key.start));
        }
    }
    let mut by_category: Vec<(Category, i64)> = by_category.into_iter().filter(|(_, ms)| *ms > 0).collect();
    by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Stats { by_category, total, active_days: days.len(), redactors: Vec::new() }
}

/// The readable summary printed by `tally stats`.
pub fn render_stats(s: &Stats, from: NaiveDate, to: NaiveDate, zone: &ReportZone) -> String {
    let hours = |ms: i64| ms as f64 / 3_600_000.0;
    let pct = |part: i64, whole: i64| {
        if whole > 0 {
            100.0 * part as f64 / whole as f64
        } else {
            0.0
        }
    };
    let active = s.total.active_ms;
    let mut out = format!("Tally summary {from} to {to} ({})\n", zone.name());
    if active == 0 && s.total.events == 0 {
        out.push_str("\nNo activity stored for these dates. Import some with `tally import`, or pick other dates with --from/--to.\n");
        return out;
    }
    out.push_str(&format!("\nActive time       {:>7.1} h over {} day(s)\n", hours(active), s.active_days));
    out.push_str("\nBy category\n");
    for (category, ms) in &s.by_category {
        let share = pct(*ms, active);
        let bar = "█".repeat((share / 4.0).round() as usize);
        out.push_str(&format!("  {:<15} {:>7.1} h {:>5.1} %  {}\n", category.as_str(), hours(*ms), share, bar));
    }
    let of = |c: Category| s.by_category.iter().find(|(k, _)| *k == c).map_or(0, |(_, ms)| *ms);
    out.push_str(&format!(
        "\nFocus time        {:>7.1} h ({:.1} % of active time)\n",
        hours(s.total.focus_ms),
        pct(s.total.focus_ms, active)
    ));
    let per_hour = if active > 0 { s.total.switches as f64 / hours(active) } else { 0.0 };
    out.push_str(&format!("Context switches  {:>7.1} per active hour ({} in all)\n", per_hour, s.total.switches));
    out.push_str(&format!(
        "Meetings          {:>7.1} h ({:.1} %)\n",
        hours(of(Category::Meetings)),
        pct(of(Category::Meetings), active)
    ));
    out.push_str(&format!("AI-tool share     {:>7.1} %\n", pct(of(Category::AiTools), active)));
    let [neg, neu, pos] = s.total.sentiment;
    if neg + neu + pos > 0 {
        let mean = (pos - neg) as f64 / (neg + neu + pos) as f64;
        // Round first so a tiny negative mean prints as +0.00, not -0.00.
        let mean = (mean * 100.0).round() / 100.0 + 0.0;
        out.push_str(&format!("Sentiment         {mean:>+7.2} (negative {neg}, neutral {neu}, positive {pos})\n"));
    }
    let redactions: Vec<String> = PiiLabel::ALL
        .iter()
        .zip(s.total.redactions)
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{} {n}", l.as_str()))
        .collect();
    out.push_str(&format!(
        "Redactions        {}\n",
        if redactions.is_empty() { "none".to_string() } else { redactions.join(", ") }
    ));
    for (i, r) in s.redactors.iter().enumerate() {
        let date = |t: i64| {
            let instant = DateTime::from_timestamp(t, 0).unwrap_or_default();
            instant.with_timezone(&zone.offset_at(instant)).date_naive()
        };
        out.push_str(&format!(
            "{:<18}{} ({} to {}, {} buckets)\n",
            if i == 0 { "Redactor" } else { "" },
            r.redactor,
            date(r.first_bucket),
            date(r.last_bucket),
            r.buckets
        ));
    }
    out
}

/// Today's date in the report zone.
pub fn today(zone: &ReportZone) -> NaiveDate {
    let now = Utc::now();
    now.with_timezone(&zone.offset_at(now)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_crosses_to_the_desktop_as_a_word_and_an_unknown_one_is_refused() {
        assert_eq!(serde_json::from_str::<Period>("\"week\"").unwrap(), Period::Week);
        let err = serde_json::from_str::<Period>("\"month\"").unwrap_err().to_string();
        assert!(err.contains("unknown variant `month`"), "{err}");
    }
    use crate::aggregate::BucketKey;
    use crate::analyze::AppName;

    fn row(start: &str, category: Category, active_min: i64) -> BucketRow {
        BucketRow {
            team: "t".into(),
            key: BucketKey {
                start: DateTime::parse_from_rfc3339(start).unwrap().timestamp(),
                category,
                app: AppName::from_stored("a"),
            },
            totals: BucketTotals {
                active_ms: active_min * 60_000,
                events: 1,
                sentiment: [1, 0, 1],
                ..Default::default()
            },
        }
    }

    #[test]
    fn periods_follow_the_local_zone_iso_weeks_and_dst() {
        let berlin = ReportZone::Named(chrono_tz::Europe::Berlin);
        // 23:30 UTC on Sunday 2026-11-01 is 00:30 on Monday 2026-11-02 in Berlin.
        let rows =
            [row("2026-11-01T23:30:00Z", Category::DeepWork, 10), row("2026-11-01T22:45:00Z", Category::DeepWork, 5)];
        let day = report_rows(&rows, &berlin, Period::Day);
        assert_eq!((day[0].period_start.as_str(), day[0].period_end.as_str()), ("2026-11-01", "2026-11-02"));
        assert_eq!((day[1].period_start.as_str(), day[1].period_end.as_str()), ("2026-11-02", "2026-11-03"));
        let week = report_rows(&rows, &berlin, Period::Week);
        assert_eq!(week.iter().map(|r| r.period_start.as_str()).collect::<Vec<_>>(), ["2026-10-26", "2026-11-02"]);
        let hour = report_rows(&rows, &berlin, Period::Hour);
        assert_eq!(hour[1].period_start, "2026-11-02T00:00:00+01:00");
        assert_eq!(hour[1].period_end, "2026-11-02T01:00:00+01:00");
        // DST end in Berlin: 2026-10-25 has 25 hours; the repeated 02:00 hour keeps its offsets.
        let dst = report_rows(
            &[row("2026-10-25T00:15:00Z", Category::Admin, 5), row("2026-10-25T01:15:00Z", Category::Admin, 5)],
            &berlin,
            Period::Hour,
        );
        assert_eq!(dst[0].period_start, "2026-10-25T02:00:00+02:00");
        assert_eq!(dst[1].period_start, "2026-10-25T02:00:00+01:00");
    }

    #[test]
    fn shares_and_sentiment_mean_are_per_team_and_period() {
        let zone = ReportZone::Named(chrono_tz::UTC);
        let rows =
            [row("2026-11-02T09:00:00Z", Category::DeepWork, 30), row("2026-11-02T09:15:00Z", Category::Meetings, 10)];
        let out = report_rows(&rows, &zone, Period::Day);
        let fields: Vec<[String; 13]> = out.iter().map(ReportRow::fields).collect();
        assert_eq!(fields[0][3], "deep_work");
        assert_eq!(fields[0][4], "30.00");
        assert_eq!(fields[0][5], "0.7500");
        assert_eq!(fields[1][5], "0.2500");
        assert_eq!(fields[1][12], "0.0000");
    }

    #[test]
    fn text_cells_that_start_like_a_formula_are_quoted() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("platform", "platform"),
            ("a=b", "a=b"),
            (" =1", " =1"),
            ("'=1", "'=1"),
            ("", ""),
        ] {
            assert_eq!(csv_text_cell(cell), written, "{cell:?}");
        }
        // The personal report: the team cell is quoted, a negative mean stays a number.
        let mut r = row("2026-11-02T09:00:00Z", Category::DeepWork, 30);
        r.team = "=HYPERLINK(\"http://x\")".into();
        r.totals.sentiment = [2, 0, 1];
        let mut out = Vec::new();
        write_csv(&report_rows(&[r], &ReportZone::Named(chrono_tz::UTC), Period::Day), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let line = out.lines().nth(1).unwrap();
        assert!(line.starts_with("2026-11-02,2026-11-03,\"'=HYPERLINK(\"\"http://x\"\")\",deep_work,"), "{line}");
        assert!(line.ends_with(",-0.3333"), "{line}");
    }
}
