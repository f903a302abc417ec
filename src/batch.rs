//! Batches: the form plus variants of it that share its portrait, sent one
//! POST per row, one after another, each exactly once. Pure (tested
//! natively); saving a plan is [`crate::storage::save_plan`]'s, the table
//! and the sending are [`crate::create`]'s.
//!
//! While a batch is being sent its [`Plan`] is saved (`localStorage`,
//! [`crate::storage::Scope::batch`]) before each POST, so a reload in the
//! middle never forgets a row: rows not sent yet are offered, never sent by
//! themselves, and a row whose POST was out when the page went away counts
//! as "outcome unknown" (it may have been charged).

use avatar_api::AvatarRequest;
use avatar_api::model::{Field, Model};
use serde::{Deserialize, Serialize};

use crate::form::Form;

/// The fields a variant sets itself, per model; the others (model, the
/// portrait or source, the two-person image) are the form's.
pub fn varied_fields(model: Model) -> &'static [Field] {
    match model {
        Model::AvatarPro => &[
            Field::AudioUrl,
            Field::Duration,
            Field::Resolution,
            Field::Framerate,
            Field::MotionPrompt,
            Field::AudioDurationSeconds,
        ],
        Model::DigitalHuman => &[
            Field::AudioUrl,
            Field::AudioDurationSeconds,
            Field::Width,
            Field::Height,
        ],
        Model::DualAvatar => &[
            Field::AudioMixUrl,
            Field::Audio1Url,
            Field::Audio2Url,
            Field::AudioDurationSeconds,
            Field::Width,
            Field::Height,
        ],
    }
}

/// `variant` with what it shares taken from the form (`base`).
pub fn with_shared(base: &Form, variant: &Form) -> Form {
    Form {
        model: base.model,
        image_url: base.image_url.clone(),
        video_url: base.video_url.clone(),
        use_video: base.use_video,
        dual_image_url: base.dual_image_url.clone(),
        ..variant.clone()
    }
}

/// Which batch a task was sent in, and as which row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchTag {
    /// The batch's id (its plan's).
    pub id: String,
    /// The row, from 1.
    pub index: u32,
    /// Rows in the batch.
    pub size: u32,
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Not sent.
    #[default]
    Unsent,
    /// Its POST is out (saved before sending).
    Sending,
    /// Accepted and charged.
    Accepted,
    /// No readable answer: it may have been accepted and charged.
    Unknown,
}

/// One row of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The request, with its model.
    #[serde(with = "avatar_api::request::tagged")]
    pub request: AvatarRequest,
    /// Its price.
    pub credits: u64,
    /// What became of it.
    #[serde(default)]
    pub state: RowState,
}

/// A batch on its way: its rows and why sending stopped, if it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Tags its tasks ([`BatchTag::id`]).
    pub id: String,
    /// The rows, in sending order.
    pub rows: Vec<Row>,
    /// Why sending stopped before the end (the API's answer, in words).
    #[serde(default)]
    pub stopped: Option<String>,
}

impl Plan {
    /// A batch of `rows` (request and price), none sent yet.
    pub fn new(id: String, rows: Vec<(AvatarRequest, u64)>) -> Plan {
        Plan {
            id,
            rows: rows
                .into_iter()
                .map(|(request, credits)| Row {
                    request,
                    credits,
                    state: RowState::Unsent,
                })
                .collect(),
            stopped: None,
        }
    }

    /// The tag of row `i` (from 0).
    pub fn tag(&self, i: usize) -> BatchTag {
        BatchTag {
            id: self.id.clone(),
            index: i as u32 + 1,
            size: self.rows.len() as u32,
        }
    }

    /// Rows (from 0) not sent yet.
    pub fn unsent(&self) -> Vec<usize> {
        self.indexes(RowState::Unsent)
    }

    /// Credits of the rows not sent yet.
    pub fn unsent_credits(&self) -> u64 {
        self.unsent().iter().map(|&i| self.rows[i].credits).sum()
    }

    fn indexes(&self, state: RowState) -> Vec<usize> {
        (0..self.rows.len())
            .filter(|&i| self.rows[i].state == state)
            .collect()
    }

    /// After a reload: a POST that was out when the page went away has an
    /// unknown outcome. Returns those rows (from 0).
    pub fn interrupted(&mut self) -> Vec<usize> {
        let out = self.indexes(RowState::Sending);
        for &i in &out {
            self.rows[i].state = RowState::Unknown;
        }
        out
    }

