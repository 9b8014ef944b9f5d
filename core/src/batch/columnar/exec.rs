//! The executor: register operations run over a chunk of cases.

use super::fraction::*;
use super::*;
use crate::batch::columns::Slice;
use crate::batch::Population;
use crate::date::Date;
use crate::plan::{within, AggKind, Cmp};

impl Program {
    /// Scratch space for one thread.
    pub(crate) fn state(&self, collections: usize) -> State {
        State {
            regs: vec![Vec::new(); self.regs],
            flag: Vec::with_capacity(CHUNK),
            offs: vec![Vec::new(); collections],
            bad: Vec::new(),
            prefix: Vec::new(),
            widened: Vec::new(),
        }
    }

    /// Per program: eligibility register, amount register and scale.
    pub(crate) fn outputs(&self) -> &[(usize, Option<(usize, u32)>)] {
        &self.outputs
    }

    /// Per member program: collection, eligibility register, amount
    /// register and scale (registers over the chunk's member rows).
    pub(crate) fn member_outputs(&self) -> &[MemberOutput] {
        &self.member_outputs
    }

    /// Runs every operation over cases `lo..lo + n`; afterwards
    /// `st.flag[k]` marks cases to evaluate one by one.
    #[inline(never)]
    pub(crate) fn run_chunk(&self, pop: &Population, st: &mut State, lo: usize, n: usize) {
        st.flag.clear();
        st.flag.resize(n, false);
        for (c, coll) in pop.collections.iter().enumerate() {
            let Some(offs) = st.offs.get_mut(c) else {
                continue;
            };
            let window = coll.offsets.get(lo..=lo + n).unwrap_or(&[]);
            let base = window.first().copied().unwrap_or(0);
            offs.clear();
            offs.extend(window.iter().map(|o| o - base));
        }
        // Input columns: 64-bit ones read where they lie, narrower ones
        // widened into the state's buffers.
        let mut widened = std::mem::take(&mut st.widened);
        widened.resize_with(self.inputs.len(), Vec::new);
        let mut slices: Vec<Option<Slice<'_>>> = Vec::with_capacity(self.inputs.len());
        for (&(_, level, col), buf) in self.inputs.iter().zip(widened.iter_mut()) {
            let (column, rows) = match level {
                Level::Case => (pop.columns.get(col), lo..lo + n),
                Level::Member(c) => {
                    let coll = pop.collections.get(c);
                    let a = coll.and_then(|m| m.offsets.get(lo)).copied().unwrap_or(0);
                    let b = coll
                        .and_then(|m| m.offsets.get(lo + n))
                        .copied()
                        .unwrap_or(a);
                    (coll.and_then(|m| m.columns.get(col)), a..b.max(a))
                }
            };
            let slice = column.and_then(|c| c.values().slice(rows));
            match slice {
                Some(Slice::I64(_)) => {}
                Some(s) => s.widen_into(buf),
                None => buf.clear(),
            }
            slices.push(slice);
        }
        let mut views: Vec<Option<&[i64]>> = vec![None; self.regs];
        for ((&(reg, ..), slice), buf) in self.inputs.iter().zip(&slices).zip(&widened) {
            if let Some(v) = views.get_mut(reg) {
                *v = Some(match slice {
                    Some(Slice::I64(s)) => s,
                    _ => buf.as_slice(),
                });
            }
        }
        for (level, op) in &self.ops {
            let len = match level {
                Level::Case => n,
                Level::Member(c) => st.offs.get(*c).and_then(|o| o.last()).copied().unwrap_or(0),
            };
            self.exec(op, &views, st, len);
            if !st.bad.is_empty() {
                let bad = std::mem::take(&mut st.bad);
                for &i in &bad {
                    let case = match level {
                        Level::Case => Some(i),
                        // The case whose members span row `i`.
                        Level::Member(c) => st
                            .offs
                            .get(*c)
                            .and_then(|o| o.partition_point(|&m| m <= i).checked_sub(1)),
                    };
                    if let Some(f) = case.and_then(|k| st.flag.get_mut(k)) {
                        *f = true;
                    }
                }
                st.bad = bad;
                st.bad.clear();
            }
        }
        drop(views);
        st.widened = widened;
    }

