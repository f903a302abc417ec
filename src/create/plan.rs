//! Sending is a plan. The form and its variants become [`Video`]s (each
//! request checked and priced by the contract) and then a [`Plan`]: the
//! rows that go out, one POST after another, each exactly once, and what
//! became of each. A single video is a one-row plan. [`may_send`] is the one
//! answer to "may we send now?", read by Generate's label, its click and
//! "Send the remaining N". Pure (tested natively); the sending itself is
//! `create/send.rs`'s.
//!
//! A batch (more than one row) shares the form's portrait, and while it is
//! sent its plan is saved (`localStorage`, [`crate::storage::save_plan`])
//! before each POST, so a reload in the middle never forgets a row: rows not
//! sent yet are offered, never sent by themselves, and a row whose POST was
//! out when the page went away counts as "outcome unknown".

use avatar_api::model::{Field, Model};
use avatar_api::{AvatarRequest, FieldError, Quote, SubmitResponse};
use serde::{Deserialize, Serialize};

use crate::form::Form;
use crate::tasks::record::{BatchTag, TaskRecord};
use crate::tasks::request::TaskRequest;

/// The fields a variant sets itself, per model, in the order its card
/// shows them; the others (model, the portrait or source, the two-person
/// image) are the form's.
pub fn varied_fields(model: Model) -> &'static [Field] {
    match model {
        Model::AvatarPro => &[
            Field::AudioUrl,
            Field::Duration,
            Field::Resolution,
            Field::Framerate,
            Field::AudioDurationSeconds,
            Field::MotionPrompt,
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

/// Where "Use this speech" puts a speech: the form (`None`) while its
/// speech is empty, else the first variant without one (`Some(i)`), else
/// the form again.
pub fn speech_slot(form: &Form, variants: &[Form]) -> Option<usize> {
    let empty = |f: &Form| f.billing_audio_url().trim().is_empty();
    if empty(form) {
        return None;
    }
    variants.iter().position(empty)
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

/// One video the form would send: its request, problems and price.
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    /// The request it sends.
    pub request: AvatarRequest,
    /// Its problems (empty when valid).
    pub errors: Vec<FieldError>,
    /// Its price, when it has one.
    pub quote: Option<Quote>,
}

impl Video {
    fn of(form: &Form) -> Video {
        let request = form.to_request();
        Video {
            errors: request.validate().err().unwrap_or_default(),
            quote: request.quote(),
            request,
        }
    }

    /// Its price in credits, when it has one.
    pub fn credits(&self) -> Option<u64> {
        self.quote.as_ref().map(|q| q.credits)
    }
}

/// The videos Generate sends: the form first, then each variant with the
/// form's portrait.
pub fn videos(form: &Form, variants: &[Form]) -> Vec<Video> {
    std::iter::once(Video::of(form))
        .chain(variants.iter().map(|v| Video::of(&with_shared(form, v))))
        .collect()
}

/// What all `videos` cost, when every one has a price.
pub fn total(videos: &[Video]) -> Option<u64> {
    videos.iter().map(Video::credits).sum()
}

/// What "may we send now?" depends on besides the videos, at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moment {
    /// Now, Unix ms.
    pub now: u64,
    /// A request is out.
    pub pending: bool,
    /// After an accepted submit Generate says "Sent" until then (Unix ms).
    pub sent_until: u64,
    /// The browser has a network.
    pub online: bool,
    /// The API asked to wait until then (Unix ms).
    pub blocked_until: u64,
    /// The page asks for a key and none is set.
    pub missing_key: bool,
}

/// Why nothing may be sent now, first reason first.
#[derive(Debug, Clone, PartialEq)]
pub enum NotNow {
    /// A request is out.
    Sending,
    /// A submit was just accepted.
    JustSent,
    /// The browser is offline.
    Offline,
    /// The API asked to wait this long (ms).
    Wait(u64),
    /// The form's first problem.
    Field(FieldError),
    /// A variant's first problem: "Variant 3: …".
    Variant(String),
    /// No key.
    NoKey,
}

impl std::fmt::Display for NotNow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotNow::Sending => f.write_str("Sending…"),
            NotNow::JustSent => f.write_str("Sent: the task is in the list."),
            NotNow::Offline => f.write_str(crate::api::OFFLINE),
            NotNow::Wait(ms) => write!(
                f,
                "The API asked to wait: try again in {} s.",
                ms.div_ceil(1000)
            ),
            NotNow::Field(e) => f.write_str(&e.message),
            NotNow::Variant(text) => f.write_str(text),
            NotNow::NoKey => f.write_str("Add your API key in Settings to generate."),
        }
    }
}

