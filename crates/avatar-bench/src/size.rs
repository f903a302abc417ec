//! Download size of a release `dist/`: every file raw, after `gzip -9` and
//! after `brotli -q 11` (the command-line tools, as a CDN would serve them).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Target of issue 16: total gzip size of the page's first visit.
pub const TARGET_GZIP_BYTES: u64 = 150 * 1024;
/// Target of issue 16 after `brotli -q 11`.
pub const TARGET_BROTLI_BYTES: u64 = 125 * 1024;
/// What we aim for (gzip).
pub const AIM_GZIP_BYTES: u64 = 120 * 1024;
/// What we aim for (brotli).
pub const AIM_BROTLI_BYTES: u64 = 100 * 1024;

/// The size guard (`tests/size_guard.rs`, run by `make test` on the `dist/`
/// it has just built): the first visit's total as last measured, after
/// `gzip -9` and `brotli -q 11`. A change that grows either by more than
/// [`GUARD_SLACK_BYTES`] fails the suite; one that shrinks the page lowers
/// these figures to its new measurement, so the saving stays.
pub const GUARD_GZIP_BYTES: u64 = 412_058;
/// See [`GUARD_GZIP_BYTES`].
pub const GUARD_BROTLI_BYTES: u64 = 325_530;
/// How much growth the guard lets pass (a few KB: new texts, a small fix).
pub const GUARD_SLACK_BYTES: u64 = 3 * 1024;

/// Bytes as KB with one decimal, as every table here prints them.
fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// The gzip and brotli totals of `files`.
fn totals(files: &[FileSize]) -> (u64, u64) {
    (
        files.iter().map(|f| f.gzip).sum(),
        files.iter().map(|f| f.brotli).sum(),
    )
}

/// Checks measured files against the size guard; the error names the total
/// that grew, by how much, and what to do.
pub fn guard(files: &[FileSize]) -> Result<(), String> {
    let (gzip, brotli) = totals(files);
    let mut over = Vec::new();
    for (what, measured, guarded) in [
        ("gzip -9", gzip, GUARD_GZIP_BYTES),
        ("brotli -q 11", brotli, GUARD_BROTLI_BYTES),
    ] {
        if measured > guarded + GUARD_SLACK_BYTES {
            over.push(format!(
                "{what}: {}, {} more than the guarded {}",
                kb(measured),
                kb(measured - guarded),
                kb(guarded)
            ));
        }
    }
    if over.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the page's first visit grew past the size guard ({}; {:.0} KB of growth allowed). \
         Find what grew with `make bench` (BENCHMARKS.md: files, twiggy, what each feature costs) \
         and win it back; raise GUARD_*_BYTES in crates/avatar-bench/src/size.rs only for a \
         feature worth its bytes, saying so in the commit.",
        over.join("; "),
        GUARD_SLACK_BYTES as f64 / 1024.0
    ))
}

