//! Avatar Studio: a static page that turns a portrait URL and a speech URL
//! into a lip-synced talking video through the AI Avatar HTTP API.
//!
//! Every API rule (validation, billing, estimates, polling schedule) comes
//! from the contract crate `avatar_api`; this crate is the browser side:
//! configuration ([`config`]), the HTTP client ([`api`]), what is kept in
//! the browser ([`storage`]), the form model ([`form`]), the contexts
//! ([`ctx`]), and the components: the page ([`app`]), settings
//! ([`settings`]), the create card ([`create`]), the tasks ([`tasks`]: a
//! task's record and life, the saved list, the status checks, the saved
//! copies of videos, the history file, the list on screen), side-by-side
//! viewing ([`compare`]), captions ([`captions`]) and the credit log ([`credits`]).

pub mod api;
pub mod app;
pub mod captions;
pub mod compare;
pub mod config;
pub mod create;
pub mod credits;
pub mod ctx;
pub mod form;
pub mod settings;
pub mod storage;
pub mod tasks;
pub mod widgets;

pub use app::{App, Studio};

/// Mounts the app into `<body>` (the binary's entry point).
pub fn mount() {
    leptos::mount::mount_to_body(App);
}
