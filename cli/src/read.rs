//! What the commands and the service read the same way: which program a
//! settlement is for.

use bangfu::RuleSet;

/// The program to settle: the one asked for, else the only program that
/// settles records.
///
/// # Errors
/// The programs that settle records, when none was asked for and there is
/// not exactly one.
pub fn settled_program(rules: &RuleSet, program: Option<String>) -> Result<String, Vec<String>> {
    if let Some(p) = program {
        return Ok(p);
    }
    let settled: Vec<String> = rules
        .programs()
        .into_iter()
        .filter(|p| p.settles_records)
        .map(|p| p.name.to_string())
        .collect();
    match settled.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(settled),
    }
}