    /// Register `reg` of the last chunk.
    pub(crate) fn reg<'s>(&self, st: &'s State, reg: usize) -> &'s [i64] {
        st.regs.get(reg).map_or(&[], Vec::as_slice)
    }

    fn exec(&self, op: &Op, views: &[Option<&[i64]>], st: &mut State, len: usize) {
        let State {
            regs,
            offs,
            bad,
            prefix,
            ..
        } = st;
        // Takes the destination out so that sources can be read beside it.
        fn take(regs: &mut [Vec<i64>], dst: usize) -> Vec<i64> {
            let mut v = regs.get_mut(dst).map(std::mem::take).unwrap_or_default();
            v.clear();
            v
        }
        fn get<'v>(regs: &'v [Vec<i64>], views: &[Option<&'v [i64]>], r: usize) -> &'v [i64] {
            match views.get(r).copied().flatten() {
                Some(v) => v,
                None => regs.get(r).map_or(&[], Vec::as_slice),
            }
        }
        fn put(regs: &mut [Vec<i64>], r: usize, v: Vec<i64>) {
            if let Some(slot) = regs.get_mut(r) {
                *slot = v;
            }
        }
        match op {
            Op::Fill { x, dst } => {
                let mut out = take(regs, *dst);
                out.resize(len, *x);
                put(regs, *dst, out);
            }
            Op::Spread { coll, src, dst } => {
                let mut out = take(regs, *dst);
                let s = get(regs, views, *src);
                if let Some(o) = offs.get(*coll) {
                    for (k, w) in o.windows(2).enumerate() {
                        let x = s.get(k).copied().unwrap_or(0);
                        out.extend(std::iter::repeat_n(x, w[1] - w[0]));
                    }
                }
                out.resize(len, 0);
                put(regs, *dst, out);
            }
            Op::Scale { src, f, dst } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *src), &mut out, bad, |x| x.checked_mul(*f));
                put(regs, *dst, out);
            }
            Op::Neg { src, dst } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *src), &mut out, bad, i64::checked_neg);
                put(regs, *dst, out);
            }
            Op::Not { src, dst } => {
                let mut out = take(regs, *dst);
                out.extend(get(regs, views, *src).iter().map(|&x| i64::from(x == 0)));
                put(regs, *dst, out);
            }
            Op::Bin { op, a, b, dst } => {
                let mut out = take(regs, *dst);
                let (a, b) = (get(regs, views, *a), get(regs, views, *b));
                match op {
                    Bin::Add => map2(a, b, &mut out, bad, i64::checked_add),
                    Bin::Sub => map2(a, b, &mut out, bad, i64::checked_sub),
                    Bin::Mul => map2(a, b, &mut out, bad, i64::checked_mul),
                    Bin::Min => out.extend(a.iter().zip(b).map(|(x, y)| *x.min(y))),
                    Bin::Max => out.extend(a.iter().zip(b).map(|(x, y)| *x.max(y))),
                    Bin::And => out.extend(
                        a.iter()
                            .zip(b)
                            .map(|(x, y)| i64::from((*x != 0) & (*y != 0))),
                    ),
                    Bin::Or => out.extend(
                        a.iter()
                            .zip(b)
                            .map(|(x, y)| i64::from((*x != 0) | (*y != 0))),
                    ),
                }
                put(regs, *dst, out);
            }
            Op::Div {
                a,
                fa,
                b,
                scale,
                num,
                den,
            } => {
                let (mut on, mut od) = (take(regs, *num), take(regs, *den));
                // A numerator that does not fit an i64 is out of bounds
                // anyway, so this runs in i64.
                let lim = i64::try_from(limit(*scale)).unwrap_or(i64::MAX);
                let fa = i64::try_from(*fa).unwrap_or(i64::MAX);
                let (xs, ys) = (get(regs, views, *a), get(regs, views, *b));
                if fractions_in_bounds(xs, fa, ys, lim) {
                    on.extend(xs.iter().map(|&x| x.wrapping_mul(fa)));
                    od.extend_from_slice(ys);
                } else {
                    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
                        let r = x
                            .checked_mul(fa)
                            .and_then(|n| ratio(n.into(), y.into(), lim.into()));
                        push_ratio(&mut on, &mut od, bad, i, r);
                    }
                }
                put(regs, *num, on);
                put(regs, *den, od);
            }
            Op::Check { a, b, scale } => {
                let lim = i64::try_from(limit(*scale)).unwrap_or(i64::MAX);
                let (xs, ys) = (get(regs, views, *a), get(regs, views, *b));
                if !fractions_in_bounds(xs, 1, ys, lim) {
                    for i in 0..len {
                        let ok = match (xs.get(i), ys.get(i)) {
                            (Some(&x), Some(&y)) => {
                                y >= 1 && ratio(x.into(), y.into(), lim.into()) == Some((x, y))
                            }
                            _ => false,
                        };
                        if !ok {
                            bad.push(i);
                        }
                    }
                }
            }
            Op::RatioAdd {
                a,
                b,
                sub,
                scale,
                num,
                den,
            } => {
                let (mut on, mut od) = (take(regs, *num), take(regs, *den));
                let lim = limit(*scale);
                for i in 0..len {
                    let (an, ad) = side_at(regs, views, a, i);
                    let (bn, bd) = side_at(regs, views, b, i);
                    let r = (|| {
                        let x = an.checked_mul(a.factor)?.checked_mul(bd)?;
                        let y = bn.checked_mul(b.factor)?.checked_mul(ad)?;
                        let n = if *sub {
                            x.checked_sub(y)?
                        } else {
                            x.checked_add(y)?
                        };
                        ratio(n, ad.checked_mul(bd)?, lim)
                    })();
                    push_ratio(&mut on, &mut od, bad, i, r);
                }
                put(regs, *num, on);
                put(regs, *den, od);
            }
            Op::RatioMul {
                n,
                d,
                b,
                unit,
                div,
                scale,
                num,
                den,
            } => {
                let (mut on, mut od) = (take(regs, *num), take(regs, *den));
                let (rn, rd, rb) = (
                    get(regs, views, *n),
                    get(regs, views, *d),
                    get(regs, views, *b),
                );
                let lim = limit(*scale);
                for i in 0..len {
                    let at = |v: &[i64]| i128::from(v.get(i).copied().unwrap_or(0));
                    let (x, y, z) = (at(rn), at(rd), at(rb));
                    let r = if *div {
                        // Divided by a number of at least 1 in magnitude.
                        (z.abs() >= *unit)
                            .then(|| ratio(x.checked_mul(*unit)?, y.checked_mul(z)?, lim))
                            .flatten()
                    } else {
                        // Times a number of at most MAX_FACTOR in magnitude.
                        (z.abs() <= MAX_FACTOR.saturating_mul(*unit))
                            .then(|| ratio(x.checked_mul(z)?, y, lim))
                            .flatten()
                    };
                    push_ratio(&mut on, &mut od, bad, i, r);
                }
                put(regs, *num, on);
                put(regs, *den, od);
            }
            Op::Exact { n, d, dst } => {
                let mut out = take(regs, *dst);
                map2(
                    get(regs, views, *n),
                    get(regs, views, *d),
                    &mut out,
                    bad,
                    |x, y| (x.checked_rem(y)? == 0).then(|| x.checked_div(y)).flatten(),
                );
                put(regs, *dst, out);
            }
            Op::Cmp {
                op,
                a,
                b,
                margin,
                dst,
            } => {
                let mut out = take(regs, *dst);
                let test = |ord: std::cmp::Ordering| op.holds(ord);
                if a.den.is_none() && b.den.is_none() {
                    // Integers at one scale: no fraction, no margin. Factors
                    // are at most 10^18, so the products fit in an i128.
                    let (x, y) = (get(regs, views, a.reg), get(regs, views, b.reg));
                    if a.factor == 1 && b.factor == 1 {
                        // One loop per operator, without a branch per row.
                        let rows = x.iter().zip(y);
                        match op {
                            Cmp::Lt => out.extend(rows.map(|(x, y)| i64::from(x < y))),
                            Cmp::Le => out.extend(rows.map(|(x, y)| i64::from(x <= y))),
                            Cmp::Gt => out.extend(rows.map(|(x, y)| i64::from(x > y))),
                            Cmp::Ge => out.extend(rows.map(|(x, y)| i64::from(x >= y))),
                            Cmp::Eq => out.extend(rows.map(|(x, y)| i64::from(x == y))),
                            Cmp::Ne => out.extend(rows.map(|(x, y)| i64::from(x != y))),
                        }
                    } else {
                        let (fa, fb) = (a.factor, b.factor);
                        out.extend(x.iter().zip(y).map(|(x, y)| {
                            let (x, y) = (i128::from(*x) * fa, i128::from(*y) * fb);
                            i64::from(test(x.cmp(&y)))
                        }));
                    }
                    put(regs, *dst, out);
                    return;
                }
                let decide = |an: i64, ad: i64, bn: i64, bd: i64| {
                    compare_fractions((an, ad, a.factor), (bn, bd, b.factor), *margin)
                };
                let mut push = |i: usize, ord: Option<std::cmp::Ordering>| {
                    out.push(ord.map_or_else(
                        || {
                            bad.push(i);
                            0
                        },
                        |o| i64::from(test(o)),
                    ));
                };
                let (xa, xb) = (get(regs, views, a.reg), get(regs, views, b.reg));
                match (
                    a.den.map(|d| get(regs, views, d)),
                    b.den.map(|d| get(regs, views, d)),
                ) {
                    // The commonest shape: a fraction against a number (a
                    // per-capita amount against a standard), read in step.
                    (Some(da), None) if xa.len() == len && da.len() == len && xb.len() == len => {
                        if let Some(k) = Bounded::of(xa, a.factor, xb, b.factor, *margin) {
                            // One loop per test, on the sign of the
                            // difference: no branch per case.
                            let rows = || {
                                xa.iter()
                                    .zip(da)
                                    .zip(xb)
                                    .map(|((&n, &d), &y)| k.compare(n, d, y))
                            };
                            let o = &mut out;
                            let any_near = match op {
                                Cmp::Lt => signs(o, rows(), |d| d < 0),
                                Cmp::Le => signs(o, rows(), |d| d <= 0),
                                Cmp::Gt => signs(o, rows(), |d| d > 0),
                                Cmp::Ge => signs(o, rows(), |d| d >= 0),
                                Cmp::Eq => signs(o, rows(), |d| d == 0),
                                Cmp::Ne => signs(o, rows(), |d| d != 0),
                            };
                            if any_near {
                                bad.extend(
                                    rows()
                                        .enumerate()
                                        .filter(|(_, (_, near))| *near)
                                        .map(|(i, _)| i),
                                );
                            }
                        } else {
                            for (i, ((&n, &d), &y)) in xa.iter().zip(da).zip(xb).enumerate() {
                                push(i, decide(n, d, y, 1));
                            }
                        }
                    }
                    (da, db) => {
                        let at = |v: Option<&[i64]>, i: usize, none: i64| {
                            v.map_or(none, |v| v.get(i).copied().unwrap_or(0))
                        };
                        for i in 0..len {
                            let ord = decide(
                                at(Some(xa), i, 0),
                                at(da, i, 1),
                                at(Some(xb), i, 0),
                                at(db, i, 1),
                            );
                            push(i, ord);
                        }
                    }
                }
                put(regs, *dst, out);
            }
            Op::CmpK { op, a, k, dst } => {
                let mut out = take(regs, *dst);
                let (x, k) = (get(regs, views, *a).iter(), *k);
                // One loop per operator, without a branch per row.
                match op {
                    Cmp::Lt => out.extend(x.map(|&x| i64::from(x < k))),
                    Cmp::Le => out.extend(x.map(|&x| i64::from(x <= k))),
                    Cmp::Gt => out.extend(x.map(|&x| i64::from(x > k))),
                    Cmp::Ge => out.extend(x.map(|&x| i64::from(x >= k))),
                    Cmp::Eq => out.extend(x.map(|&x| i64::from(x == k))),
                    Cmp::Ne => out.extend(x.map(|&x| i64::from(x != k))),
                }
                put(regs, *dst, out);
            }
            Op::Select { c, a, b, dst } => {
                let mut out = take(regs, *dst);
                let (c, a, b) = (
                    get(regs, views, *c),
                    get(regs, views, *a),
                    get(regs, views, *b),
                );
                out.extend(
                    c.iter()
                        .zip(a.iter().zip(b))
                        .map(|(c, (a, b))| if *c != 0 { *a } else { *b }),
                );
                put(regs, *dst, out);
            }
            Op::IfTrue { c, a, dst } => {
                let mut out = take(regs, *dst);
                let (c, a) = (get(regs, views, *c), get(regs, views, *a));
                out.extend(c.iter().zip(a).map(|(c, a)| if *c != 0 { *a } else { 0 }));
                put(regs, *dst, out);
            }
            Op::AllOf { srcs, dst } => {
                let mut out = take(regs, *dst);
                out.resize(len, 1);
                for s in srcs {
                    for (o, x) in out.iter_mut().zip(get(regs, views, *s)) {
                        *o &= i64::from(*x != 0);
                    }
                }
                put(regs, *dst, out);
            }
            Op::Round {
                src,
                div,
                mode,
                dst,
            } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *src), &mut out, bad, |x| {
                    i64::try_from(round_div(i128::from(x), *div, *mode)?).ok()
                });
                put(regs, *dst, out);
            }
            Op::Age { src, ages, dst } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *src), &mut out, bad, |x| ages.age(x));
                put(regs, *dst, out);
            }
            Op::DatePart { src, part, dst } => {
                let mut out = take(regs, *dst);
                let (first, last) = Date::day_range();
                let (first, last) = (i64::from(first), i64::from(last));
                map1(get(regs, views, *src), &mut out, bad, |x| {
                    if x < first || x > last {
                        return None;
                    }
                    Some(part.of(Date::from_days_in_range(i32::try_from(x).ok()?)))
                });
                put(regs, *dst, out);
            }
            Op::Table {
                key,
                f,
                rows,
                default,
                dst,
            } => {
                let mut out = take(regs, *dst);
                map1(get(regs, views, *key), &mut out, bad, |x| {
                    let k = i128::from(x).checked_mul(*f)?;
                    rows.iter()
                        .find(|(lo, hi, _)| within(k, *lo, *hi))
                        .map(|r| r.2)
                        .or(*default)
                });
                put(regs, *dst, out);
            }
            Op::Agg {
                kind,
                coll,
                src,
                dst,
            } => {
                let mut out = take(regs, *dst);
                let s = src.map_or(&[][..], |r| get(regs, views, r));
                let o = offs.get(*coll).map_or(&[][..], Vec::as_slice);
                if *kind == AggKind::Count && src.is_none() {
                    // Members per case: differences of the offsets.
                    out.extend(o.windows(2).map(|w| (w[1] - w[0]) as i64));
                } else if *kind == AggKind::Sum && sum_by_prefix(s, o, prefix) {
                    // Each case's sum is a difference of running sums.
                    out.extend(o.windows(2).map(|w| {
                        let at = |m: usize| prefix.get(m).copied().unwrap_or(0);
                        at(w[1]).wrapping_sub(at(w[0]))
                    }));
                } else {
                    for (k, w) in o.windows(2).enumerate() {
                        let part = s.get(w[0]..w[1]).unwrap_or(&[]);
                        let count = w[1] - w[0];
                        let v = match kind {
                            AggKind::Count if src.is_none() => i64::try_from(count).ok(),
                            AggKind::Count => {
                                i64::try_from(part.iter().filter(|&&x| x != 0).count()).ok()
                            }
                            AggKind::Sum => sum(part),
                            AggKind::Any => Some(i64::from(part.iter().any(|&x| x != 0))),
                            AggKind::All => Some(i64::from(part.iter().all(|&x| x != 0))),
                            AggKind::Min => part.iter().copied().min(),
                            AggKind::Max => part.iter().copied().max(),
                        };
                        out.push(v.unwrap_or_else(|| {
                            bad.push(k);
                            0
                        }));
                    }
                }
                out.resize(len, 0);
                put(regs, *dst, out);
            }
        }
    }
}

