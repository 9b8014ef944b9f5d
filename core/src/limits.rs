//! Caps on what bangfu reads and reports: bytes of a case, a reform or a
//! month of records, and the number of problems listed.

use crate::run::input::InputError;
use std::io::Read;

/// The most error entries an input error list holds by default; the rest
/// are counted in a last entry, `more_errors` ("and 999,900 more").
pub const MAX_ERRORS: usize = 100;

/// The largest case (JSON) read by default: 4 MiB.
pub const MAX_CASE_BYTES: u64 = 4 << 20;

/// The largest reform or overlay file read by default: 1 MiB (the size of
/// a rule file).
pub const MAX_REFORM_BYTES: u64 = 1 << 20;

/// The last entry of a capped error list: how many more there are.
pub fn more_errors(n: usize) -> InputError {
    InputError {
        code: "more_errors",
        loc: String::new(),
        msg: format!("and {} more", group_digits(n)),
        input: None,
    }
}

/// Keeps the first `max` errors (at least one) and counts the rest in a
/// last `more_errors` entry.
pub fn cap_errors(mut errors: Vec<InputError>, max: usize) -> Vec<InputError> {
    let max = max.max(1);
    if errors.len() > max {
        let more = errors.len() - max;
        errors.truncate(max);
        errors.push(more_errors(more));
    }
    errors
}

/// Reads text of at most `max` bytes: UTF-8, a leading byte-order mark
/// dropped. `what` names the input in messages.
///
/// # Errors
/// `too_large` beyond `max` bytes (what is read stops there: an endless
/// stream is not read to its end), `invalid_text` for text that is not
/// UTF-8, `unreadable` when reading fails.
pub fn read_capped(input: impl Read, max: u64, what: &str) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    let error = |code, msg: String| InputError {
        code,
        loc: String::new(),
        msg,
        input: None,
    };
    input
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| error("unreadable", format!("{what} cannot be read: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(error(
            "too_large",
            format!("{what} is larger than the limit of {max} bytes"),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        error(
            "invalid_text",
            format!(
                "{what} is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// `999900` → `999,900`.
pub(crate) fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_capped_and_counted() {
        let e = |i: usize| InputError {
            code: "x",
            loc: format!("{i}"),
            msg: String::new(),
            input: None,
        };
        let capped = cap_errors((0..1_000_000).map(e).collect(), 100);
        assert_eq!(capped.len(), 101);
        assert_eq!(capped[100].msg, "and 999,900 more");
        assert_eq!(cap_errors(vec![e(1)], 100).len(), 1);
    }

    #[test]
    fn reading_stops_at_the_cap() {
        let r = read_capped(std::io::repeat(b'a'), 1000, "the case");
        assert_eq!(r.unwrap_err().code, "too_large");
        assert_eq!(
            read_capped(&b"\xef\xbb\xbf{}"[..], 1000, "x").unwrap(),
            "{}"
        );
        assert_eq!(
            read_capped(&b"\xff"[..], 1000, "x").unwrap_err().code,
            "invalid_text"
        );
    }
}
