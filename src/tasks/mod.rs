//! Everything about a task: its record and where it stands ([`record`]),
//! what a status check does to it ([`life`]), the saved list's format
//! ([`format`]), the list in memory and in step with storage and other
//! tabs ([`store`]), the status checks' timers ([`poller`]), the list on
//! screen (`list`), a finished task's link ([`copy`]) and the history
//! file's buttons (`transfer`).

pub mod copy;
pub mod format;
pub mod life;
mod list;
pub mod poller;
pub mod record;
pub mod store;
mod transfer;

pub use list::{TaskList, TaskRow};
pub use record::{status_label, summary};
