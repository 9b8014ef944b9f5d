//! Writes a rule set's files as one JSON bundle for `RuleSet.fromBundle`.
//!
//! `cargo run -p bangfu-wasm --example bundle -- rules/cn-qingdao-chengyang out.json`
//!
//! The rule set is loaded and checked first, so a bundle that is written
//! always loads; its id is recorded in the bundle.

use bangfu::{RuleSet, Sources};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, out] = args.as_slice() else {
        eprintln!("usage: bundle RULE_DIR OUT.json");
        return ExitCode::from(2);
    };
    let sources = match Sources::read_dir(dir.as_ref()) {
        Ok(s) => s,
        Err(diagnostics) => {
            for d in diagnostics {
                eprintln!("{}", d.render(&Sources::default()));
            }
            return ExitCode::FAILURE;
        }
    };
    let rules = match RuleSet::from_sources(sources.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{dir}: the rule set does not load\n{}", e.render());
            return ExitCode::FAILURE;
        }
    };
    let bundle = bangfu_wasm::bundle::write(rules.id(), &sources);
    let text = match serde_json::to_string(&bundle) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot write the bundle: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(out, text) {
        eprintln!("cannot write {out}: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "bundle: {out} ({} files, {} {}, {})",
        sources.files().count(),
        rules.id(),
        rules.version(),
        rules.hash()
    );
    ExitCode::SUCCESS
}
