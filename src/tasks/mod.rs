//! Everything about a task: its record ([`record`]), the list of them in
//! memory and in step with storage and other tabs ([`store`]), the list on
//! screen (`list`), and the status checks ([`poller`]).

mod list;
pub mod poller;
pub mod record;
pub mod store;

pub use list::{TaskList, TaskRow, status_label, summary};
