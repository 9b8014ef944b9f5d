//! The fraction arithmetic and running sums against checked arithmetic.

use super::exec::*;
use super::fraction::*;
use super::*;
use crate::money::RoundingMode;

#[test]
fn rounding_modes_match_the_decimal_ones() {
    let cases: [(i128, i128); 8] = [
        (25, 10),
        (-25, 10),
        (35, 10),
        (-35, 10),
        (24, 10),
        (26, 10),
        (-26, 10),
        (0, 10),
    ];
    for mode in [
        RoundingMode::Up,
        RoundingMode::Down,
        RoundingMode::HalfUp,
        RoundingMode::HalfEven,
    ] {
        for (n, d) in cases {
            let value = crate::Decimal::from_i128_with_scale(n, 1);
            let want = crate::money::round_to(value, crate::Decimal::ONE, mode)
                .map(|x| x.mantissa() / 10i128.pow(x.scale()));
            assert_eq!(round_div(n, d, mode), want, "{n}/{d} {mode:?}");
        }
    }
}

#[test]
fn fractions_are_bounded() {
    let l = limit(2);
    assert_eq!(ratio(10, -4, l), Some((-10, 4)));
    assert_eq!(ratio(1, 0, l), None);
    assert_eq!(ratio(1, MAX_DEN + 1, l), None);
    assert_eq!(ratio(MAX_VALUE * 100 + 1, 1, l), None);
    assert_eq!(ratio(MAX_VALUE * 100, 1, l), Some((100_000_000_000_000, 1)));
    assert_eq!(ratio(MAX_VALUE * 300, 3, l), Some((300_000_000_000_000, 3)));
    assert_eq!(ratio(i128::from(i64::MIN), -1, l), None);
}

proptest::proptest! {
    #[test]
    fn bounded_comparison_is_compare_fractions(
        ns in proptest::collection::vec(-(1i64 << 38)..(1i64 << 38), 1..20),
        ds in proptest::collection::vec(1i64..=10_000, 20),
        ys in proptest::collection::vec(-50_000i64..50_000, 20),
        fb in proptest::sample::select(vec![1i128, 10, 100, 1000]),
        margin in proptest::sample::select(vec![None, Some(1i128), Some(100), Some(10_000)]),
    ) {
        let ys = &ys[..ns.len()];
        let k = Bounded::of(&ns, 1, ys, fb, margin).expect("within bounds");
        for ((&n, &d), &y) in ns.iter().zip(&ds).zip(ys) {
            let (delta, near) = k.compare(n, d, y);
            let want = compare_fractions((n, d, 1), (y, 1, fb), margin);
            proptest::prop_assert_eq!((!near).then_some(delta.cmp(&0)), want, "{}/{} vs {}", n, d, y);
        }
    }

    #[test]
    fn sums_by_running_sums_are_the_sums(
        sizes in proptest::collection::vec(0usize..7, 0..40),
        big in proptest::bool::ANY,
        seed in proptest::num::i64::ANY,
    ) {
        let mut o = vec![0usize];
        for s in &sizes {
            o.push(o.last().copied().unwrap_or(0) + s);
        }
        let total = o.last().copied().unwrap_or(0);
        let scale = if big { i64::MAX / 3 } else { 1_000_000 };
        let xs: Vec<i64> = (0..total)
            .map(|i| seed.wrapping_mul(i as i64 + 7).wrapping_add(i as i64) % scale)
            .collect();
        let mut prefix = Vec::new();
        if sum_by_prefix(&xs, &o, &mut prefix) {
            for w in o.windows(2) {
                let got = prefix[w[1]].wrapping_sub(prefix[w[0]]);
                proptest::prop_assert_eq!(Some(got), sum(&xs[w[0]..w[1]]));
            }
        } else {
            // Refused only when a group could overflow.
            proptest::prop_assert!(big);
        }
    }
}

#[test]
fn magnitude_bounds_the_largest_within_a_factor_of_two() {
    let cases: [&[i64]; 6] = [&[], &[0], &[5, -3], &[-8], &[i64::MIN, 1], &[i64::MAX, -1]];
    for xs in cases {
        let largest = xs.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0);
        let m = magnitude(xs);
        assert!(
            m >= largest && m <= largest.saturating_mul(2).max(1),
            "{xs:?}: {m}"
        );
    }
}