/// Fills `prefix` with the running sums of the members `xs` that the
/// offsets `o` group, when no group's sum can overflow (the widest group
/// times the largest magnitude fits an `i64`): then every group's sum is
/// the difference of two running sums, even where these wrap. Without a
/// loop per case, whose length varies from case to case, it runs at the
/// speed of memory.
pub(super) fn sum_by_prefix(xs: &[i64], o: &[usize], prefix: &mut Vec<i64>) -> bool {
    let total = o.last().copied().unwrap_or(0);
    let Some(xs) = xs.get(..total) else {
        return false;
    };
    // The running sums and the magnitudes' bits in one pass over the
    // members; the bound is checked after (the sums are thrown away when
    // it fails). Or-ing the group sizes bounds the widest, as for
    // magnitudes.
    prefix.clear();
    prefix.push(0);
    let (mut acc, mut bits) = (0i64, 0u64);
    prefix.extend(xs.iter().map(|&x| {
        bits |= (x ^ (x >> 63)) as u64;
        acc = acc.wrapping_add(x);
        acc
    }));
    let largest = bits.saturating_add(u64::from(!xs.is_empty()));
    let widest = o
        .windows(2)
        .fold(0usize, |a, w| a | w[1].saturating_sub(w[0]));
    u64::try_from(widest)
        .ok()
        .and_then(|w| w.checked_mul(largest))
        .is_some_and(|m| m <= i64::MAX.unsigned_abs())
}

