//! Benchmarks of Avatar Studio, run by `make bench` through `.ci/bench`:
//! the polling efficiency simulation ([`sim`]), the download size of a
//! release build ([`size`]) and where the wasm's bytes come from ([`wasm`]).

pub mod sim;
pub mod size;
pub mod wasm;
