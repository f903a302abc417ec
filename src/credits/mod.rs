//! The credit log: every charge and refund of the tasks this browser has
//! seen, derived from the task records themselves (no second copy), per
//! key (by its prefix only, [`key_prefix`]), with totals by period and a CSV
//! export. Which statuses are refunded is the provider's rule,
//! [`avatar_api::TaskStatus::is_refunded`].
//!
//! Everything here is pure (tested natively) except [`view`], the panel.

use avatar_api::TaskStatus;

use crate::tasks::record::{TaskRecord, TaskState};
use crate::tasks::summary;

pub mod view;

/// The key label of tasks saved before the page recorded the key.
pub const UNKNOWN_KEY: &str = "unknown key";
/// The key label of tasks sent through a same-origin proxy (no key asked for).
pub const PROXY_KEY: &str = "site proxy";

/// A key shown by its start only: up to 8 characters and "…", but never
/// more than all but 4 of its characters, so a short key is never shown
/// whole (`sk_live_…` for `sk_live_abcdef123456`, `sk_…` for `sk_demo`).
pub fn key_prefix(key: &str) -> String {
    let key = key.trim();
    let shown = key.chars().count().saturating_sub(4).min(8);
    let start: String = key.chars().take(shown).collect();
    format!("{start}…")
}

/// Whom a request sent with `key` is charged to: the key's prefix, or the
/// site's proxy when the page sends no key.
pub fn charged_to(key: Option<&str>) -> String {
    key.map_or_else(|| PROXY_KEY.to_owned(), key_prefix)
}

/// One task's line in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// When it was submitted, Unix ms.
    pub at_ms: u64,
    /// The key's prefix, [`PROXY_KEY`] or [`UNKNOWN_KEY`].
    pub key: String,
    /// The task's id (this page's own for an outcome-unknown submit).
    pub task_id: String,
    /// The model's name.
    pub model: &'static str,
    /// Its parameters, as the task list shows them.
    pub parameters: String,
    /// The status key the task row exposes (`completed`, `failed`, `outcome-unknown`…).
    pub status: String,
    /// Credits charged.
    pub charged: u64,
    /// Credits the submit may have been charged (no answer came back).
    pub maybe_charged: u64,
    /// Credits refunded.
    pub refunded: u64,
    /// Why (refunded or not, charged or maybe).
    pub note: &'static str,
}

/// The log line of one task.
pub fn row(task: &TaskRecord) -> Row {
    let refunded = task.state.reported().is_some_and(TaskStatus::is_refunded);
    let note = match &task.state {
        TaskState::OutcomeUnknown { .. } => {
            "May have been charged: no answer came back to the submit."
        }
        TaskState::Forgotten => "The API no longer knows this task.",
        _ if refunded => "Refunded: the task failed.",
        TaskState::Reported(TaskStatus::Completed) => "",
        TaskState::Reported(status) if status.is_final() => {
            "Not refunded: the provider refunds failed tasks only."
        }
        _ => "Not finished: refunded if it fails.",
    };
    let (charged, maybe_charged) = if task.is_outcome_unknown() {
        (0, task.credits)
    } else {
        (task.credits, 0)
    };
    Row {
        at_ms: task.submitted_ms,
        key: task
            .key_prefix
            .clone()
            .unwrap_or_else(|| UNKNOWN_KEY.to_owned()),
        task_id: task.task_id.clone(),
        model: task.model().label(),
        parameters: summary(&task.request),
        status: task.status_key().to_owned(),
        charged,
        maybe_charged,
        refunded: if refunded { task.credits } else { 0 },
        note,
    }
}

/// The keys in `rows`, in the order they first appear.
pub fn keys(rows: &[Row]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for r in rows {
        if !keys.contains(&r.key) {
            keys.push(r.key.clone());
        }
    }
    keys
}

/// Credits added up over some rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Charged.
    pub charged: u64,
    /// Refunded.
    pub refunded: u64,
    /// Maybe charged (outcome unknown).
    pub maybe_charged: u64,
}

impl Totals {
    /// Charged minus refunded.
    pub fn net(&self) -> u64 {
        self.charged.saturating_sub(self.refunded)
    }

    fn add(&mut self, r: &Row) {
        self.charged += r.charged;
        self.refunded += r.refunded;
        self.maybe_charged += r.maybe_charged;
    }
}

/// Totals of today, the last 7 days and all time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Periods {
    /// Submitted since `day_start_ms` (local midnight).
    pub today: Totals,
    /// Submitted in the 7 × 24 hours before now.
    pub week: Totals,
    /// Everything in the log.
    pub all: Totals,
}

