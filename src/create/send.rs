//! Sending a [`Plan`]: one path for a single video and a batch. Its rows go
//! out one POST after another, each once; the first answer that is not an
//! acceptance stops it, and its words go where the user can act on them.
//! [`Sender`] carries what sending needs, so the submit components and their
//! event handlers share one handle.

use avatar_api::Kind;
use leptos::prelude::*;

use super::plan::{Moment, Plan, RowState, variants_at_start};
use crate::api::ApiError;
use crate::credits::charged_to;
use crate::ctx::{Announcer, Connection, Draft, SettingsState, Touched, now_ms};
use crate::storage::Scope;
use crate::tasks::record::TaskRecord;
use crate::tasks::request::TaskRequest;
use crate::tasks::store::TaskStore;
use crate::widgets::{field_id, focus_id};

/// How long Generate shows "Sent" after an accepted submit, so a person's
/// second click does not send the form again.
const SENT_LOCK_MS: u64 = 2_000;
/// Sending a request identical to one sent this recently asks first.
const DUPLICATE_WINDOW_MS: u64 = 10 * 60 * 1000;

/// What sending needs: the contexts it touches and its own state. Made
/// once by [`super::submit::SubmitArea`] and provided to its parts.
#[derive(Clone, Copy)]
pub(crate) struct Sender {
    conn: Connection,
    pub announcer: Announcer,
    tasks: TaskStore,
    draft: Draft,
    settings: SettingsState,
    /// A request is out.
    pending: RwSignal<bool>,
    /// Generate says "Sent" until then (Unix ms).
    sent_until: RwSignal<u64>,
    /// The API asked to wait until then (Unix ms).
    blocked_until: RwSignal<u64>,
    /// A batch being sent, or stopped before its end: its rest is offered.
    pub batch: RwSignal<Option<Plan>>,
    /// The question asked before sending again, with the plan it is about.
    pub question: RwSignal<Option<(Plan, String)>>,
    /// The id of the button that answers "yes" to that question.
    confirm_id: &'static str,
}

impl Sender {
    /// The handles from the current component's context, for a button whose
    /// question is answered by the button `confirm_id`.
    pub fn from_context(confirm_id: &'static str) -> Sender {
        Sender {
            conn: expect_context(),
            announcer: expect_context(),
            tasks: expect_context(),
            draft: expect_context(),
            settings: expect_context(),
            pending: RwSignal::new(false),
            sent_until: RwSignal::new(0),
            blocked_until: RwSignal::new(0),
            batch: RwSignal::new(None),
            question: RwSignal::new(None),
            confirm_id,
        }
    }

    /// A request is out (tracked).
    pub fn is_sending(&self) -> bool {
        self.pending.get()
    }

    /// What "may we send?" depends on at `now` (tracked).
    pub fn moment(&self, now: u64) -> Moment {
        Moment {
            now,
            pending: self.pending.get(),
            sent_until: self.sent_until.get(),
            online: self.conn.online.get(),
            blocked_until: self.blocked_until.get(),
            missing_key: self.conn.missing_key(),
        }
    }

    /// Asks first when a row repeats a recent request (or one whose outcome
    /// is unknown); else sends `plan`.
    pub fn ask_or_send(self, plan: Plan) {
        let now = now_ms();
        let repeated: Vec<(usize, TaskRecord)> = (plan.rows.iter().enumerate())
            .filter_map(|(i, row)| Some((i, self.recent_duplicate(&row.request, now)?)))
            .collect();
        let question = match repeated.as_slice() {
            [] => return self.send(plan),
            [(_, earlier)] if !plan.is_batch() => duplicate_question(earlier, now),
            _ => format!(
                "{} of this batch repeat{} a request you sent in the last 10 minutes (or whose outcome is unknown). Send the whole batch and pay again?",
                variants_at_start(&repeated.iter().map(|r| r.0).collect::<Vec<_>>()),
                if repeated.len() == 1 { "s" } else { "" }
            ),
        };
        self.announcer.say(question.clone());
        self.question.set(Some((plan, question)));
        let id = self.confirm_id;
        request_animation_frame(move || focus_id(id));
    }

