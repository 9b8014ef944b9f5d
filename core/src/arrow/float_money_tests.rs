//! Floats read as the nearest fen: exact cases, the tolerance's edge, and
//! the bits' decision held to the shortest text's.

use super::*;
use arrow_array::{Float32Array, Float64Array};
use proptest::prelude::*;

/// The decision from the shortest text alone (the definition).
fn by_text(v: f64) -> Option<i64> {
    if !v.is_finite() {
        return None;
    }
    match read_text(&format!("{v:e}")) {
        Read::Fen(n) => Some(n),
        Read::Text(_) => None,
    }
}

#[test]
fn reads_amounts_as_their_fen() {
    assert_eq!(fen_of_f64(1045.0), Some(104_500));
    assert_eq!(fen_of_f64(0.1), Some(10));
    assert_eq!(fen_of_f64(1044.99), Some(104_499));
    assert_eq!(fen_of_f64(-12.34), Some(-1234));
    assert_eq!(fen_of_f64(0.0), Some(0));
    assert_eq!(fen_of_f64(-0.0), Some(0));
    // 0.1 + 0.2, as a float sum prints.
    assert_eq!(fen_of_f64(0.300_000_000_000_000_04), Some(30));
    // Far inside the tolerance of zero.
    assert_eq!(fen_of_f64(1e-300), Some(0));
    assert_eq!(fen_of_f64(5e-7), Some(0));
    // 9 × 10^16 yuan is 9 × 10^18 fen, within an i64.
    assert_eq!(fen_of_f64(9e16), Some(9_000_000_000_000_000_000));
}

#[test]
fn refuses_what_is_not_near_a_fen() {
    assert_eq!(fen_of_f64(1045.005), None);
    assert_eq!(fen_of_f64(0.001), None);
    assert_eq!(fen_of_f64(1_045.000_001_1), None);
    assert_eq!(fen_of_f64(f64::NAN), None);
    assert_eq!(fen_of_f64(f64::INFINITY), None);
    assert_eq!(fen_of_f64(f64::NEG_INFINITY), None);
    // More fen than an i64 holds.
    assert_eq!(fen_of_f64(1e17), None);
    assert_eq!(fen_of_f64(1e300), None);
}

#[test]
fn the_tolerance_is_a_millionth_of_a_yuan_of_the_shortest_text() {
    // Printed as 1045.000001: exactly at the tolerance, accepted.
    assert_eq!(fen_of_f64(1_045.000_001), Some(104_500));
    assert_eq!(fen_of_f64(1_045.009_999), Some(104_501));
    assert_eq!(fen_of_f64(1_045.009_998_9), None);
    assert_eq!(fen_of_f64(-0.000_001), Some(0));
    assert_eq!(fen_of_f64(-0.000_001_01), None);
}

#[test]
fn plain_text_for_row_errors() {
    let plain = |v: f64| Shortest::parse(&format!("{v:e}")).unwrap().plain();
    assert_eq!(plain(1045.005), "1045.005");
    assert_eq!(plain(-0.001), "-0.001");
    assert_eq!(plain(1e20), "100000000000000000000");
    assert_eq!(plain(1e-300), "1e-300");
    assert_eq!(fen_text(-104_501), "-1045.01");
    assert_eq!(fen_text(5), "0.05");
}

#[test]
fn a_column_of_fen_stays_integers_and_one_bad_row_makes_it_text() {
    let mut column = empty();
    append(&Float64Array::from(vec![1045.0, 0.1]), &mut column);
    append(&Float64Array::from(vec![Some(2.5), None]), &mut column);
    let ColumnData::Fixed(2, ints) = &column else {
        panic!("{column:?}")
    };
    let got: Vec<Option<i64>> = ints.iter().collect();
    assert_eq!(got, vec![Some(104_500), Some(10), Some(250), None]);

    append(&Float64Array::from(vec![1045.005, f64::NAN]), &mut column);
    append(&Float32Array::from(vec![Some(0.1f32), None]), &mut column);
    let ColumnData::Text(texts) = &column else {
        panic!("{column:?}")
    };
    let texts: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
    assert_eq!(
        texts,
        vec![
            Some("1045.00"),
            Some("0.10"),
            Some("2.50"),
            None,
            Some("1045.005"),
            Some("NaN"),
            Some("0.10"),
            None
        ]
    );
}

#[test]
fn floats_32_bits_wide_by_their_own_shortest_text() {
    let mut column = empty();
    // 0.1f32 is 0.100000001490116…: its own shortest text is 0.1.
    append(&Float32Array::from(vec![0.1f32, 1045.99]), &mut column);
    let ColumnData::Fixed(2, ints) = &column else {
        panic!("{column:?}")
    };
    assert_eq!(ints.values(), &[10, 104_599]);
}

proptest! {
    #[test]
    fn bits_decide_as_the_shortest_text_does(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        let text = by_text(v);
        match from_bits(v) {
            Bits::Fen(n) if v.is_finite() => prop_assert_eq!(Some(n), text),
            Bits::Not => prop_assert_eq!(None, text),
            _ => {}
        }
        prop_assert_eq!(fen_of_f64(v), text);
    }

    #[test]
    fn near_a_fen_decides_as_the_shortest_text_does(fen in -1_000_000_000_000i64..1_000_000_000_000, micro in -3i64..3, ulps in -2i64..2) {
        // Floats near a fen and near the tolerance, where the bits are unsure.
        let v: f64 = format!("{}e-6", fen * 10_000 + micro).parse().unwrap();
        let v = f64::from_bits(v.to_bits().wrapping_add_signed(ulps));
        prop_assert_eq!(fen_of_f64(v), by_text(v));
    }

    // Up to 15 digits, which a float always prints back.
    #[test]
    fn the_float_of_an_amount_is_its_fen(fen in -999_999_999_999_999i64..=999_999_999_999_999) {
        let v: f64 = fen_text(fen).parse().unwrap();
        prop_assert_eq!(fen_of_f64(v), Some(fen));
    }
}
