//! Benchmarks of Avatar Studio, run by `make bench` through `.ci/bench`:
//! the polling efficiency simulation ([`sim`]) and the download size of a
//! release build ([`size`]).

pub mod sim;
pub mod size;
