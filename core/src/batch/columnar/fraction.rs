//! Exact fraction arithmetic: powers of ten, rounding a quotient, bounded
//! fractions and their comparison.

use super::*;
use crate::money::RoundingMode;

pub(super) fn pow10(k: u32) -> Option<i128> {
    10i128.checked_pow(k)
}

/// Floor-divides and rounds `n / d` (`d > 0`) as `mode` says.
pub(super) fn round_div(n: i128, d: i128, mode: RoundingMode) -> Option<i128> {
    let q = n.checked_div_euclid(d)?;
    let r = n.checked_rem_euclid(d)?;
    let up = match mode {
        RoundingMode::Down => false,
        RoundingMode::Up => r > 0,
        RoundingMode::HalfUp | RoundingMode::HalfEven => {
            let twice = r.checked_mul(2)?;
            match twice.cmp(&d) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => match mode {
                    RoundingMode::HalfUp => q >= 0,
                    _ => q % 2 != 0,
                },
            }
        }
    };
    q.checked_add(i128::from(up))
}

/// Largest numerator per unit of denominator of a fraction at `scale`.
pub(super) fn limit(scale: u32) -> i128 {
    pow10(scale).map_or(0, |p| MAX_VALUE.saturating_mul(p))
}

/// A fraction in bounds (`|n / d| ≤ limit / 10^scale`), with a positive
/// denominator.
#[inline]
pub(super) fn ratio(n: i128, d: i128, limit: i128) -> Option<(i64, i64)> {
    let (n, d) = if d < 0 {
        (n.checked_neg()?, d.checked_neg()?)
    } else {
        (n, d)
    };
    if d == 0 || d > MAX_DEN || n.checked_abs()? > limit.checked_mul(d)? {
        return None;
    }
    Some((i64::try_from(n).ok()?, i64::try_from(d).ok()?))
}

/// How `an / ad` compares with `bn / bd`, both scaled by their factor to a
/// common scale `S`: the sign of `an × fa × bd − bn × fb × ad` (denominators
/// are positive). With `margin` (`10^S`, when a side is a fraction), `None`
/// when the two are within `1 / MARGIN` of each other; `None` too when the
/// products overflow an i128. Computed in i64 where it fits.
#[inline]
pub(super) fn compare_fractions(
    (an, ad, fa): (i64, i64, i128),
    (bn, bd, fb): (i64, i64, i128),
    margin: Option<i128>,
) -> Option<std::cmp::Ordering> {
    macro_rules! decide {
        ($t:ty, $an:expr, $ad:expr, $fa:expr, $bn:expr, $bd:expr, $fb:expr, $p:expr, $m:expr) => {
            (|| -> Option<Option<std::cmp::Ordering>> {
                let x = $an.checked_mul($fa)?.checked_mul($bd)?;
                let y = $bn.checked_mul($fb)?.checked_mul($ad)?;
                let delta: $t = x.checked_sub(y)?;
                if let Some(p) = $p {
                    // |delta| / (ad · bd · 10^S) must exceed 1 / MARGIN.
                    let room = $ad.checked_mul($bd)?.checked_mul(p)?;
                    if delta.checked_abs()?.checked_mul($m)? <= room {
                        return Some(None);
                    }
                }
                Some(Some(delta.cmp(&0)))
            })()
        };
    }
    let small = (i64::try_from(fa), i64::try_from(fb));
    let p64 = margin.map(i64::try_from);
    if let ((Ok(fa), Ok(fb)), None | Some(Ok(_))) = (small, p64) {
        let p = p64.and_then(Result::ok);
        if let Some(ord) = decide!(i64, an, ad, fa, bn, bd, fb, p, MARGIN_64) {
            return ord;
        }
    }
    let (an, ad, bn, bd) = (
        i128::from(an),
        i128::from(ad),
        i128::from(bn),
        i128::from(bd),
    );
    decide!(i128, an, ad, fa, bn, bd, fb, margin, MARGIN).flatten()
}

