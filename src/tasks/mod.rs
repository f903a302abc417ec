//! Everything about a task: its record ([`record`]), the list of them in
//! memory and in step with storage and other tabs ([`store`]), the list on
//! screen (`list`), the status checks ([`poller`]) and the history file's
//! buttons (`transfer`).

pub mod copy;
mod list;
pub mod poller;
pub mod record;
pub mod store;
mod transfer;

pub use list::{TaskList, TaskRow, status_label, summary};
