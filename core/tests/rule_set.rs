//! The Chengyang rule set as a whole: every figure of the source is
//! reproduced by a worked example, the worked examples pass, and every
//! parameter is cited with a status.

// Helpers outside #[test] functions fail the test the same way.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use bangfu::examples::run_examples;
use bangfu::RuleSet;
use bangfu::Status;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/cn-qingdao-chengyang")
}

fn rules() -> RuleSet {
    RuleSet::load_dir(dir()).unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn the_worked_examples_pass_and_are_many() {
    let rules = rules();
    let results = run_examples(&rules);
    assert!(
        results.len() >= 60,
        "only {} worked examples",
        results.len()
    );
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// The figures of the press conference of 2023-09-06 that one case can
/// reproduce, in its own words. Its district total of meal subsidies paid,
/// the names of the programs administered and of the two meal-aid documents
/// are not reproducible from one case.
const FIGURES_OF_THE_PRESS_CONFERENCE: [&str; 9] = [
    "一次性开办补助费每处餐厅最高6万元",
    "运营保障专项补贴每年5万元",
    "连锁化品牌化补贴最高40万元",
    "60-69岁老人在助老餐厅获取午餐和晚餐每餐每人给予3元补贴",
    "70岁以上老人在助老餐厅获取午餐和晚餐每餐每人给予6元补贴",
    "“一荤两素+主食”搭配套餐收费11-13元",
    "城乡低保标准达到每人每月1045元",
    "城乡特困人员基本生活标准达到每人每月1568元",
    "500户以上的社区均配备了两名劳动保障协理员",
];

/// Each figure is quoted by a parameter citing the press conference, and
/// reproduced by a worked example; whatever an example says it reproduces
/// is words quoted by a parameter.
#[test]
fn every_figure_of_the_source_is_reproduced_by_a_worked_example() {
    let rules = rules();
    let quotes = |source: Option<&str>| -> Vec<String> {
        rules
            .parameter_names()
            .into_iter()
            .flat_map(|p| rules.parameter_history(p).expect("a parameter"))
            .filter(|v| source.is_none() || v.citation.source_id.as_deref() == source)
            .filter_map(|v| v.citation.quote.as_deref().map(str::to_string))
            .collect()
    };
    let press_conference = quotes(Some("press_conference_2023_09_06"));
    let all = quotes(None);
    let mut reproduced = BTreeSet::new();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("rule folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
    }
    for f in files {
        let doc: toml::Table =
            toml::from_str(&std::fs::read_to_string(&f).expect("read")).expect("TOML");
        for ex in doc
            .get("examples")
            .and_then(|e| e.as_array())
            .into_iter()
            .flatten()
        {
            for s in ex
                .get("reproduces")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(s) = s.as_str() {
                    reproduced.insert(s.to_string());
                }
            }
        }
    }
    for s in FIGURES_OF_THE_PRESS_CONFERENCE {
        assert!(
            press_conference.iter().any(|q| q.contains(s)),
            "no parameter quotes the press conference saying {s}"
        );
        assert!(
            reproduced.contains(s),
            "no worked example reproduces {s}: {reproduced:?}"
        );
    }
    for s in &reproduced {
        assert!(
            all.iter().any(|q| q.contains(s.as_str())),
            "a worked example reproduces {s}, which no parameter quotes"
        );
    }
}

struct Named<'a> {
    name: &'a str,
}

/// Every version of every parameter names its source, and every assumption
/// says why; derived versions show their formula.
#[test]
fn every_parameter_is_cited() {
    let rules = rules();
    for name in rules.parameter_names() {
        let versions = rules.parameter_history(name).expect("a parameter");
        let p = Named { name };
        assert!(!versions.is_empty(), "{} has no history", p.name);
        for v in &versions {
            assert!(
                !v.citation.document.is_empty()
                    || (v.status == Status::Assumption && v.citation.note.is_some()),
                "{} from {}: no document",
                p.name,
                v.from
            );
            assert!(
                v.citation.quote.is_some() || v.citation.note.is_some(),
                "{} from {}: neither quote nor note",
                p.name,
                v.from
            );
            if v.status == Status::Assumption {
                assert!(
                    v.citation
                        .note
                        .as_ref()
                        .is_some_and(|n| !n.zh.is_empty() && !n.en.is_empty()),
                    "{} from {}: an assumption without a note in both languages",
                    p.name,
                    v.from
                );
            }
            if v.status == Status::Published {
                // A published figure quotes its document or explains itself.
                assert!(v.citation.quote.is_some() || v.citation.note.is_some());
            }
        }
    }
}

/// The dibao standard's history as published in the Qingdao notices and
/// at the press conference of 2023-09-06.
#[test]
fn the_dibao_standard_has_its_history() {
    let rules = rules();
    let versions = rules
        .parameter_history("dibao_standard")
        .expect("dibao_standard");
    let history: Vec<(String, String)> = versions
        .iter()
        .map(|v| {
            let value = match (&v.value, &v.formula) {
                (Some(x), _) => x
                    .decimal()
                    .map(|d| d.normalize().to_string())
                    .unwrap_or_default(),
                (None, Some(f)) => f.to_string(),
                (None, None) => String::new(),
            };
            (v.from.to_string(), value)
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("2017-04-01", "660"),
        ("2020-04-01", "700"),
        ("2020-07-01", "821"),
        ("2021-07-01", "904"),
        ("2022-01-01", "995"),
        ("2023-01-01", "1045"),
        ("2024-01-01", "1115"),
    ]
    .iter()
    .map(|(d, v)| (d.to_string(), v.to_string()))
    .collect();
    assert_eq!(history, want);
    let status: Vec<Status> = versions.iter().map(|v| v.status).collect();
    assert_eq!(
        status[2],
        Status::Assumption,
        "the start of 821 in 2020 is an assumption"
    );
    assert_eq!(
        status[3],
        Status::Assumption,
        "the 2021 date is an assumption"
    );
    assert_eq!(status[4], Status::Assumption, "the 2022 value is inferred");
    assert_eq!(status[5], Status::Published, "1045 is published");
    let tekun = rules
        .parameter_history("tekun_standard")
        .expect("tekun_standard");
    assert!(tekun.iter().all(|v| v.status == Status::Derived));
}