    /// The newest task that sent `request` recently (or whose outcome is
    /// unknown, however long ago).
    fn recent_duplicate(&self, request: &TaskRequest, now: u64) -> Option<TaskRecord> {
        (self.tasks.newest(usize::MAX).into_iter())
            .filter_map(|entry| entry.record.try_get_untracked())
            .find(|t| {
                &t.request == request
                    && (t.is_outcome_unknown()
                        || now.saturating_sub(t.submitted_ms) < DUPLICATE_WINDOW_MS)
            })
    }

    /// Sends the rows of `plan` not sent yet. Every way out clears `pending`.
    pub fn send(self, plan: Plan) {
        // Made here, not in the task: it marks itself as sending at once,
        // so a second click in the same tick finds it busy.
        let sent = self.run(plan);
        leptos::task::spawn_local(async move {
            let _ = sent.await;
        });
    }

    /// Sends the rows of `plan` not sent yet, says how it went, and returns
    /// the last accepted task's id, or the answer that stopped it. Marks
    /// itself as sending at once, before the first await, so a second
    /// click finds it busy.
    pub fn run(self, mut plan: Plan) -> impl Future<Output = Result<String, ApiError>> {
        let client = self.conn.client();
        let key = charged_to(client.key.as_deref());
        self.announcer.clear();
        self.draft.server_errors.set(Vec::new());
        self.question.set(None);
        self.pending.set(true);
        self.announcer.say(if plan.is_batch() {
            "Sending the batch…"
        } else {
            "Sending the request…"
        });
        async move {
            let mut stop = None;
            let mut last = String::new();
            for i in plan.unsent() {
                plan.rows[i].state = RowState::Sending;
                plan.stopped = None;
                self.keep(Some(&plan));
                let sent_ms = now_ms();
                let answer = match client.submit(&plan.rows[i].request).await {
                    Ok(accepted) => Some(Ok(accepted)),
                    Err(e) => {
                        let unknown = e.outcome_unknown().then(|| e.to_string());
                        plan.stopped = Some(format!("Variant {}: {e}", i + 1));
                        stop = Some(e);
                        unknown.map(Err)
                    }
                };
                plan.rows[i].state = match &answer {
                    Some(Ok(_)) => RowState::Accepted,
                    Some(Err(_)) => RowState::Unknown,
                    None => RowState::Unsent,
                };
                if let Some(answer) = answer {
                    let record = plan.record(i, answer, sent_ms, Some(key.clone()));
                    last.clone_from(&record.task_id);
                    self.tasks.add(record);
                }
                if stop.is_some() {
                    break;
                }
            }
            let _ = self.pending.try_set(false);
            let done = stop.is_none();
            self.keep((!done).then_some(&plan));
            if done {
                let _ = self.sent_until.try_set(now_ms() + SENT_LOCK_MS);
            }
            if let Some(ApiError::NotEnoughCredits {
                balance: Some(b), ..
            }) = &stop
            {
                self.conn.balances.remember(key, *b, now_ms());
            }
            self.report(&plan, stop.clone(), &last);
            match stop {
                Some(e) => Err(e),
                None => Ok(last),
            }
        }
    }

    /// Keeps a batch (saved, and shown with its rest) while it is sent or
    /// stopped; `None` forgets it. A single video is not kept.
    fn keep(&self, plan: Option<&Plan>) {
        if plan.is_some_and(|p| !p.is_batch()) {
            return;
        }
        self.tasks.keep(Scope::batch, plan);
        let _ = self.batch.try_set(plan.cloned());
    }

