//! Monthly settlement: what a rejected record may and may not do, order
//! independence, one person's inputs agreeing, exact checked totals, and
//! the caps on what is read.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::settle::{settle_csv, Limits, Settlement};
use bangfu::{Decimal, Error, Reform, RuleSet};
use proptest::prelude::*;
use proptest::test_runner::Config;

mod common;
use common::chengyang;

const HEADER: &str = "person_id,birth_date,meal_date,meal_kind,canteen_designated,price\n";

fn settle(rules: &RuleSet, csv: &str, strict: bool) -> Result<Settlement, Error> {
    settle_csv(
        rules,
        "meal_subsidy",
        "2023-09",
        csv.as_bytes(),
        strict,
        &Limits::default(),
    )
}

fn ok(csv: &str) -> Settlement {
    settle(chengyang(), csv, false).unwrap_or_else(|e| panic!("settles: {e}\n{csv}"))
}

fn input_errors(r: Result<Settlement, Error>) -> Vec<bangfu::InputError> {
    match r {
        Err(Error::Input(errors)) => errors,
        Err(e) => panic!("not an input error: {e}"),
        Ok(s) => panic!("settled: {}", s.to_json()),
    }
}

fn codes(s: &Settlement) -> Vec<(u64, Vec<String>)> {
    s.records()
        .map(|r| {
            (
                r.line,
                r.reasons.iter().map(|x| x.code.to_string()).collect(),
            )
        })
        .collect()
}

/// A record refused for another reason (not at a designated canteen, or
/// charged nothing) does not use up the person's subsidised lunch: the
/// valid lunch after it is accepted, whichever comes first.
#[test]
fn a_rejected_record_does_not_make_a_later_one_a_duplicate() {
    for first in [
        "A,1945-05-05,2023-09-04,lunch,false,12\n",
        "A,1945-05-05,2023-09-04,lunch,true,0\n",
    ] {
        let valid = "A,1945-05-05,2023-09-04,lunch,true,12\n";
        for csv in [
            format!("{HEADER}{first}{valid}"),
            format!("{HEADER}{valid}{first}"),
        ] {
            let s = ok(&csv);
            assert_eq!(s.total, Decimal::new(600, 2), "{}", s.to_json());
            assert_eq!(s.accepted_count(), 1);
            assert!(
                s.rejected()
                    .all(|r| r.reasons.iter().all(|x| &*x.code != "duplicate")),
                "{}",
                s.to_json()
            );
        }
    }
    // Two valid lunches: one is accepted, the other is a duplicate of it.
    let s = ok(&format!(
        "{HEADER}A,1945-05-05,2023-09-04,lunch,true,12\nA,1945-05-05,2023-09-04,lunch,true,12\n"
    ));
    assert_eq!(codes(&s), vec![(2, vec![]), (3, vec!["duplicate".into()])]);
    assert_eq!(s.rejected().next().unwrap().duplicate_of, Some(2));
}

/// Of two valid records of one claim, the one with the larger amount is
/// accepted, wherever it stands.
#[test]
fn the_larger_claim_is_accepted_in_any_order() {
    let small = "A,1945-05-05,2023-09-04,lunch,true,2.50\n";
    let large = "A,1945-05-05,2023-09-04,lunch,true,12\n";
    for csv in [
        format!("{HEADER}{small}{large}"),
        format!("{HEADER}{large}{small}"),
    ] {
        let s = ok(&csv);
        assert_eq!(s.total, Decimal::new(600, 2), "{}", s.to_json());
    }
}

/// One person with two birth dates in one file is an input error naming
/// both lines; the same birth date twice is fine.
#[test]
fn one_person_has_one_birth_date() {
    let csv = format!(
        "{HEADER}A,1945-05-05,2023-09-04,lunch,true,12\nB,1950-01-01,2023-09-04,lunch,true,12\nA,1945-05-06,2023-09-05,lunch,true,12\n"
    );
    let errors = input_errors(settle(chengyang(), &csv, false));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e.code, "inconsistent_person");
    assert_eq!(e.loc, "line 4, birth_date");
    assert!(
        e.msg.contains("line 2") && e.msg.contains("1945-05-05") && e.msg.contains("1945-05-06"),
        "{e}"
    );
}