/// One week, in ms.
pub const WEEK_MS: u64 = 7 * 24 * 60 * 60 * 1000;

/// Adds up `rows` by period, `now_ms` being now and `day_start_ms` the
/// start of today in the user's time zone.
pub fn periods(rows: &[Row], now_ms: u64, day_start_ms: u64) -> Periods {
    let week_start = now_ms.saturating_sub(WEEK_MS);
    let mut p = Periods::default();
    for r in rows {
        p.all.add(r);
        if r.at_ms >= week_start {
            p.week.add(r);
        }
        if r.at_ms >= day_start_ms {
            p.today.add(r);
        }
    }
    p
}

/// The last balance the API reported for a key (a 402 carries it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    /// Credits the key had.
    pub credits: u64,
    /// When the answer came, Unix ms.
    pub at_ms: u64,
}

/// The last balance per key prefix, oldest report first.
pub type Balances = Vec<(String, Balance)>;

/// Balances as saved (`localStorage`): a line `credits at_ms prefix` per
/// key (plain text, not JSON: no serde code for it in the wasm).
pub fn encode_balances(balances: &Balances) -> String {
    balances
        .iter()
        .map(|(key, b)| format!("{} {} {key}\n", b.credits, b.at_ms))
        .collect()
}

/// Reads saved balances; an unreadable line is no balance.
pub fn decode_balances(raw: &str) -> Balances {
    raw.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            let credits = parts.next()?.parse().ok()?;
            let at_ms = parts.next()?.parse().ok()?;
            let key = parts.next().filter(|k| !k.is_empty())?;
            Some((key.to_owned(), Balance { credits, at_ms }))
        })
        .collect()
}

/// An instant as ISO-8601 UTC to the second, `2026-12-01T19:04:47Z`.
pub fn iso_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Days to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The CSV's columns, its header row.
pub const CSV_COLUMNS: [&str; 10] = [
    "time_utc",
    "key",
    "task_id",
    "model",
    "parameters",
    "status",
    "charged",
    "refunded",
    "maybe_charged",
    "note",
];

/// The rows as CSV (RFC 4180: a header row, CRLF line ends, a field with
/// a comma, quote or line break quoted and its quotes doubled). A field
/// that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, as a task id from an imported history
/// file may) starts with `'` instead, so opening the file runs nothing.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::new();
    line(&mut out, CSV_COLUMNS.map(str::to_owned));
    for r in rows {
        line(
            &mut out,
            [
                iso_utc(r.at_ms),
                r.key.clone(),
                r.task_id.clone(),
                r.model.to_owned(),
                r.parameters.clone(),
                r.status.clone(),
                r.charged.to_string(),
                r.refunded.to_string(),
                r.maybe_charged.to_string(),
                r.note.to_owned(),
            ],
        );
    }
    out
}

