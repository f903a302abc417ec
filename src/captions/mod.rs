//! Captions: the words of a finished video or speech, from a transcription
//! task (`Kind::Captions`), kept with that task as [`Captions`]. The video
//! or recording they belong to is the one whose link the task transcribed
//! ([`TaskStore::captions_for`](crate::tasks::store::TaskStore::captions_for)),
//! so nothing else records the pairing. The view is [`view`]: the
//! "Add captions" button with its exact price, the `<track>` in the
//! players, the editable lines and the `.srt`/`.vtt` downloads.

pub mod view;

use avatar_api::captions::{self, Segment};
use avatar_api::transcribe::Transcript;
use serde::{Deserialize, Serialize};

/// A transcription's captions as the page keeps them: tidied lines a person
/// may have edited, and the language the API reported.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Captions {
    /// E.g. `en`, as the API reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The lines in the order they are spoken, none overlapping the next.
    pub lines: Vec<Segment>,
    /// What the page changed in the API's lines when they came (sorted,
    /// cut, left out), said under them; empty when nothing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// A person changed a line (or took the script's words).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub edited: bool,
}

impl Captions {
    /// The captions of a finished transcription: its segments tidied
    /// ([`captions::tidy`]), and what that changed said in words.
    pub fn from_transcript(transcript: Transcript) -> Captions {
        let Transcript {
            language,
            mut segments,
            unreadable,
            ..
        } = transcript;
        let tidied = captions::tidy(&mut segments);
        let mut said = Vec::new();
        if tidied.reordered {
            said.push("The API sent its lines out of order: they are sorted by time".to_owned());
        }
        if tidied.clipped > 0 {
            said.push(format!(
                "{} overlapping line{} cut where the next begins",
                tidied.clipped,
                plural(tidied.clipped)
            ));
        }
        if tidied.stretched > 0 {
            said.push(format!(
                "{} line{} without a length given 1 ms",
                tidied.stretched,
                plural(tidied.stretched)
            ));
        }
        if unreadable > 0 {
            said.push(format!(
                "{unreadable} line{} without readable times left out",
                plural(unreadable)
            ));
        }
        let mut note = said.join("; ");
        if !note.is_empty() {
            note.push('.');
        }
        Captions {
            language,
            lines: segments,
            note,
            edited: false,
        }
    }

    /// True when the API heard no speech at all.
    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|l| l.text.trim().is_empty())
    }

    /// The language for a person, e.g. "en", or "language not reported".
    pub fn language_label(&self) -> String {
        match &self.language {
            Some(code) => code.clone(),
            None => "language not reported".to_owned(),
        }
    }

    /// The lines as a WebVTT file, with the language.
    pub fn vtt(&self) -> String {
        captions::vtt(&self.lines, self.language.as_deref())
    }

    /// The lines as a SubRip file.
    pub fn srt(&self) -> String {
        captions::srt(&self.lines)
    }

    /// Line `i` with its text, start or end changed; times keep their
    /// order (a start past the end moves the end with it). `false` when
    /// the change is refused (a time that does not read).
    pub fn edit(&mut self, i: usize, change: Edit) -> bool {
        let Some(line) = self.lines.get_mut(i) else {
            return false;
        };
        match change {
            Edit::Text(text) => line.text = text.trim().to_owned(),
            Edit::Start(ms) => {
                line.start_ms = ms;
                line.end_ms = line.end_ms.max(ms.saturating_add(1));
            }
            Edit::End(ms) => line.end_ms = ms.max(line.start_ms.saturating_add(1)),
        }
        self.edited = true;
        true
    }

    /// The typed `script`'s sentences on these lines' times
    /// ([`captions::align`]): the typed words are the true ones.
    pub fn with_script(&self, script: &str) -> Captions {
        Captions {
            lines: captions::align(script, &self.lines),
            edited: true,
            ..self.clone()
        }
    }
}

/// One change to a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// New words.
    Text(String),
    /// A new start, ms.
    Start(u64),
    /// A new end, ms.
    End(u64),
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Reads a time a person typed: seconds (`4.25`), `m:ss.mmm` or
/// `h:mm:ss.mmm`, to the millisecond.
pub fn read_time(text: &str) -> Option<u64> {
    let text = text.trim();
    let mut ms = 0u64;
    for part in text.split(':') {
        let seconds = avatar_api::number::parse_decimal(part.trim())?;
        if !(0.0..1e7).contains(&seconds) {
            return None;
        }
        ms = ms.checked_mul(60)?;
        ms = ms.checked_add(avatar_api::billing::seconds_to_ms(seconds))?;
    }
    Some(ms)
}

/// `ms` as a person reads and types it: `m:ss.mmm`.
pub fn show_time(ms: u64) -> String {
    format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_tidying_changed_is_said_in_one_sentence() {
        let t = Transcript {
            language: Some("en".into()),
            segments: vec![Segment::new(2_000, 3_000, "b"), Segment::new(0, 2_500, "a")],
            unreadable: 1,
            ..Transcript::default()
        };
        let c = Captions::from_transcript(t);
        assert_eq!(
            c.lines,
            [Segment::new(0, 2_000, "a"), Segment::new(2_000, 3_000, "b")]
        );
        assert_eq!(
            c.note,
            "The API sent its lines out of order: they are sorted by time; 1 overlapping line cut where the next begins; 1 line without readable times left out."
        );
        let clean = Captions::from_transcript(Transcript {
            segments: vec![Segment::new(0, 1, "a")],
            ..Transcript::default()
        });
        assert_eq!(
            (clean.note.as_str(), clean.language_label()),
            ("", "language not reported".to_owned())
        );
        assert!(Captions::default().is_empty());
    }

    #[test]
    fn edits_keep_times_in_order() {
        let mut c = Captions {
            lines: vec![Segment::new(1_000, 2_000, "Helo")],
            ..Captions::default()
        };
        assert!(c.edit(0, Edit::Text(" Hello ".into())));
        assert!(c.edit(0, Edit::Start(2_500)));
        assert_eq!(c.lines[0], Segment::new(2_500, 2_501, "Hello"));
        assert!(c.edit(0, Edit::End(1_000)));
        assert_eq!(c.lines[0].end_ms, 2_501);
        assert!(!c.edit(3, Edit::End(1)));
        assert!(c.edited);
        assert!(c.vtt().contains("00:00:02.500 --> 00:00:02.501\nHello"));
    }

    #[test]
    fn times_are_read_as_people_type_them() {
        assert_eq!(read_time("4.25"), Some(4_250));
        assert_eq!(read_time(" 1:02.5 "), Some(62_500));
        assert_eq!(read_time("1:00:00.001"), Some(3_600_001));
        assert_eq!(read_time("abc"), None);
        assert_eq!(read_time("-1"), None);
        assert_eq!(show_time(62_500), "1:02.500");
        assert_eq!(read_time(&show_time(3_723_004)), Some(3_723_004));
    }
}