/// Whether every row of `xs × fa / ys` is a fraction as it stands: the
/// lengths agree, denominators are in `1..=MAX_DEN` and numerators within
/// `lim` (so within it times any denominator). Then no row needs a check.
pub(super) fn fractions_in_bounds(xs: &[i64], fa: i64, ys: &[i64], lim: i64) -> bool {
    let dens = ys
        .iter()
        .fold(true, |ok, &y| ok & (y >= 1) & (i128::from(y) <= MAX_DEN));
    let nums = u64::try_from(fa)
        .ok()
        .and_then(|f| magnitude(xs).checked_mul(f))
        .is_some_and(|m| m <= lim.unsigned_abs());
    dens && nums && xs.len() == ys.len()
}

/// Appends whether `test` holds of each difference (false where it is
/// near), and says whether any was near.
#[inline]
pub(super) fn signs(
    out: &mut Vec<i64>,
    rows: impl Iterator<Item = (i64, bool)>,
    test: impl Fn(i64) -> bool,
) -> bool {
    let mut any_near = false;
    out.extend(rows.map(|(delta, near)| {
        any_near |= near;
        i64::from(test(delta) & !near)
    }));
    any_near
}

/// [`compare_fractions`] of a fraction `n / d` with a number `y`, for a
/// chunk whose magnitudes leave no product able to overflow an `i64`: no
/// check per case, and so no branch.
#[derive(Clone, Copy)]
pub(super) struct Bounded {
    fa: i64,
    fb: i64,
    /// `10^S` with a margin; `-1` without one (then no case is near).
    p: i64,
}

impl Bounded {
    /// Each side's products under 2^40 (denominators are at most
    /// `MAX_DEN`), so a difference is under 2^41, and times `MARGIN_64`
    /// (under 2^20) under 2^61.
    pub(super) fn of(
        ns: &[i64],
        fa: i128,
        ys: &[i64],
        fb: i128,
        margin: Option<i128>,
    ) -> Option<Bounded> {
        const BOUND: u128 = 1 << 40;
        let largest = |v: &[i64]| u128::from(magnitude(v));
        let fa64 = i64::try_from(fa).ok().filter(|&f| f > 0)?;
        let fb64 = i64::try_from(fb).ok().filter(|&f| f > 0)?;
        let x = largest(ns).checked_mul(u128::try_from(fa).ok()?)?;
        let y = largest(ys)
            .checked_mul(u128::try_from(fb).ok()?)?
            .checked_mul(u128::try_from(MAX_DEN).ok()?)?;
        let p = match margin {
            None => -1,
            // Room `d × p` under 2^62.
            Some(p) => i64::try_from(p)
                .ok()
                .filter(|&p| p > 0 && i128::from(p) * MAX_DEN < 1 << 62)?,
        };
        (x < BOUND && y < BOUND && MARGIN_64 < 1 << 20).then_some(Bounded {
            fa: fa64,
            fb: fb64,
            p,
        })
    }

    /// `n × fa − y × fb × d` (its sign is the comparison's) and whether
    /// the two are within the margin (`d` in `1..=MAX_DEN`).
    #[inline]
    pub(super) fn compare(self, n: i64, d: i64, y: i64) -> (i64, bool) {
        // Wrapping only on rows already flagged (a denominator out of
        // range): elsewhere the bounds make every product exact.
        let delta = n
            .wrapping_mul(self.fa)
            .wrapping_sub(y.wrapping_mul(self.fb).wrapping_mul(d));
        let near = delta.wrapping_abs().wrapping_mul(MARGIN_64) <= d.wrapping_mul(self.p);
        (delta, near)
    }
}

/// At least the largest magnitude in `xs`, at most twice it: the bits of
/// every magnitude (less one, for negative numbers) or-ed together, plus
/// one. x86-64 has no vector maximum of 64-bit integers before AVX-512,
/// but or-ing runs on vectors everywhere.
#[inline]
pub(super) fn magnitude(xs: &[i64]) -> u64 {
    let bits = xs.iter().fold(0u64, |acc, &x| acc | (x ^ (x >> 63)) as u64);
    bits.saturating_add(u64::from(!xs.is_empty()))
}
