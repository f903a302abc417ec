//! The size guard: the page's first visit (`dist/`, as `make dist` built it)
//! may not grow by more than a few KB over its last measured size
//! (`avatar_bench::size::GUARD_GZIP_BYTES`). `make test` builds `dist/`
//! first and sets `AVATAR_SIZE_GUARD=1`, so there a missing `dist/` fails;
//! a plain `cargo test` without one says so and measures nothing.

use std::path::Path;

use avatar_bench::size;

#[test]
fn the_first_visit_stays_within_the_size_guard() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist");
    if !dist.join("index.html").is_file() {
        assert!(
            std::env::var_os("AVATAR_SIZE_GUARD").is_none(),
            "no dist/ to measure at {}: run `make dist` first",
            dist.display()
        );
        eprintln!("size guard: no dist/ (run `make dist`), nothing measured");
        return;
    }
    let files = size::measure(&dist).expect("dist/ can be measured");
    if let Err(e) = size::guard(&files) {
        panic!("{e}\n\n{}", size::markdown(&files));
    }
}
