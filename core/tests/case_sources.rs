//! A case read from typed values (as a binding holds them) is the case read
//! from JSON: the same frames, and the same errors at the same places.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::{CaseSource, Date, Error, Given, Key, Refusal};
use serde_json::{json, Value as Json};
use std::borrow::Cow;

mod common;
use common::chengyang;

/// Values as a binding holds them: whole numbers, days, text, refusals.
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Text(&'static str),
    Day(i32, u32, u32),
    Refused(Refusal),
    /// Fields: a name that is not text is `Err` with how it shows.
    Obj(Vec<(Result<&'static str, &'static str>, V)>),
    List(Vec<V>),
}

impl<'v> CaseSource for &'v V {
    fn given(&self) -> Given<'_> {
        match self {
            V::Null => Given::Absent,
            V::Bool(b) => Given::Bool(*b),
            V::Int(i) => Given::Int(*i),
            V::Text(s) => Given::Text(Cow::Borrowed(s)),
            V::Day(year, month, day) => Given::Day {
                year: *year,
                month: *month,
                day: *day,
            },
            V::Refused(r) => Given::Refused(r.clone()),
            V::Obj(_) => Given::Object,
            V::List(_) => Given::List,
        }
    }

    fn field(&self, key: Key<'_>) -> Option<&'v V> {
        match self {
            V::Obj(fields) => fields
                .iter()
                .find(|(k, _)| *k == Ok(key.name))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            V::Obj(fields) => fields.len(),
            V::List(items) => items.len(),
            _ => 0,
        }
    }

    fn each_key(&self, each: &mut dyn FnMut(Result<&str, String>)) {
        if let V::Obj(fields) = self {
            for (k, _) in fields {
                each(k.map_err(String::from));
            }
        }
    }

    fn item(&self, i: usize) -> Option<&'v V> {
        match self {
            V::List(items) => items.get(i),
            _ => None,
        }
    }

    fn shown(&self) -> String {
        match self {
            V::Null => "null".into(),
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Text(s) => s.to_string(),
            V::Day(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
            V::Refused(_) => "1.5".into(),
            V::Obj(_) => "{…}".into(),
            V::List(_) => "[…]".into(),
        }
    }
}

fn on() -> Date {
    Date::parse("2023-09-06").expect("a date")
}

fn obj(fields: Vec<(&'static str, V)>) -> V {
    V::Obj(fields.into_iter().map(|(k, v)| (Ok(k), v)).collect())
}

type Problems = Vec<(String, String, Option<String>)>;

fn problems(read: Result<bangfu::Case, Error>) -> Problems {
    match read {
        Err(Error::Input(errors)) => errors
            .into_iter()
            .map(|e| (e.code.to_string(), e.loc, e.input))
            .collect(),
        Err(e) => panic!("not an input error: {e}"),
        Ok(_) => panic!("the case is accepted"),
    }
}

#[test]
fn typed_values_read_as_their_json_text() {
    let rules = chengyang();
    let typed = obj(vec![
        ("registered_locally", V::Bool(true)),
        ("financial_assets", V::Int(5000)),
        (
            "members",
            V::List(vec![
                obj(vec![
                    ("birth_date", V::Day(1950, 3, 1)),
                    ("monthly_income", V::Text("800.00")),
                    ("disability_kind", V::Text("physical")),
                    ("disability_grade", V::Int(2)),
                ]),
                obj(vec![
                    ("birth_date", V::Day(2012, 1, 30)),
                    ("monthly_income", V::Int(0)),
                    ("disability_kind", V::Null),
                ]),
            ]),
        ),
    ]);
    let json = json!({
        "registered_locally": true,
        "financial_assets": "5000",
        "members": [
            {"birth_date": "1950-03-01", "monthly_income": "800.00", "disability_kind": "physical", "disability_grade": 2},
            {"birth_date": "2012-01-30", "monthly_income": "0", "disability_kind": null},
        ],
    });
    for programs in [None, Some(&["dibao".to_string()][..])] {
        let from_typed = rules
            .read_case("household", &&typed, on(), programs)
            .unwrap();
        let from_json = rules
            .parse_case_for("household", &json, on(), programs)
            .unwrap();
        assert_eq!(from_typed, from_json);
        assert_eq!(
            rules.decide(&from_typed, on(), programs).unwrap(),
            rules.decide(&from_json, on(), programs).unwrap()
        );
    }
}

#[test]
fn typed_values_are_refused_as_their_json_text() {
    let rules = chengyang();
    let typed = obj(vec![
        ("registered_locally", V::Int(5)),
        ("financial_assets", V::Day(1950, 3, 1)),
        (
            "members",
            V::List(vec![
                obj(vec![
                    ("birth_date", V::Day(2024, 1, 1)),
                    ("monthly_income", V::Text("12.345")),
                    ("disability_kind", V::Day(1999, 1, 1)),
                ]),
                obj(vec![
                    ("birth_date", V::Day(1700, 1, 1)),
                    ("monthly_income", V::Bool(true)),
                    ("salary", V::Int(1)),
                ]),
                V::Int(3),
            ]),
        ),
    ]);
    let json = json!({
        "registered_locally": 5,
        "financial_assets": "1950-03-01",
        "members": [
            {"birth_date": "2024-01-01", "monthly_income": "12.345", "disability_kind": "1999-01-01"},
            {"birth_date": "1700-01-01", "monthly_income": true, "salary": 1},
            3,
        ],
    });
    let from_typed = problems(rules.read_case("household", &&typed, on(), None));
    let from_json = problems(rules.parse_case_for("household", &json, on(), None));
    assert_eq!(from_typed, from_json);
    assert_eq!(from_typed.len(), 9, "{from_typed:?}");
}

#[test]
fn a_refused_value_is_one_error_at_its_place_wherever_it_is() {
    let rules = chengyang();
    let typed = obj(vec![
        ("registered_locally", V::Refused(Refusal::DateTime)),
        ("financial_assets", V::Refused(Refusal::Float)),
        (
            "members",
            V::List(vec![
                V::Refused(Refusal::Unreadable("set".into())),
                V::Obj(vec![
                    (Ok("birth_date"), V::Day(1960, 1, 1)),
                    (Ok("monthly_income"), V::Text("0")),
                    (Err("7"), V::Null),
                ]),
            ]),
        ),
        ("bonus", V::Refused(Refusal::Float)),
    ]);
    let read = rules.read_case("household", &&typed, on(), None);
    let Err(Error::Input(errors)) = read else {
        panic!("the case is accepted");
    };
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.code, e.loc.as_str())).collect();
    assert_eq!(
        got,
        [
            // A field that is no field is that, whatever it holds.
            ("unknown_field", "bonus"),
            ("wrong_type", "registered_locally"),
            ("wrong_type", "financial_assets"),
            ("wrong_type", "members[0]"),
            // A name that is not text, at the object that has it.
            ("wrong_type", "members[1]"),
        ]
    );
    assert!(errors[2].msg.contains("float"), "{}", errors[2].msg);
    assert_eq!(errors[2].input.as_deref(), Some("1.5"));
    assert!(errors[3].msg.contains("set"), "{}", errors[3].msg);
    assert_eq!(errors[4].input.as_deref(), Some("7"));
}

#[test]
fn a_json_case_reads_the_same_through_either_entry() {
    let rules = chengyang();
    let json: Json = json!({"registered_locally": true, "financial_assets": 10, "members": []});
    let a = problems(rules.parse_case_for("household", &json, on(), None));
    let b = problems(rules.read_case("household", &&json, on(), None));
    assert_eq!(a, b);
}