/// The sum of `xs`, if it fits: overflow is noted, not branched on, per
/// element.
#[inline]
pub(super) fn sum(xs: &[i64]) -> Option<i64> {
    let (mut total, mut over) = (0i64, false);
    for &x in xs {
        let (t, o) = total.overflowing_add(x);
        total = t;
        over |= o;
    }
    (!over).then_some(total)
}

/// `out[i] = f(a[i])`, rows where `f` fails noted in `bad`.
pub(super) fn map1(
    a: &[i64],
    out: &mut Vec<i64>,
    bad: &mut Vec<usize>,
    f: impl Fn(i64) -> Option<i64>,
) {
    out.extend(a.iter().enumerate().map(|(i, &x)| {
        f(x).unwrap_or_else(|| {
            bad.push(i);
            0
        })
    }));
}

/// `out[i] = f(a[i], b[i])`, rows where `f` fails noted in `bad`.
pub(super) fn map2(
    a: &[i64],
    b: &[i64],
    out: &mut Vec<i64>,
    bad: &mut Vec<usize>,
    f: impl Fn(i64, i64) -> Option<i64>,
) {
    out.extend(a.iter().zip(b).enumerate().map(|(i, (&x, &y))| {
        f(x, y).unwrap_or_else(|| {
            bad.push(i);
            0
        })
    }));
}

pub(super) fn push_ratio(
    num: &mut Vec<i64>,
    den: &mut Vec<i64>,
    bad: &mut Vec<usize>,
    i: usize,
    r: Option<(i64, i64)>,
) {
    let (n, d) = r.unwrap_or_else(|| {
        bad.push(i);
        (0, 1)
    });
    num.push(n);
    den.push(d);
}

/// Numerator and denominator of a comparison side at row `i`.
pub(super) fn side_at(
    regs: &[Vec<i64>],
    views: &[Option<&[i64]>],
    s: &Side,
    i: usize,
) -> (i128, i128) {
    let at = |r: usize| {
        let v = match views.get(r).copied().flatten() {
            Some(v) => v,
            None => regs.get(r).map_or(&[][..], Vec::as_slice),
        };
        v.get(i).copied().unwrap_or(0)
    };
    let n = i128::from(at(s.reg));
    let d = s.den.map_or(1, |d| i128::from(at(d)));
    (n, d)
}
