//! The AI Avatar HTTP API contract, written once and compiled into both the
//! web app (wasm) and the emulator (native). It owns every rule of the API
//! and is pure Rust: no I/O, no clock, no randomness (callers pass time and
//! random numbers in), so every rule is unit- and property-tested natively.
//!
//! # Modules
//!
//! - [`model`]: the three generation endpoints and the values their fields allow.
//! - [`kind`]: the kinds of task (video, speech, portrait): where each is polled and its result field.
//! - [`voice`]: speech from a script (`/api/v2/voice/clone`), its checks and estimated price.
//! - [`image`]: a picture from a description (`/api/v2/image/generate`), its checks and price.
//! - [`request`]: the request bodies of the three submit endpoints.
//! - [`validate`]: field validation, every problem reported at once.
//! - [`advice`]: checks before paying (the speech against the duration, the
//!   portrait against the video, share pages instead of files): warnings, not refusals.
//! - [`billing`]: the exact cost of a request, in whole credits.
//! - [`transcribe`]: speech to text (`/api/v2/voice/transcribe`), its checks, exact price and answer.
//! - [`captions`]: timed segments tidied, written as SubRip and WebVTT, and a typed script aligned to them.
//! - [`estimate`]: how long a task takes, and the progress and time left to show.
//! - [`poll`]: when to check a task next, a pure schedule.
//! - [`response`]: the answers (submit, task status, errors), read tolerantly.
//! - [`connection`]: the API base URL and the API key a user pastes, checked.
//! - [`number`]: decimal numbers read without the standard float parser.
//!
//! # Decisions where the provider's docs are silent
//!
//! These are ours, kept in one place so they are easy to change:
//!
//! - **Characters** in `motion_prompt` are Unicode scalar values (what
//!   Python's `len` counts), not UTF-16 units or bytes.
//! - **Durations in seconds** (`audio_duration_seconds`) are billed at
//!   millisecond precision: the value is rounded to the nearest millisecond
//!   before any arithmetic, so billing is integer-exact.
//! - **`audio_duration_seconds`** is required when `duration` is `0` (without
//!   it the cost is unknown) and must be a finite number from 0.001 to
//!   [`model::MAX_AUDIO_SECONDS`]. Longer audio has no quote at all: every
//!   cost, estimate and schedule function is total (checked or saturating
//!   arithmetic), whatever numbers it is given.
//! - **Width and height** of the sibling endpoints must be even integers
//!   between [`model::MIN_SIDE`] and [`model::MAX_SIDE`] pixels.
//! - **Error statuses**: invalid input is `400` with code `invalid_request`;
//!   an unknown task is `404` `task_not_found`; insufficient credits `402`
//!   `insufficient_credits` carrying `required` and `balance` inside `error`
//!   (clients read them beside `error` too); rate limiting `429`
//!   `rate_limited` with `Retry-After` in seconds. See [`response::codes`].
//! - **`progress`** is read tolerantly: absent, `null` or not a number means
//!   "unknown"; a value above 1 and up to 100 is taken as a percentage; the
//!   result is clamped to `0.0..=1.0`.
//! - **Answers** of the real API are read tolerantly but not credulously
//!   (wrappers, numeric ids, status synonyms, other places for the video
//!   link, error bodies of any shape, HTML pages): see [`response`].

pub mod advice;
pub mod billing;
pub mod captions;
pub mod connection;
pub mod estimate;
pub mod image;
pub mod kind;
pub mod model;
pub mod number;
pub mod poll;
pub mod request;
pub mod response;
pub mod transcribe;
pub mod validate;
pub mod voice;

pub use advice::{Advice, Fix};
pub use billing::Quote;
pub use image::{Aspect, ImageModel, ImageRequest};
pub use kind::Kind;
pub use model::Model;
pub use request::{AvatarRequest, DigitalHumanRequest, DualRequest, ProRequest};
pub use response::{
    ErrorBody, NotUnderstood, ProviderError, SubmitResponse, Task, TaskError, TaskStatus,
};
pub use validate::FieldError;
pub use voice::{VoiceModel, VoiceRequest};
