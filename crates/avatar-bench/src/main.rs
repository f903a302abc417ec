//! `avatar-bench`: the benchmarks' command line. Each subcommand prints a
//! markdown section on stdout.
//!
//! ```text
//! avatar-bench poll-sim [--tasks N] [--seed N]
//! avatar-bench size [--dist DIR]
//! ```

use std::process::ExitCode;

use avatar_api::poll::Policy;
use avatar_bench::{sim, size};

const USAGE: &str = "usage: avatar-bench poll-sim [--tasks N] [--seed N] | size [--dist DIR]";

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
            let rows = sim::report(&Policy::default(), tasks as usize, seed);
            Ok(sim::markdown(&rows))
        }
        "size" => {
            let dist = option_str(options, "--dist").unwrap_or("dist");
            size::report(std::path::Path::new(dist)).map_err(|e| e.to_string())
        }
        other => Err(format!("unknown subcommand {other:?}")),
    }
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
