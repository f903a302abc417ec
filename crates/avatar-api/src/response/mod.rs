//! Response bodies: the 202 submit answer, the task status and the error
//! envelope. Parsing is tolerant: unknown fields are ignored, optional
//! fields may be absent or `null`, and unknown `status` strings are kept.
//!
//! A real API answers in ways the docs do not show, so 2xx bodies are read
//! with [`parse_submit`] and [`parse_task`], and error bodies with
//! [`parse_error_body`]. The decisions:
//!
//! - **Wrappers**: the answer may sit inside `data` or `task` (up to three
//!   levels, e.g. `{"data":{"task":{…}}}`), or inside `result` when that
//!   object carries its own `task_id` or `status`.
//! - **Task ids** are strings or integers, under `task_id`, `taskId` or `id`.
//! - **Statuses** are matched ignoring case, surrounding spaces and `-`/`_`/
//!   space differences, with synonyms (see [`TaskStatus::parse`]).
//! - **The video link** is the first string of `videoUrl`, `video_url`,
//!   `result_url`, then the same names and `url` inside `result` or
//!   `output`, then `result`/`output` given as a string, then a top-level
//!   `url`. Only [`Task::usable_video_url`] is ever shown or fetched. Speech
//!   and pictures are found the same way under their own names
//!   ([`Kind::link_keys`](crate::kind::Kind::link_keys)); [`Task::usable_link`].
//! - **Not credulous**: a status answer without a `status`, or a submit
//!   answer without a task id, is [`NotUnderstood`], never a pending task.
//!
//! Where each part lives: `status` ([`TaskStatus`]), `submit`
//! ([`SubmitResponse`]), `task` ([`Task`], [`TaskError`]), `parse` (the
//! unwrapping 2xx readers, [`NotUnderstood`]), `error` (any error answer,
//! [`ProviderError`]), `envelope` (the [`ErrorBody`] servers write),
//! [`codes`], `excerpt` (a body for a person) and `fields` (one JSON field
//! read tolerantly). Everything public is re-exported here.

pub mod codes;
mod envelope;
mod error;
mod excerpt;
mod fields;
mod parse;
mod status;
mod submit;
mod task;

pub use envelope::{ErrorBody, ErrorDetail};
pub use error::{ProviderError, parse_error_body};
pub use excerpt::{EXCERPT_MAX_CHARS, excerpt};
pub(crate) use fields::number;
pub use parse::{NotUnderstood, parse_submit, parse_task};
pub use status::TaskStatus;
pub use submit::SubmitResponse;
pub use task::{Task, TaskError, normalize_progress};