/// Why the size could not be measured.
#[derive(Debug)]
pub enum SizeError {
    /// The directory or a file in it could not be read.
    Read(PathBuf, std::io::Error),
    /// A compressor could not be run or failed.
    Compressor(&'static str, String),
    /// Nothing to measure.
    Empty(PathBuf),
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::Read(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            SizeError::Compressor(tool, e) => write!(f, "{tool} failed: {e}"),
            SizeError::Empty(path) => write!(
                f,
                "{} has no files to measure: run `trunk build --release` first",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SizeError {}

/// The sizes of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSize {
    /// Path relative to `dist/`.
    pub name: String,
    /// Bytes on disk.
    pub raw: u64,
    /// Bytes after `gzip -9`.
    pub gzip: u64,
    /// Bytes after `brotli -q 11`.
    pub brotli: u64,
}

/// True for what `make dist` writes beside the page's own files and a
/// browser never downloads as such on a visit: the precompressed copies
/// (`x.br`, `x.gz` next to `x`, which are `x` on the wire), the static
/// hosts' `_headers` rules, and the app icons under `icons/` (fetched to
/// install the app; "on the wire" in the browser benchmarks counts what a
/// real first visit fetches).
fn is_served_as_another_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let in_icons = path
        .parent()
        .and_then(|d| d.file_name())
        .is_some_and(|d| d == "icons");
    if in_icons {
        return true;
    }
    let sibling = name
        .strip_suffix(".br")
        .or_else(|| name.strip_suffix(".gz"))
        .is_some_and(|original| path.with_file_name(original).is_file());
    name == "_headers" || sibling
}

/// Measures every file under `dist` a browser may download, sorted by path.
pub fn measure(dist: &Path) -> Result<Vec<FileSize>, SizeError> {
    let mut files = Vec::new();
    collect(dist, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(SizeError::Empty(dist.to_path_buf()));
    }
    files
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| SizeError::Read(path.clone(), e))?;
            Ok(FileSize {
                name: path
                    .strip_prefix(dist)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
                raw: bytes.len() as u64,
                gzip: compressed_len("gzip", &["-9", "-c", "-n"], &bytes)?,
                brotli: compressed_len("brotli", &["-q", "11", "-c"], &bytes)?,
            })
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), SizeError> {
    let entries = std::fs::read_dir(dir).map_err(|e| SizeError::Read(dir.to_path_buf(), e))?;
    for entry in entries {
        let path = entry
            .map_err(|e| SizeError::Read(dir.to_path_buf(), e))?
            .path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if !is_served_as_another_file(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn compressed_len(tool: &'static str, args: &[&str], input: &[u8]) -> Result<u64, SizeError> {
    let fail = |e: String| SizeError::Compressor(tool, e);
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    writer
        .join()
        .expect("writer thread")
        .map_err(|e| fail(e.to_string()))?;
    if !output.status.success() {
        return Err(fail(output.status.to_string()));
    }
    Ok(output.stdout.len() as u64)
}

/// The kind of a file, by extension, for the per-kind totals.
pub fn kind(name: &str) -> &'static str {
    match Path::new(name).extension().and_then(|e| e.to_str()) {
        Some("wasm") => "wasm",
        Some("js" | "mjs") => "js",
        Some("css") => "css",
        Some("html") => "html",
        _ => "other",
    }
}

/// Formats measured files as markdown.
pub fn markdown(files: &[FileSize]) -> String {
    let mut out = String::from("| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|\n");
    for f in files {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            f.name,
            kb(f.raw),
            kb(f.gzip),
            kb(f.brotli)
        ));
    }
    for k in ["wasm", "js", "css", "html", "other"] {
        let of_kind: Vec<&FileSize> = files.iter().filter(|f| kind(&f.name) == k).collect();
        if of_kind.is_empty() {
            continue;
        }
        let sum = |g: fn(&FileSize) -> u64| of_kind.iter().map(|f| g(f)).sum::<u64>();
        out.push_str(&format!(
            "| *all {k}* | {} | {} | {} |\n",
            kb(sum(|f| f.raw)),
            kb(sum(|f| f.gzip)),
            kb(sum(|f| f.brotli))
        ));
    }
    let (gzip, brotli) = totals(files);
    out.push_str(&format!(
        "| **total** | **{}** | **{}** | **{}** |\n\n",
        kb(files.iter().map(|f| f.raw).sum()),
        kb(gzip),
        kb(brotli)
    ));
    out.push_str(&format!(
        "Total {} gzip, {} brotli: {}.\n",
        kb(gzip),
        kb(brotli),
        verdict(gzip, brotli)
    ));
    out
}

/// How the totals stand against issue 16's target and aim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Aim,
    Target,
    Missed,
}

fn standing(gzip: u64, brotli: u64) -> Standing {
    if gzip <= AIM_GZIP_BYTES && brotli <= AIM_BROTLI_BYTES {
        Standing::Aim
    } else if gzip <= TARGET_GZIP_BYTES && brotli <= TARGET_BROTLI_BYTES {
        Standing::Target
    } else {
        Standing::Missed
    }
}

/// How far the totals are over the target: "190.4 KB gzip, 144.8 KB brotli".
fn shortfall(gzip: u64, brotli: u64) -> String {
    format!(
        "{} gzip, {} brotli",
        kb(gzip.saturating_sub(TARGET_GZIP_BYTES)),
        kb(brotli.saturating_sub(TARGET_BROTLI_BYTES))
    )
}