fn line<const N: usize>(out: &mut String, fields: [String; N]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let formula = f.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let quoted = f.contains([',', '"', '\r', '\n']);
        if quoted {
            out.push('"');
        }
        if formula {
            out.push('\'');
        }
        if quoted {
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use avatar_api::{AvatarRequest, ProRequest, TaskStatus};

    const DAY: u64 = 24 * 60 * 60 * 1000;
    const NOW: u64 = 1_780_000_000_000;

    fn task(id: &str, status: TaskStatus, credits: u64, at: u64, key: Option<&str>) -> TaskRecord {
        let request = AvatarRequest::Pro(ProRequest {
            duration: 10,
            resolution: 1280,
            framerate: 25,
            ..ProRequest::default()
        });
        TaskRecord::accepted(
            id.into(),
            &request,
            credits,
            at,
            status,
            key.map(str::to_owned),
        )
    }

    #[test]
    fn a_key_is_shown_by_its_start_never_whole() {
        assert_eq!(key_prefix("sk_live_abcdef123456"), "sk_live_…");
        assert_eq!(key_prefix(" sk_demo_12345 "), "sk_demo_…");
        assert_eq!(key_prefix("sk_demo"), "sk_…");
        assert_eq!(key_prefix("abc"), "…");
        assert_eq!(charged_to(None), PROXY_KEY);
        assert_eq!(charged_to(Some("sk_live_abcdef123456")), "sk_live_…");
    }

    #[test]
    fn failed_tasks_are_refunded_and_unknown_outcomes_maybe_charged() {
        let ok = row(&task("a", TaskStatus::Completed, 20, NOW, Some("sk_a…")));
        assert_eq!((ok.charged, ok.refunded, ok.maybe_charged), (20, 0, 0));
        assert_eq!(ok.key, "sk_a…");
        assert_eq!(ok.model, "AI Avatar Pro");
        assert_eq!(ok.parameters, "10 s · 1280 px · 25 fps");

        let failed = row(&task("b", TaskStatus::Failed, 30, NOW, None));
        assert_eq!((failed.charged, failed.refunded), (30, 30));
        assert_eq!(failed.key, UNKNOWN_KEY);
        assert_eq!(failed.note, "Refunded: the task failed.");

        for status in [TaskStatus::Expired, TaskStatus::Cancelled] {
            let r = row(&task("c", status, 10, NOW, None));
            assert_eq!((r.charged, r.refunded), (10, 0));
            assert!(r.note.starts_with("Not refunded"), "{}", r.note);
        }
        let running = row(&task("d", TaskStatus::Processing, 10, NOW, None));
        assert_eq!((running.charged, running.refunded), (10, 0));

        let request = task("x", TaskStatus::Pending, 0, 0, None).request;
        let unsent = TaskRecord::outcome_unknown(&request, 20, NOW, "timeout".into(), None);
        let r = row(&unsent);
        assert_eq!((r.charged, r.refunded, r.maybe_charged), (0, 0, 20));
        assert_eq!(r.status, "outcome-unknown");
    }

    #[test]
    fn totals_by_period() {
        let day_start = NOW - 3_600_000;
        let rows: Vec<Row> = [
            task("now", TaskStatus::Completed, 20, NOW, None),
            task("failed", TaskStatus::Failed, 5, NOW - 60_000, None),
            task("yesterday", TaskStatus::Completed, 7, day_start - 1, None),
            task(
                "week-ago",
                TaskStatus::Completed,
                100,
                NOW - WEEK_MS - 1,
                None,
            ),
        ]
        .iter()
        .map(row)
        .collect();
        let p = periods(&rows, NOW, day_start);
        assert_eq!(
            (p.today.charged, p.today.refunded, p.today.net()),
            (25, 5, 20)
        );
        assert_eq!((p.week.charged, p.week.net()), (32, 27));
        assert_eq!((p.all.charged, p.all.net()), (132, 127));
        assert_eq!(
            periods(&rows, NOW + 8 * DAY, NOW + 8 * DAY).week,
            Totals::default()
        );
    }

    #[test]
    fn iso_times_are_utc() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_780_000_000_000), "2026-05-28T20:26:40Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(1_798_761_599_999), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn csv_has_a_header_and_quotes_per_rfc_4180() {
        let mut t = task("t,1", TaskStatus::Failed, 30, 0, Some("sk_a…"));
        t.task_id = "say \"hi\",\nbye".into();
        let text = csv(&[row(&t)]);
        assert_eq!(
            text,
            "time_utc,key,task_id,model,parameters,status,charged,refunded,maybe_charged,note\r\n\
             1970-01-01T00:00:00Z,sk_a…,\"say \"\"hi\"\",\nbye\",AI Avatar Pro,10 s · 1280 px · 25 fps,failed,30,30,0,Refunded: the task failed.\r\n"
        );
        assert_eq!(csv(&[]).lines().count(), 1);
    }

    #[test]
    fn csv_never_hands_a_spreadsheet_a_formula() {
        let mut t = task("a", TaskStatus::Completed, 5, 0, Some("sk_a…"));
        for (id, cell) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("=1,2", "\"'=1,2\""),
            ("task-=1", "task-=1"),
        ] {
            t.task_id = id.into();
            let text = csv(&[row(&t)]);
            let line = text.lines().nth(1).unwrap();
            assert!(
                line.starts_with(&format!("1970-01-01T00:00:00Z,sk_a…,{cell},")),
                "{id:?} gave {line:?}"
            );
        }
    }

    #[test]
    fn keys_and_balances() {
        let rows: Vec<Row> = [
            task("a", TaskStatus::Completed, 1, 0, Some("sk_a…")),
            task("b", TaskStatus::Completed, 1, 0, None),
            task("c", TaskStatus::Completed, 1, 0, Some("sk_a…")),
        ]
        .iter()
        .map(row)
        .collect();
        assert_eq!(keys(&rows), ["sk_a…", UNKNOWN_KEY]);
        let b: Balances = vec![
            (
                "sk_a…".into(),
                Balance {
                    credits: 7,
                    at_ms: 5,
                },
            ),
            (
                PROXY_KEY.into(),
                Balance {
                    credits: 0,
                    at_ms: 9,
                },
            ),
        ];
        let text = encode_balances(&b);
        assert_eq!(text, "7 5 sk_a…\n0 9 site proxy\n");
        assert_eq!(decode_balances(&text), b);
        assert!(decode_balances("nonsense\n1 x k\n2 3 \n").is_empty());
    }
}
