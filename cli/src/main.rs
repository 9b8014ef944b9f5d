//! The `bangfu` command ([`bangfu_cli::run`]).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(bangfu_cli::run(std::env::args_os()))
}