    /// Says how sending `plan` ended; `last` is the newest task's id.
    fn report(&self, plan: &Plan, stop: Option<ApiError>, last: &str) {
        let credits = plan.rows.iter().map(|r| r.credits).sum::<u64>();
        let request = &plan.rows[0].request;
        let (kind, estimate) = (request.kind(), request.is_estimate());
        match stop {
            None if kind != Kind::Video => {
                let price = if estimate {
                    format!("about {credits} credits (an estimate, settled when it is ready)")
                } else {
                    format!("{credits} credits")
                };
                let when = match kind {
                    Kind::Captions => "The captions appear with what they caption when they are ready.".to_owned(),
                    _ => format!("The {} appears in the task list when it is ready.", kind.noun()),
                };
                return self.announcer.info(format!("Submitted: {price}. {when}"));
            }
            None if plan.is_batch() => self.announcer.info(format!(
                "Batch sent. {} The videos appear in the list as they finish.",
                plan.report()
            )),
            None => self.announcer.info(format!(
                "Submitted: {credits} credits charged. The video appears in the task list when it is ready."
            )),
            Some(e) if plan.is_batch() => {
                if !e.outcome_unknown() {
                    self.explain(e.clone());
                }
                self.announcer
                    .error(format!("The batch stopped: {e} {}", plan.report()));
                request_animation_frame(|| focus_id("batch-status"));
                return;
            }
            Some(e) if e.outcome_unknown() => self.announcer.error(format!(
                "No answer came back: {e} The request may have been accepted and charged {}{credits} credits; it is kept in your list as \"Outcome unknown\". Check your balance before sending it again.",
                if estimate { "about " } else { "" }
            )),
            Some(e) => return self.explain(e),
        }
        if !plan.is_batch() && !last.is_empty() {
            let id = format!("task-{last}");
            request_animation_frame(move || focus_id(&id));
        }
    }

    /// Puts a refused submit's words where the user can act on them.
    fn explain(&self, e: ApiError) {
        let (announcer, conn) = (self.announcer, self.conn);
        match &e {
            ApiError::Invalid(fields) => {
                announcer.error(e.to_string());
                self.draft.server_errors.set(fields.clone());
                let known = fields
                    .iter()
                    .find(|f| document().get_element_by_id(&field_id(&f.field)).is_some());
                match known {
                    Some(f) => focus_id(&field_id(&f.field)),
                    None => focus_id("notice"),
                }
                return;
            }
            ApiError::Rejected if !conn.wants_key() => announcer.error(
                "The API rejected this site's key (HTTP 401): the proxy in front of the API needs a valid key. Tell whoever runs this site.",
            ),
            ApiError::Rejected => {
                announcer.error(e.to_string());
                conn.rejected_key.set(Some(conn.api_key.get_untracked()));
                self.settings.open.set(true);
                request_animation_frame(|| focus_id("api-key"));
                return;
            }
            ApiError::RateLimited { retry_after_ms } => {
                announcer.error(e.to_string());
                self.blocked_until
                    .set(now_ms() + retry_after_ms.unwrap_or(5_000));
            }
            _ => {
                announcer.error(e.to_string());
                if let Some(ms) = e.retry_after_ms() {
                    self.blocked_until.set(now_ms() + ms);
                }
            }
        }
        request_animation_frame(|| focus_id("notice"));
    }

    /// Every field shows its problem (a refused click).
    pub fn touch_all(&self) {
        self.draft.touched.set(Touched::all());
    }

    /// Forgets the batch: its rest will not be sent.
    pub fn forget_batch(&self) {
        self.keep(None);
    }

    /// Opens the settings on the key: Generate needs one.
    pub fn ask_for_key(&self, why: String) {
        self.settings.open.set(true);
        self.announcer.error(why);
        focus_id("api-key");
    }

    /// A batch the page was sending when it was left: its POST in flight
    /// counts as outcome unknown; the rest waits for the user.
    pub fn resume(&self) {
        let Some(mut plan) = self.tasks.kept::<Plan>(Scope::batch) else {
            return;
        };
        for i in plan.interrupted() {
            let why = "The page was closed while this request was being sent.".to_owned();
            self.tasks.add(plan.record(i, Err(why), now_ms(), None));
        }
        if plan.unsent().is_empty() {
            self.keep(None);
        } else {
            plan.stopped = Some("The page was closed while the batch was being sent.".to_owned());
            self.keep(Some(&plan));
        }
    }
}

/// "You sent this same request 3 min ago for 20 credits, and …"
fn duplicate_question(task: &TaskRecord, now: u64) -> String {
    let ago = avatar_api::estimate::format_duration(now.saturating_sub(task.submitted_ms));
    let state = if task.is_outcome_unknown() {
        "no answer came back, so it may have been accepted and charged".to_owned()
    } else {
        format!("it is in your list ({})", crate::tasks::status_label(task))
    };
    format!(
        "You sent this same request {ago} ago for {} credits, and {state}. Send it again and pay again?",
        task.credits
    )
}
