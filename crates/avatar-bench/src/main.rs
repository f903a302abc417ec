//! `avatar-bench`: the benchmarks' command line. Each subcommand prints a
//! markdown section on stdout.
//!
//! ```text
//! avatar-bench poll-sim [--tasks N] [--seed N] [--summary FILE]
//! avatar-bench size [--dist DIR] [--summary FILE]
//! avatar-bench wasm-crates --wasm FILE [--top N]
//! avatar-bench predict --model ID --seconds S --long-edge PX --true-ms MS
//!                      --progress rising|null [--typical-ms MS] [--runs N]
//! ```

use std::process::ExitCode;

use avatar_api::Model;
use avatar_api::estimate::{Shape, prior_total_ms};
use avatar_api::poll::Policy;
use avatar_bench::{sim, size, wasm};

const USAGE: &str = "usage: avatar-bench poll-sim [--tasks N] [--seed N] [--summary FILE]
       avatar-bench size [--dist DIR] [--summary FILE]
       avatar-bench wasm-crates --wasm FILE [--top N]
       avatar-bench predict --model ID --seconds S --long-edge PX --true-ms MS --progress rising|null [--typical-ms MS] [--runs N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("avatar-bench: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let (command, options) = args.split_first().ok_or("missing subcommand")?;
    match command.as_str() {
        "poll-sim" => {
            let tasks = option(options, "--tasks", 2_000)?;
            let seed = option(options, "--seed", 2026)?;
            let policy = Policy::default();
            let rows = sim::report(&policy, tasks as usize, seed);
            let robustness = sim::robustness(&policy, tasks as usize, seed);
            append_summary(options, &sim::summary_rows(&rows))?;
            Ok(format!(
                "{}\nWhen the provider's real times differ from the prior (the app's schedule only):\n\n{}",
                sim::markdown(&rows),
                sim::robustness_markdown(&robustness)
            ))
        }
        "size" => {
            let dist = option_str(options, "--dist").unwrap_or("dist");
            let files = size::measure(std::path::Path::new(dist)).map_err(|e| e.to_string())?;
            append_summary(options, &size::summary_row(&files))?;
            Ok(size::markdown(&files))
        }
        "predict" => predict(options),
        "wasm-crates" => {
            let file = option_str(options, "--wasm").ok_or("--wasm FILE is required")?;
            let top = option(options, "--top", 15)? as usize;
            wasm::report(std::path::Path::new(file), top)
        }
        other => Err(format!("unknown subcommand {other:?}")),
    }
}

/// Expected requests of the app for one task the emulator ran, as JSON:
/// `{"mean":12.3,"min":11,"max":14}`.
fn predict(options: &[String]) -> Result<String, String> {
    let model_id = option_str(options, "--model").unwrap_or("avatar-pro");
    let model = Model::from_id(model_id).ok_or(format!("unknown model {model_id:?}"))?;
    let seconds: f64 = option_str(options, "--seconds")
        .ok_or("--seconds is required")?
        .parse()
        .map_err(|_| "--seconds wants a number")?;
    let shape = Shape {
        model,
        billable_ms: (seconds * 1000.0).round() as u64,
        long_edge: option(options, "--long-edge", 1280)? as u32,
    };
    let job = sim::Job {
        shape,
        true_total_ms: option(options, "--true-ms", 0)?,
    };
    let progress_reported = match option_str(options, "--progress").unwrap_or("rising") {
        "rising" => true,
        "null" => false,
        other => return Err(format!("--progress wants rising or null, got {other:?}")),
    };
    let typical = option(options, "--typical-ms", prior_total_ms(&shape))?;
    let runs = option(options, "--runs", 200)? as u32;
    let emulator = sim::EmulatorModel {
        noise: 0.0,
        ..sim::EmulatorModel::new(progress_reported)
    };
    let (mean, min, max) = sim::predict(&job, typical, &emulator, runs, 1);
    Ok(format!(
        "{{\"mean\":{mean:.2},\"min\":{min},\"max\":{max}}}\n"
    ))
}

/// With `--summary FILE`, appends the subcommand's rows of the table of targets to FILE.
fn append_summary(options: &[String], rows: &str) -> Result<(), String> {
    let Some(file) = option_str(options, "--summary") else {
        return Ok(());
    };
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .and_then(|mut f| f.write_all(rows.as_bytes()))
        .map_err(|e| format!("cannot write {file}: {e}"))
}

fn option_str<'a>(options: &'a [String], name: &str) -> Option<&'a str> {
    options
        .iter()
        .position(|o| o == name)
        .and_then(|i| options.get(i + 1))
        .map(String::as_str)
}

fn option(options: &[String], name: &str, default: u64) -> Result<u64, String> {
    match option_str(options, name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name} wants a whole number, got {v:?}")),
    }
}
