//! The log as a CSV file ("Export CSV"): RFC 4180, times in UTC, and no
//! cell a spreadsheet would run as a formula.

use super::Charge;

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
pub const CSV_COLUMNS: [&str; 11] = [
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
    "estimate",
];

/// The charges as CSV (RFC 4180: a header row, CRLF line ends, a field with
/// a comma, quote or line break quoted and its quotes doubled). A field
/// that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, as a task id from an imported history
/// file may) starts with `'` instead, so opening the file runs nothing.
pub fn csv(charges: &[Charge]) -> String {
    let mut out = String::new();
    line(&mut out, CSV_COLUMNS.map(str::to_owned));
    for c in charges {
        line(
            &mut out,
            [
                iso_utc(c.at_ms),
                c.key.clone(),
                c.task_id.clone(),
                c.model.to_owned(),
                c.parameters.clone(),
                c.status.clone(),
                c.charged.to_string(),
                c.refunded.to_string(),
                c.maybe_charged.to_string(),
                c.note.to_owned(),
                if c.estimate { "estimate" } else { "" }.to_owned(),
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
    use crate::credits::charge;
    use crate::credits::tests::task;
    use avatar_api::TaskStatus;

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
        let text = csv(&[charge(&t)]);
        assert_eq!(
            text,
            "time_utc,key,task_id,model,parameters,status,charged,refunded,maybe_charged,note,estimate\r\n\
             1970-01-01T00:00:00Z,sk_a…,\"say \"\"hi\"\",\nbye\",AI Avatar Pro,10 s · 1280 px · 25 fps,failed,30,30,0,Refunded: the task failed.,\r\n"
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
            let text = csv(&[charge(&t)]);
            let line = text.lines().nth(1).unwrap();
            assert!(
                line.starts_with(&format!("1970-01-01T00:00:00Z,sk_a…,{cell},")),
                "{id:?} gave {line:?}"
            );
        }
    }
}
