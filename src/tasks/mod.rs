//! Everything about a task, from the request sent to the video kept:
//!
//! - [`record`]: one task as saved, and where it stands ([`record::TaskState`]);
//! - [`request`]: what it asked for and what it made, by kind (video, speech, portrait);
//! - [`life`]: what a status check does to it (pure);
//! - [`poller`]: when to check (timers only);
//! - [`format`]: the saved list's format, its migrations and merge (pure);
//! - [`store`]: the list in memory, in step with storage and other tabs;
//! - [`saved`] and [`copy`]: the copies of finished videos kept in this browser;
//! - [`history`]: the history file (export, import, merge; pure);
//! - on screen: the list (`list`), a row (`row`), its video (`video`) or
//!   its speech or picture (`made`), and
//!   the history file's buttons (`transfer`).

pub mod copy;
pub mod format;
pub mod history;
pub mod life;
mod list;
mod made;
pub mod poller;
pub mod record;
pub mod request;
mod row;
pub mod saved;
pub mod store;
mod transfer;
mod video;

pub use list::TaskList;
pub use record::{status_label, summary};