    /// What was sent, charged and not sent, in words.
    pub fn report(&self) -> String {
        let mut parts = Vec::new();
        let credits = |rows: &[usize]| rows.iter().map(|&i| self.rows[i].credits).sum::<u64>();
        let accepted = self.indexes(RowState::Accepted);
        if !accepted.is_empty() {
            parts.push(format!(
                "Sent and charged: {} ({} credits).",
                variants(&accepted),
                credits(&accepted)
            ));
        }
        let unknown = self.indexes(RowState::Unknown);
        if !unknown.is_empty() {
            parts.push(format!(
                "No answer for {}: it may have been charged {} credits; it is in the list as \"Outcome unknown\".",
                variants(&unknown),
                credits(&unknown)
            ));
        }
        let unsent = self.unsent();
        if !unsent.is_empty() {
            parts.push(format!("Not sent: {}.", variants(&unsent)));
        }
        parts.join(" ")
    }
}

/// "variant 2", "variants 3 and 4", "variants 1, 2 and 3" (rows from 0).
pub fn variants(rows: &[usize]) -> String {
    let n: Vec<String> = rows.iter().map(|i| (i + 1).to_string()).collect();
    match n.as_slice() {
        [] => String::new(),
        [one] => format!("variant {one}"),
        [rest @ .., last] => format!("variants {} and {last}", rest.join(", ")),
    }
}

/// [`variants`] to start a sentence: "Variant 2", "Variants 3 and 4". ASCII
/// upper case: Unicode's case tables would cost 7 KB of the download.
pub fn variants_at_start(rows: &[usize]) -> String {
    let mut text = variants(rows);
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(states: &[RowState]) -> Plan {
        let mut p = Plan::new(
            "b1".into(),
            (0..states.len())
                .map(|i| (Form::default().to_request(), 8 + i as u64))
                .collect(),
        );
        for (row, state) in p.rows.iter_mut().zip(states) {
            row.state = *state;
        }
        p
    }

    #[test]
    fn variants_are_listed_as_a_person_says_them() {
        assert_eq!(variants(&[1]), "variant 2");
        assert_eq!(variants(&[2, 3]), "variants 3 and 4");
        assert_eq!(variants(&[0, 1, 2]), "variants 1, 2 and 3");
        assert_eq!(variants_at_start(&[1]), "Variant 2");
        assert_eq!(variants_at_start(&[2, 3]), "Variants 3 and 4");
        assert_eq!(variants_at_start(&[]), "");
    }

    #[test]
    fn the_report_names_what_was_charged_and_what_was_not_sent() {
        use RowState::*;
        let p = plan(&[Accepted, Accepted, Unsent, Unsent]);
        assert_eq!(
            p.report(),
            "Sent and charged: variants 1 and 2 (17 credits). Not sent: variants 3 and 4."
        );
        assert_eq!(p.unsent(), [2, 3]);
        assert_eq!(p.unsent_credits(), 21);
        let p = plan(&[Accepted, Unknown, Unsent]);
        assert!(
            p.report()
                .contains("No answer for variant 2: it may have been charged 9 credits")
        );
    }

    #[test]
    fn a_post_out_at_reload_becomes_unknown_and_is_never_unsent() {
        use RowState::*;
        let mut p = plan(&[Accepted, Sending, Unsent]);
        let saved = serde_json::to_string(&p).unwrap();
        let mut back: Plan = serde_json::from_str(&saved).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.interrupted(), [1]);
        assert_eq!(back.rows[1].state, Unknown);
        assert_eq!(back.unsent(), [2]);
        p.interrupted();
        assert_eq!(p, back);
    }

    #[test]
    fn a_variant_keeps_its_own_fields_and_takes_the_portrait() {
        let base = Form {
            image_url: "https://a/p.png".into(),
            audio_url: "https://a/1.mp3".into(),
            ..Form::default()
        };
        let variant = Form {
            image_url: "https://stale/old.png".into(),
            audio_url: "https://a/2.mp3".into(),
            resolution: 720,
            ..Form::default()
        };
        let f = with_shared(&base, &variant);
        assert_eq!(f.image_url, "https://a/p.png");
        assert_eq!(f.audio_url, "https://a/2.mp3");
        assert_eq!(f.resolution, 720);
        for m in Model::ALL {
            assert!(!varied_fields(m).contains(&Field::ImageUrl));
        }
    }
}
