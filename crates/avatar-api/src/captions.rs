//! Captions from timed segments (the transcription's `segments[{start,
//! end, text}]`, VOICE-IMAGE-CAPTIONS.md §2.3): tidied, written as SubRip
//! (`.srt`) and WebVTT (`.vtt`), and a typed script aligned to their times.
//!
//! Times are whole milliseconds (the segments' seconds rounded once, as
//! billing rounds audio lengths), so every file is exact to the millisecond.

use serde::{Deserialize, Serialize};

use crate::billing::seconds_to_ms;

/// One caption: from `start_ms` to `end_ms`, saying `text`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Segment {
    /// When it starts, ms from the start of the audio.
    pub start_ms: u64,
    /// When it ends (after `start_ms` once [`tidy`]).
    pub end_ms: u64,
    /// What is said.
    pub text: String,
}

impl Segment {
    /// A segment from `start_ms` to `end_ms` saying `text`.
    pub fn new(start_ms: u64, end_ms: u64, text: &str) -> Segment {
        Segment {
            start_ms,
            end_ms,
            text: text.to_owned(),
        }
    }

    /// A segment from the API's seconds (NaN and negative read as 0).
    pub fn from_seconds(start: f64, end: f64, text: &str) -> Segment {
        Segment {
            start_ms: seconds_to_ms(start),
            end_ms: seconds_to_ms(end),
            text: text.trim().to_owned(),
        }
    }
}

/// What [`tidy`] changed, so that the page can say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tidied {
    /// The segments came out of order and were sorted by start.
    pub reordered: bool,
    /// Segments that overlapped the next one and were cut at its start.
    pub clipped: usize,
    /// Segments that ended at or before their start and were given 1 ms.
    pub stretched: usize,
}

/// Segments in the order they are spoken, each ending after it starts and
/// no later than the next one starts: sorted by start (stable), an overlap
/// cut at the next start, an empty or backwards span given 1 ms (a cue
/// must end after it starts, or players skip it). Nothing is dropped.
pub fn tidy(segments: &mut [Segment]) -> Tidied {
    let mut done = Tidied {
        reordered: segments.windows(2).any(|w| w[1].start_ms < w[0].start_ms),
        ..Tidied::default()
    };
    // Insertion sort: stable, and small in the wasm (the standard library's
    // stable sort costs the page 6 KB); the API's lines come nearly in order.
    for i in 1..segments.len() {
        let mut j = i;
        while j > 0 && segments[j - 1].start_ms > segments[j].start_ms {
            segments.swap(j - 1, j);
            j -= 1;
        }
    }
    for i in 0..segments.len() {
        let next_start = segments.get(i + 1).map(|n| n.start_ms);
        let s = &mut segments[i];
        if let Some(next) = next_start
            && s.end_ms > next
            && next > s.start_ms
        {
            s.end_ms = next;
            done.clipped += 1;
        }
        if s.end_ms <= s.start_ms {
            s.end_ms = s.start_ms.saturating_add(1);
            done.stretched += 1;
        }
    }
    done
}

/// `ms` as `HH:MM:SS` plus `sep` and milliseconds (SubRip: `,`; WebVTT: `.`).
fn timestamp(ms: u64, sep: char) -> String {
    let (h, m, s, rest) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{rest:03}")
}

/// A cue's text as lines: no blank line (it would end the cue) and no
/// `-->` (it would read as a timing line).
fn cue_lines(text: &str) -> String {
    (text.lines())
        .map(|l| l.trim().replace("-->", "→"))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The segments as a SubRip file (`.srt`), numbered from 1.
pub fn srt(segments: &[Segment]) -> String {
    let mut out = String::new();
    for (i, s) in segments.iter().enumerate() {
        out.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            i + 1,
            timestamp(s.start_ms, ','),
            timestamp(s.end_ms, ','),
            cue_lines(&s.text)
        ));
    }
    out
}

