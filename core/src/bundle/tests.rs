use super::*;
use crate::Date;

fn rules() -> RuleSet {
    RuleSet::load_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rules/cn-qingdao-chengyang"
    ))
    .unwrap()
}

/// The bundle with its payload replaced and the header made to match it,
/// as a hostile writer would.
fn resealed(bundle: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = bundle[..HEADER_BYTES].to_vec();
    out[42..46].copy_from_slice(&u32::try_from(payload.len()).unwrap().to_le_bytes());
    out[46..78].copy_from_slice(&Sha256::digest(payload));
    out.extend_from_slice(payload);
    out
}

#[test]
fn a_bundle_reads_back_as_the_same_rule_set() {
    let rules = rules();
    let bytes = rules.to_bundle();
    let back = RuleSet::from_bundle(&bytes).unwrap();
    assert_eq!(
        (back.id(), back.version(), back.hash()),
        (rules.id(), rules.version(), rules.hash())
    );
    assert_eq!(back.base_hash(), rules.base_hash());
    // Writing the read-back rule set gives the same bytes.
    assert_eq!(back.to_bundle(), bytes);
    let case = serde_json::json!({
        "registered_locally": true, "financial_assets": "10000",
        "members": [
            {"birth_date": "1980-01-01", "monthly_income": "800"},
            {"birth_date": "1982-05-01", "monthly_income": "800"},
            {"birth_date": "2010-03-01", "monthly_income": "800"}
        ]
    });
    let day = Date::parse("2023-09-06").unwrap();
    let a = rules.evaluate_json("household", &case, day, None).unwrap();
    let b = back.evaluate_json("household", &case, day, None).unwrap();
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(a.explain(Lang::Zh), b.explain(Lang::Zh));
    assert_eq!(rules.schemas(), back.schemas());
}

#[test]
fn what_is_not_a_bundle_is_refused_with_its_reason() {
    let bytes = rules().to_bundle();
    let code = |b: &[u8]| RuleSet::from_bundle(b).unwrap_err().code();
    assert_eq!(code(b"ruleset.toml"), "bundle_not_a_bundle");
    assert_eq!(code(&[]), "bundle_not_a_bundle");
    let mut newer = bytes.clone();
    let later = u8::try_from(FORMAT_VERSION + 1).unwrap();
    newer[8] = later;
    let err = RuleSet::from_bundle(&newer).unwrap_err();
    assert_eq!(err.problem, BundleProblem::Version(u16::from(later)));
    assert!(
        err.message(Lang::Zh)
            .contains(&format!("版本 {FORMAT_VERSION}")),
        "{}",
        err.message(Lang::Zh)
    );
    assert!(err.message(Lang::En).contains(&format!("version {later}")));
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(code(&flipped), "bundle_checksum");
    let mut other_hash = bytes.clone();
    other_hash[12] ^= 1;
    assert_eq!(code(&other_hash), "bundle_hash");
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(code(&longer), "bundle_length");
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = rules().to_bundle();
    for n in 0..bytes.len() {
        let err = RuleSet::from_bundle(&bytes[..n]).unwrap_err();
        let want = if n < 8 {
            "bundle_not_a_bundle"
        } else {
            "bundle_length"
        };
        assert_eq!(err.code(), want, "{n} bytes");
    }
    // A payload cut short behind a header that matches it.
    let payload = &bytes[HEADER_BYTES..];
    for n in (0..payload.len()).step_by(97) {
        let err = RuleSet::from_bundle(&resealed(&bytes, &payload[..n])).unwrap_err();
        assert_eq!(err.code(), "bundle_corrupt", "{n} bytes of payload");
    }
}

#[test]
fn hostile_payloads_are_errors_not_panics() {
    let rules = rules();
    let bytes = rules.to_bundle();
    let payload = &bytes[HEADER_BYTES..];
    let case = serde_json::json!({"registered_locally": true, "financial_assets": "0",
        "members": [{"birth_date": "1950-01-01", "monthly_income": "0"}]});
    let day = Date::parse("2023-09-06").unwrap();
    let mut loaded = 0;
    let step = (payload.len() / 300).max(1);
    for i in (0..payload.len()).step_by(step) {
        for x in [0x01u8, 0x80, 0xff] {
            let mut p = payload.to_vec();
            p[i] ^= x;
            if let Ok(r) = RuleSet::from_bundle(&resealed(&bytes, &p)) {
                loaded += 1;
                let _ = r
                    .evaluate_json("household", &case, day, None)
                    .map(|o| o.explain(Lang::En));
                let _ = r.schemas();
            }
        }
    }
    // Most changes to texts still load; the test reaches evaluation.
    assert!(loaded > 0);
}

#[test]
fn nesting_is_bounded() {
    // A `Not` node (tag 6) nested far deeper than any formula.
    let deep = vec![6u8; 100_000];
    let err = codec::decode::<crate::plan::Node>(&mut Reader::new(&deep)).unwrap_err();
    assert!(err.message.contains("nest"), "{err:?}");
}

#[test]
fn a_plan_whose_entities_are_members_of_each_other_is_refused() {
    let rules = rules();
    let mut plan = rules.plan().clone();
    let household = plan.entity_index("household").unwrap();
    let person = plan.entities[household].collections[0].entity;
    let mut back = plan.entities[household].collections[0].clone();
    back.entity = household;
    plan.entities[person].collections.push(back);
    let err = validate::plan(&plan).unwrap_err();
    assert!(err.contains("member of itself"), "{err}");
}