/// Met, met without the aim, or missed by how much.
fn verdict(gzip: u64, brotli: u64) -> String {
    match standing(gzip, brotli) {
        Standing::Aim => {
            "meets the target (≤ 150 KB gzip, ≤ 125 KB brotli) and the aim (120 / 100 KB)"
                .to_string()
        }
        Standing::Target => {
            "meets the target (≤ 150 KB gzip, ≤ 125 KB brotli), not the aim (120 / 100 KB)"
                .to_string()
        }
        Standing::Missed => format!("**misses the target** by {}", shortfall(gzip, brotli)),
    }
}

/// The summary row for BENCHMARKS.md's table of targets.
pub fn summary_row(files: &[FileSize]) -> String {
    let (gzip, brotli) = totals(files);
    let status = match standing(gzip, brotli) {
        Standing::Aim => "met (and the aim)".to_string(),
        Standing::Target => "met (not the aim)".to_string(),
        Standing::Missed => format!("**missed** by {}", shortfall(gzip, brotli)),
    };
    format!(
        "| Download size, first visit | ≤ 150 KB gzip -9, ≤ 125 KB brotli -q 11 (aim 120 / 100) | {} gzip, {} brotli | {status} |\n",
        kb(gzip),
        kb(brotli)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_and_totals_a_directory() {
        let dir = std::env::temp_dir().join(format!("avatar-bench-size-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<p>hello</p>".repeat(100)).unwrap();
        std::fs::write(dir.join("assets/app.wasm"), vec![0u8; 4096]).unwrap();
        // make dist's extras are not downloads of their own.
        std::fs::write(dir.join("assets/app.wasm.br"), [1u8; 9]).unwrap();
        std::fs::write(dir.join("assets/app.wasm.gz"), [1u8; 9]).unwrap();
        std::fs::write(dir.join("_headers"), "/*\n  X-Frame-Options: DENY\n").unwrap();
        std::fs::write(dir.join("notes.gz"), vec![1u8; 2048]).unwrap(); // no notes: measured
        std::fs::create_dir_all(dir.join("icons")).unwrap();
        std::fs::write(dir.join("icons/icon-512.png"), vec![7u8; 2048]).unwrap(); // install only
        let files = measure(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["assets/app.wasm", "index.html", "notes.gz"]);
        assert_eq!(files[0].raw, 4096);
        assert!(files.iter().all(|f| f.gzip < f.raw && f.brotli < f.raw));
        let table = markdown(&files);
        assert!(table.contains("| *all wasm* | 4.0 KB |"), "{table}");
        assert!(table.contains("meets the target"), "{table}");
        assert!(summary_row(&files).ends_with("| met (and the aim) |\n"));
    }

    fn sized(gzip: u64, brotli: u64) -> Vec<FileSize> {
        vec![FileSize {
            name: "app.wasm".into(),
            raw: gzip * 3,
            gzip,
            brotli,
        }]
    }

    #[test]
    fn the_guard_lets_a_few_kb_pass_and_names_what_grew_beyond() {
        assert_eq!(guard(&sized(GUARD_GZIP_BYTES, GUARD_BROTLI_BYTES)), Ok(()));
        let slack = GUARD_SLACK_BYTES;
        assert_eq!(
            guard(&sized(GUARD_GZIP_BYTES + slack, GUARD_BROTLI_BYTES + slack)),
            Ok(())
        );
        let err = guard(&sized(GUARD_GZIP_BYTES + slack + 1, GUARD_BROTLI_BYTES)).unwrap_err();
        assert!(
            err.contains("gzip -9") && !err.contains("brotli -q 11:"),
            "{err}"
        );
        let err = guard(&sized(GUARD_GZIP_BYTES, GUARD_BROTLI_BYTES + 10 * 1024)).unwrap_err();
        assert!(
            err.contains("brotli -q 11: ") && err.contains("10.0 KB more"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_directory_says_what_to_do() {
        let dir = std::env::temp_dir().join(format!("avatar-bench-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = measure(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.to_string().contains("trunk build --release"), "{err}");
    }
}