/// The segments as a WebVTT file (`.vtt`); `language`, when known, is
/// written in its header. Text is escaped (`&`, `<`, `>`).
pub fn vtt(segments: &[Segment], language: Option<&str>) -> String {
    let mut out = String::from("WEBVTT\n");
    if let Some(lang) = language.map(str::trim).filter(|l| !l.is_empty()) {
        out.push_str(&format!(
            "Language: {}\n",
            cue_lines(lang).replace('\n', " ")
        ));
    }
    out.push('\n');
    for s in segments {
        let text = cue_lines(&s.text)
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        out.push_str(&format!(
            "{} --> {}\n{text}\n\n",
            timestamp(s.start_ms, '.'),
            timestamp(s.end_ms, '.')
        ));
    }
    out
}

/// A timestamp of SubRip (`01:02:03,004`) or WebVTT (`02:03.004`, hours optional).
fn read_timestamp(text: &str) -> Option<u64> {
    let (clock, ms) = text.trim().split_once([',', '.'])?;
    let ms: u64 = (ms.len() == 3).then(|| ms.parse().ok()).flatten()?;
    let mut whole = 0u64;
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    for part in parts {
        whole = whole.checked_mul(60)?.checked_add(part.parse().ok()?)?;
    }
    whole.checked_mul(1000)?.checked_add(ms)
}

/// The cues of a SubRip or WebVTT file, in file order (the page tidies
/// them). Cue numbers, the header, notes and cue settings are skipped;
/// WebVTT's escapes are undone.
pub fn parse(file: &str) -> Vec<Segment> {
    let file = file.replace("\r\n", "\n");
    let mut out = Vec::new();
    for block in file.split("\n\n") {
        let mut lines = block.lines().skip_while(|l| !l.contains("-->"));
        let Some(timing) = lines.next() else { continue };
        let (from, rest) = timing.split_once("-->").unwrap_or_default();
        let to = rest.split_whitespace().next().unwrap_or_default();
        let (Some(start_ms), Some(end_ms)) = (read_timestamp(from), read_timestamp(to)) else {
            continue;
        };
        let text = (lines.collect::<Vec<_>>().join("\n"))
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        out.push(Segment {
            start_ms,
            end_ms,
            text: text.trim().to_owned(),
        });
    }
    out
}

/// The sentences of `script`: each ends at `.`, `!`, `?`, `…` or their CJK
/// forms, or at a line break; whitespace between them is left out.
pub fn sentences(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            out.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
        if !matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？') {
            continue;
        }
        // Closing quotes and brackets stay with their sentence.
        while let Some(&q) = chars.peek() {
            if !matches!(q, '"' | '\'' | '”' | '’' | ')' | '」' | '』') {
                break;
            }
            current.push(q);
            chars.next();
        }
        // "Dr.Who" and "3.5" go on; CJK sentences need no space after them.
        if chars.peek().is_none_or(|n| n.is_whitespace()) || is_cjk_end(c) {
            out.push(std::mem::take(&mut current));
        }
    }
    out.push(current);
    (out.into_iter())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn is_cjk_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？')
}