/// A column named twice is refused, naming both columns: neither reading
/// wins silently.
#[test]
fn a_repeated_column_is_refused() {
    let csv = "person_id,birth_date,meal_date,meal_kind,canteen_designated,price,price\nA,1945-05-05,2023-09-04,lunch,true,0,12\n";
    let errors = input_errors(settle(chengyang(), csv, false));
    assert_eq!(errors[0].code, "duplicate_column", "{errors:?}");
    assert_eq!(errors[0].loc, "line 1, price");
    assert!(
        errors[0].msg.contains("6") && errors[0].msg.contains("7"),
        "{}",
        errors[0]
    );
}

/// A rule set whose amounts can be as large as a decimal holds: the total
/// overflows, and that is an error with a code, not a crash.
#[test]
fn an_overflowing_total_is_an_error() {
    let overlay = chengyang()
        .sources()
        .text("programs/meal_subsidy.toml")
        .unwrap()
        .replace("min(subsidy_rate, price)", "max(subsidy_rate, price)");
    let rules = chengyang()
        .reform(&Reform::new().overlay("programs/meal_subsidy.toml", overlay))
        .unwrap();
    let mut csv = String::from(HEADER);
    for day in 1..=30 {
        for kind in ["lunch", "dinner"] {
            csv.push_str(&format!(
                "A,1945-05-05,2023-09-{day:02},{kind},true,792281625142643375935439503.35\n"
            ));
        }
    }
    let errors = input_errors(settle(&rules, &csv, false));
    assert_eq!(errors[0].code, "overflow", "{errors:?}");
    // One such record alone settles exactly.
    let one =
        format!("{HEADER}A,1945-05-05,2023-09-01,lunch,true,792281625142643375935439503.35\n");
    let s = settle(&rules, &one, false).unwrap();
    assert_eq!(s.total.to_string(), "792281625142643375935439503.35");
}

/// With `strict`, a duplicate names both lines; a rejected record is no
/// duplicate.
#[test]
fn strict_names_both_lines_of_a_duplicate() {
    let csv = format!(
        "{HEADER}A,1945-05-05,2023-09-04,lunch,false,12\nA,1945-05-05,2023-09-04,lunch,true,12\n"
    );
    assert_eq!(settle(chengyang(), &csv, true).unwrap().accepted_count(), 1);
    let csv = format!("{csv}A,1945-05-05,2023-09-04,lunch,true,12\n");
    let errors = input_errors(settle(chengyang(), &csv, true));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].code, errors[0].loc.as_str()),
        ("duplicate_record", "line 4")
    );
    assert!(errors[0].msg.contains("line 3"), "{}", errors[0]);
}

/// Records are numbered by the line they start on, even when a quoted cell
/// spans lines or blank lines stand between them.
#[test]
fn records_are_numbered_by_their_line() {
    let csv = format!("{HEADER}\"A\nB\",1945-05-05,2023-09-04,lunch,true,12\n\nC,1945-05-05,2023-09-04,lunch,true,x\n");
    let errors = input_errors(settle(chengyang(), &csv, false));
    assert_eq!(errors[0].loc, "line 5, price", "{errors:?}");
    let crlf = csv.replace('\n', "\r\n");
    let errors = input_errors(settle(chengyang(), &crlf, false));
    assert_eq!(errors[0].loc, "line 5, price", "{errors:?}");
}

/// A million bad rows do not make a million error entries: the list is
/// capped and says how many more there are.
#[test]
fn error_lists_are_capped() {
    let mut csv = String::from(HEADER);
    for _ in 0..1000 {
        csv.push_str("A,1945-05-05,2023-09-04,lunch,true,abc\n");
    }
    let limits = Limits {
        max_errors: 10,
        ..Limits::default()
    };
    let r = settle_csv(
        chengyang(),
        "meal_subsidy",
        "2023-09",
        csv.as_bytes(),
        false,
        &limits,
    );
    let errors = input_errors(r);
    assert_eq!(errors.len(), 11);
    let last = errors.last().unwrap();
    assert_eq!(last.code, "more_errors");
    assert_eq!(last.msg, "and 990 more");
}