/// May `videos` be sent at `moment`? Generate passes the form's videos; "Send
/// the remaining N" passes none (its rows were checked when it was planned).
pub fn may_send(moment: &Moment, videos: &[Video]) -> Result<(), NotNow> {
    let wait = moment.blocked_until.saturating_sub(moment.now);
    if moment.pending {
        Err(NotNow::Sending)
    } else if moment.sent_until > moment.now {
        Err(NotNow::JustSent)
    } else if !moment.online {
        Err(NotNow::Offline)
    } else if wait > 0 {
        Err(NotNow::Wait(wait))
    } else if let Some(e) = videos.first().and_then(|v| v.errors.first()) {
        Err(NotNow::Field(e.clone()))
    } else if let Some((n, e)) =
        (videos.iter().enumerate().skip(1)).find_map(|(i, v)| v.errors.first().map(|e| (i + 1, e)))
    {
        Err(NotNow::Variant(format!("Variant {n}: {}", e.message)))
    } else if moment.missing_key {
        Err(NotNow::NoKey)
    } else {
        Ok(())
    }
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

/// One row of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The request, with its endpoint.
    pub request: TaskRequest,
    /// Its price.
    pub credits: u64,
    /// What became of it.
    #[serde(default)]
    pub state: RowState,
}

/// Requests on their way: the rows and why sending stopped, if it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Tags a batch's tasks ([`BatchTag::id`]).
    pub id: String,
    /// The rows, in sending order.
    pub rows: Vec<Row>,
    /// Why sending stopped before the end (the API's answer, in words).
    #[serde(default)]
    pub stopped: Option<String>,
}

impl Plan {
    /// The plan for `videos`, none sent yet; `None` unless each has a price.
    pub fn new(id: String, videos: &[Video]) -> Option<Plan> {
        let rows = videos
            .iter()
            .map(|v| {
                Some(Row {
                    request: v.request.clone().into(),
                    credits: v.credits()?,
                    state: RowState::Unsent,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Plan {
            id,
            rows,
            stopped: None,
        })
    }

    /// A plan of one request of any kind, priced `credits`.
    pub fn one(request: TaskRequest, credits: u64) -> Plan {
        Plan {
            id: String::new(),
            rows: vec![Row {
                request,
                credits,
                state: RowState::Unsent,
            }],
            stopped: None,
        }
    }

    /// More than one row: its tasks are tagged and it is saved while sent.
    pub fn is_batch(&self) -> bool {
        self.rows.len() > 1
    }

    /// True while `videos` still send exactly these requests.
    pub fn is_for(&self, videos: &[Video]) -> bool {
        self.rows.len() == videos.len()
            && self
                .rows
                .iter()
                .zip(videos)
                .all(|(r, v)| r.request.video() == Some(&v.request))
    }

    /// The tag of row `i` (from 0); none for a single video.
    pub fn tag(&self, i: usize) -> Option<BatchTag> {
        self.is_batch().then(|| BatchTag {
            id: self.id.clone(),
            index: i as u32 + 1,
            size: self.rows.len() as u32,
        })
    }

    /// The task record of row `i`, sent at `sent_ms` with `key`: accepted
    /// with the API's answer, or of unknown outcome (`Err(why)`).
    pub fn record(
        &self,
        i: usize,
        answer: Result<SubmitResponse, String>,
        sent_ms: u64,
        key: Option<String>,
    ) -> TaskRecord {
        let row = &self.rows[i];
        let mut record = match answer {
            Ok(a) => TaskRecord::accepted(
                a.task_id,
                row.request.clone(),
                row.credits,
                sent_ms,
                a.status,
                key,
            ),
            Err(why) => {
                TaskRecord::outcome_unknown(row.request.clone(), row.credits, sent_ms, why, key)
            }
        };
        if let Some(tag) = self.tag(i) {
            record.batch = Some(tag);
        }
        record
    }

    /// Rows (from 0) not sent yet.
    pub fn unsent(&self) -> Vec<usize> {
        self.indexes(RowState::Unsent)
    }

    /// Credits of `rows` (from 0).
    pub fn credits(&self, rows: &[usize]) -> u64 {
        rows.iter().map(|&i| self.rows[i].credits).sum()
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
        let accepted = self.indexes(RowState::Accepted);
        if !accepted.is_empty() {
            parts.push(format!(
                "Sent and charged: {} ({} credits).",
                variants(&accepted),
                self.credits(&accepted)
            ));
        }
        let unknown = self.indexes(RowState::Unknown);
        if !unknown.is_empty() {
            parts.push(format!(
                "No answer for {}: it may have been charged {} credits; it is in the list as \"Outcome unknown\".",
                variants(&unknown),
                self.credits(&unknown)
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
mod tests;
