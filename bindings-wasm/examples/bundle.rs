//! Writes a rule set's precompiled bundle for `RuleSet.fromBundle`, as
//! `bangfu bundle DIR -o FILE` does (the build script runs this rather than
//! building the whole command line).
//!
//! `cargo run -p bangfu-wasm --example bundle -- rules/cn-qingdao-chengyang out.bangfu`

use bangfu::RuleSet;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, out] = args.as_slice() else {
        eprintln!("usage: bundle RULE_DIR OUT.bangfu");
        return ExitCode::from(2);
    };
    let rules = match RuleSet::load_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{dir}: the rule set does not load\n{}", e.render());
            return ExitCode::FAILURE;
        }
    };
    let bytes = rules.to_bundle();
    if let Err(e) = std::fs::write(out, &bytes) {
        eprintln!("cannot write {out}: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "bundle: {out} ({} bytes, {} {}, {})",
        bytes.len(),
        rules.id(),
        rules.version(),
        rules.hash()
    );
    ExitCode::SUCCESS
}