/// Bytes and records beyond the limits are refused, however they arrive
/// (an endless stream is read only up to the cap).
#[test]
fn inputs_are_capped() {
    let endless = std::io::repeat(b'a');
    let limits = Limits {
        max_bytes: 1 << 16,
        ..Limits::default()
    };
    let r = settle_csv(
        chengyang(),
        "meal_subsidy",
        "2023-09",
        endless,
        false,
        &limits,
    );
    assert_eq!(input_errors(r)[0].code, "too_large");
    let mut csv = String::from(HEADER);
    for day in 1..=5 {
        csv.push_str(&format!("A,1945-05-05,2023-09-{day:02},lunch,true,12\n"));
    }
    let limits = Limits {
        max_records: 4,
        ..Limits::default()
    };
    let r = settle_csv(
        chengyang(),
        "meal_subsidy",
        "2023-09",
        csv.as_bytes(),
        false,
        &limits,
    );
    let errors = input_errors(r);
    assert_eq!(
        (errors[0].code, errors[0].loc.as_str()),
        ("too_many_records", "line 6")
    );
    // Exactly at the caps is fine.
    let limits = Limits {
        max_records: 5,
        max_bytes: csv.len() as u64,
        ..Limits::default()
    };
    let r = settle_csv(
        chengyang(),
        "meal_subsidy",
        "2023-09",
        csv.as_bytes(),
        false,
        &limits,
    );
    assert_eq!(r.unwrap().accepted_count(), 5);
}

fn record() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["A", "B", "C"]),
        prop::sample::select(vec!["2023-09-04", "2023-09-05", "2023-10-01"]),
        prop::sample::select(vec!["lunch", "dinner", "breakfast"]),
        any::<bool>(),
        prop::sample::select(vec!["12", "2.50", "0", "6"]),
    )
        .prop_map(|(person, date, kind, designated, price)| {
            let birth = match person {
                "A" => "1945-05-05",
                "B" => "1960-01-01",
                _ => "1970-01-01",
            };
            format!("{person},{birth},{date},{kind},{designated},{price}\n")
        })
}

/// Total, per-person totals, accepted count, every reason code (sorted).
type Summary = (Decimal, Vec<(String, usize, Decimal)>, usize, Vec<String>);

fn summary(s: &Settlement) -> Summary {
    let mut reasons: Vec<String> = s
        .records()
        .flat_map(|r| r.reasons.iter().map(|x| x.code.to_string()))
        .collect();
    reasons.sort();
    (
        s.total,
        s.per_person
            .iter()
            .map(|p| (p.person.to_string(), p.records, p.amount))
            .collect(),
        s.accepted_count(),
        reasons,
    )
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    /// The order of the rows changes nothing: totals, per-person totals,
    /// the number accepted and every reason given are the same for the rows
    /// reversed and rotated.
    #[test]
    fn settlement_does_not_depend_on_the_order_of_rows(
        rows in prop::collection::vec(record(), 0..30),
        turn in 0usize..30,
    ) {
        let csv = |rows: &[String]| format!("{HEADER}{}", rows.concat());
        let base = ok(&csv(&rows));
        let mut reversed = rows.clone();
        reversed.reverse();
        prop_assert_eq!(summary(&base), summary(&ok(&csv(&reversed))));
        let mut rotated = rows.clone();
        if !rotated.is_empty() {
            let n = turn % rotated.len();
            rotated.rotate_left(n);
        }
        prop_assert_eq!(summary(&base), summary(&ok(&csv(&rotated))));
    }
}

/// Bytes that are not UTF-8 text are an error at their line, not a panic
/// or a silently shorter record.
#[test]
fn a_record_that_is_not_text_is_refused_at_its_line() {
    let mut csv = HEADER.as_bytes().to_vec();
    csv.extend_from_slice(b"A,1945-05-05,2023-09-04,lunch,true,12\n");
    csv.extend_from_slice(b"B\xe4,\xb8\xad1945-05-05,2023-09-04,lunch,true,12\n");
    let r = settle_csv(
        chengyang(),
        "meal_subsidy",
        "2023-09",
        csv.as_slice(),
        false,
        &Limits::default(),
    );
    let errors = input_errors(r);
    assert_eq!(
        (errors[0].code, errors[0].loc.as_str()),
        ("invalid_csv", "line 3")
    );
}