/// The typed `script`'s sentences on the times of `segments` (tidied, in
/// order), for captions whose words are the true ones: each sentence is
/// placed where the transcript reaches the same share of its characters,
/// its time read off the segment that holds that point. Times never go
/// backwards and every sentence is kept; with no segments, none is timed.
pub fn align(script: &str, segments: &[Segment]) -> Vec<Segment> {
    let said = sentences(script);
    let Some(last) = segments.last() else {
        return Vec::new();
    };
    // Each segment's share of the transcript's characters (at least 1 each).
    let weights: Vec<u64> = (segments.iter())
        .map(|s| s.text.chars().count().max(1) as u64)
        .collect();
    let heard: u64 = weights.iter().sum();
    let typed: u64 = said.iter().map(|s| s.chars().count().max(1) as u64).sum();
    // The time at which the transcript reaches `done` of `heard` characters.
    let time_at = |done: u64| -> u64 {
        let mut before = 0;
        for (s, &w) in segments.iter().zip(&weights) {
            if done <= before + w {
                let span = u128::from(s.end_ms.saturating_sub(s.start_ms));
                let into = span * u128::from(done - before) / u128::from(w);
                return s.start_ms.saturating_add(into as u64);
            }
            before += w;
        }
        last.end_ms
    };
    let mut out = Vec::with_capacity(said.len());
    let mut done = 0;
    let mut start = segments[0].start_ms;
    for text in said {
        done += text.chars().count().max(1) as u64;
        let reached = u128::from(done) * u128::from(heard) / u128::from(typed);
        let end = time_at(reached as u64).max(start);
        out.push(Segment {
            start_ms: start,
            end_ms: end,
            text,
        });
        start = end;
    }
    tidy(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srt_and_vtt_are_exact_to_the_millisecond() {
        let s = [
            Segment::from_seconds(0.0, 3.2, " Hello there. "),
            Segment::new(3_723_004, 3_725_999, "Line one\n\nline two --> end"),
        ];
        assert_eq!(
            srt(&s),
            "1\n00:00:00,000 --> 00:00:03,200\nHello there.\n\n\
             2\n01:02:03,004 --> 01:02:05,999\nLine one\nline two → end\n\n"
        );
        assert_eq!(
            vtt(&[Segment::new(5, 1_005, "Fish & <chips>")], Some("en")),
            "WEBVTT\nLanguage: en\n\n00:00:00.005 --> 00:00:01.005\nFish &amp; &lt;chips&gt;\n\n"
        );
    }

    #[test]
    fn tidy_sorts_clips_and_stretches_but_keeps_every_segment() {
        let mut s = vec![
            Segment::new(4_000, 6_000, "c"),
            Segment::new(0, 2_500, "a"),
            Segment::new(2_000, 3_000, "b"),
            Segment::new(7_000, 7_000, "d"),
        ];
        let done = tidy(&mut s);
        assert_eq!(
            done,
            Tidied {
                reordered: true,
                clipped: 1,
                stretched: 1
            }
        );
        assert_eq!(
            s,
            [
                Segment::new(0, 2_000, "a"),
                Segment::new(2_000, 3_000, "b"),
                Segment::new(4_000, 6_000, "c"),
                Segment::new(7_000, 7_001, "d")
            ]
        );
    }

    #[test]
    fn srt_and_vtt_read_back_what_was_written() {
        let s = vec![
            Segment::new(0, 1_200, "Hi & <you>"),
            Segment::new(3_723_004, 3_725_999, "Two\nlines"),
        ];
        assert_eq!(parse(&srt(&s)), s);
        assert_eq!(parse(&vtt(&s, Some("en"))), s);
        let crlf = "WEBVTT\r\n\r\nNOTE x\r\n\r\n00:01.500 --> 00:02.000 align:start\r\nHi\r\n";
        assert_eq!(parse(crlf), [Segment::new(1_500, 2_000, "Hi")]);
        assert_eq!(parse("1\n00:00:01 --> 00:00:02\nno ms\n"), []);
    }

    #[test]
    fn a_script_is_cut_into_its_sentences() {
        assert_eq!(
            sentences("Hello! This is a test.  Is it? \"Yes.\" Dr.Who\nNew line 你好。再见。"),
            [
                "Hello!",
                "This is a test.",
                "Is it?",
                "\"Yes.\"",
                "Dr.Who",
                "New line 你好。",
                "再见。"
            ]
        );
    }

    #[test]
    fn the_script_takes_the_segments_times() {
        let heard = [
            Segment::new(500, 2_000, "Hello world."),
            Segment::new(2_400, 5_000, "How are you today?"),
        ];
        let aligned = align("Hello, world! How are you today?", &heard);
        assert_eq!(aligned.len(), 2);
        assert_eq!(aligned[0].text, "Hello, world!");
        assert_eq!(aligned[0].start_ms, 500);
        assert!((1_900..=2_400).contains(&aligned[0].end_ms), "{aligned:?}");
        assert_eq!(aligned[1].end_ms, 5_000);
        assert_eq!(align("Anything.", &[]), []);
    }
}
