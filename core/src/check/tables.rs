//! Decision tables: bands of a key mapped to an output.
//!
//! Bounds follow the Civil Code (art. 1259): `at_least` (以上) and `at_most`
//! (以下) include the number; `above` (超过) and `below` (不满, 低于) exclude
//! it. Rows are checked at load time: under hit policy `unique` no two rows
//! may match one key; under any policy no key between the lowest and highest
//! band may fall between rows (a gap); keys outside every band need a
//! `default`. For integer keys (ages in years), `at_most = 69` and
//! `at_least = 70` are adjacent.

use super::compiler::*;
use super::expressions::unify;
use super::values::*;
use super::{string_offset, text_of, type_of_name, Item};
use crate::diagnostic::Code;
use crate::plan::*;
use crate::syntax;
use crate::value::Type;
use rust_decimal::Decimal;
use std::collections::HashMap;
use toml::Spanned;

/// A band with bounds normalised for comparison.
#[derive(Clone, Copy)]
struct Band {
    lo: Option<(Decimal, bool)>,
    hi: Option<(Decimal, bool)>,
}

impl Compiler<'_, '_> {
    pub(crate) fn table_plan(
        &mut self,
        t: &Item<syntax::TableDecl>,
        sources: &HashMap<String, (usize, &Spanned<syntax::SourceDecl>)>,
    ) {
        let d = t.decl.get_ref();
        let file = t.file;
        let cite = |c: &mut Self, s: &Spanned<syntax::Citation>| {
            c.citation(Some(s), file, s.span(), sources, false, false)
        };
        let table_citation = d.source.as_ref().map(|s| cite(self, s));
        let key = type_of_name(d.key.get_ref(), d.key_unit.as_deref());
        let (key_ty, integer) = match key {
            Some((ty, integer)) if ty.is_numeric() => (Some(ty), integer),
            _ => {
                self.diags.help(
                    file,
                    d.key.span(),
                    Code::InvalidValue,
                    format!(
                        "a table key must be integer, number or money, not `{}`",
                        d.key.get_ref()
                    ),
                    "age bands use key = \"integer\", key_unit = \"years\"",
                );
                (None, false)
            }
        };
        let unique = match d.hit.get_ref().as_str() {
            "unique" => true,
            "first" => false,
            other => {
                self.diags.help(
                    file,
                    d.hit.span(),
                    Code::InvalidValue,
                    format!("`{other}` is not a hit policy"),
                    "use `unique` or `first`",
                );
                true
            }
        };
        let mut deps = Deps::default();
        let mut out_ty: Option<Type> = None;
        let mut rows = Vec::new();
        let mut bands = Vec::new();
        let mut ok = key_ty.is_some();
        for (ri, row) in d.rows.iter().enumerate() {
            let rd = row.get_ref();
            let bound = |v: &Option<toml::Spanned<toml::Value>>, c: &mut Self| {
                v.as_ref()
                    .and_then(|v| decimal_value(v, file, "a bound", c.diags))
            };
            let (at_least, above, at_most, below) = (
                bound(&rd.at_least, self),
                bound(&rd.above, self),
                bound(&rd.at_most, self),
                bound(&rd.below, self),
            );
            if at_least.is_some() && above.is_some() || at_most.is_some() && below.is_some() {
                self.diags.help(
                    file,
                    row.span(),
                    Code::InvalidBand,
                    "a row has two lower or two upper bounds",
                    "give at most one of at_least/above and one of at_most/below",
                );
                ok = false;
            }
            let lo = at_least.map(|b| (b, true)).or(above.map(|b| (b, false)));
            let hi = at_most.map(|b| (b, true)).or(below.map(|b| (b, false)));
            let band = normalise(Band { lo, hi }, integer);
            if let (Some((l, li)), Some((h, hi_inc))) = (band.lo, band.hi) {
                if l > h || (l == h && !(li && hi_inc)) {
                    self.diags.help(
                        file,
                        row.span(),
                        Code::InvalidBand,
                        format!(
                            "row {} matches no key: its lower bound is not below its upper bound",
                            ri + 1
                        ),
                        "check the bounds",
                    );
                    ok = false;
                }
            }
            self.deps.push(Deps::default());
            let offset = string_offset(self.diags.text(file), &rd.output.span());
            let compiled = self.compile_formula(rd.output.get_ref(), offset, file, Scope::Params);
            let dd = self.deps.pop().unwrap_or_default();
            deps.params.extend(dd.params);
            match compiled {
                Some((node, ty)) => {
                    match &out_ty {
                        None => out_ty = Some(ty),
                        Some(prev) => match unify(prev, &ty) {
                            Some(u) => out_ty = Some(u),
                            None => {
                                let names: Vec<String> =
                                    self.enums.iter().map(|e| e.name.clone()).collect();
                                self.diags.push(
                                    file,
                                    rd.output.span(),
                                    Code::TypeMismatch,
                                    format!(
                                        "this row gives {}, the rows before give {}",
                                        ty.describe(&names),
                                        prev.describe(&names)
                                    ),
                                );
                                ok = false;
                            }
                        },
                    }
                    let citation = match &rd.source {
                        Some(s) => Some(cite(self, s)),
                        None => table_citation.clone(),
                    };
                    rows.push(RowPlan {
                        lo,
                        hi,
                        output: node,
                        label: text_of(rd.label.as_ref(), ""),
                        citation,
                    });
                }
                None => ok = false,
            }
            bands.push((band, row.span()));
        }
        let default = d.default.as_ref().and_then(|def| {
            self.deps.push(Deps::default());
            let offset = string_offset(self.diags.text(file), &def.span());
            let compiled = self.compile_formula(def.get_ref(), offset, file, Scope::Params);
            let dd = self.deps.pop().unwrap_or_default();
            deps.params.extend(dd.params);
            let (node, ty) = compiled?;
            if let Some(prev) = &out_ty {
                if unify(prev, &ty).is_none() {
                    self.diags.push(
                        file,
                        def.span(),
                        Code::TypeMismatch,
                        "the default's type differs from the rows'",
                    );
                    ok = false;
                }
            }
            Some(node)
        });
        if d.rows.is_empty() {
            self.diags.push(
                file,
                t.name_span.clone(),
                Code::TableNotExhaustive,
                format!("table `{}` has no rows", t.name),
            );
            ok = false;
        }
        if ok {
            self.check_bands(t, &bands, unique, integer, default.is_some());
        }
        deps.params.sort_unstable();
        deps.params.dedup();
        self.tables.push(TablePlan {
            name: t.name.clone(),
            label: text_of(d.label.as_ref(), &t.name),
            rows,
            default,
            citation: table_citation,
        });
        self.table_types.push(if ok { out_ty } else { None });
        self.table_key_types.push(key_ty);
        self.table_deps.push(deps.params);
    }

    fn check_bands(
        &mut self,
        t: &Item<syntax::TableDecl>,
        bands: &[(Band, std::ops::Range<usize>)],
        unique: bool,
        integer: bool,
        has_default: bool,
    ) {
        let file = t.file;
        let mut order: Vec<usize> = (0..bands.len()).collect();
        order.sort_by(|&a, &b| lo_key(&bands[a].0).cmp(&lo_key(&bands[b].0)));
        // Overlaps: in order of lower bound, a band overlaps an earlier one
        // exactly when it starts below the furthest upper bound reached so
        // far, so one walk (after the sort, O(n log n)) finds them; each
        // overlapping row is reported once, with the row reaching furthest.
        if unique {
            let mut furthest: Option<usize> = None;
            for &j in &order {
                if let Some(i) = furthest {
                    if overlap(&bands[i].0, &bands[j].0) {
                        let (a, b) = (i.min(j), i.max(j));
                        let keys = describe(common(&bands[a].0, &bands[b].0), integer);
                        self.diags.help(
                            file,
                            bands[b].1.clone(),
                            Code::TableOverlap,
                            format!(
                                "rows {} and {} of table `{}` both match {keys}",
                                a + 1,
                                b + 1,
                                t.name
                            ),
                            format!(
                                "move a bound of row {} or row {} so that each key matches one row, as the source states the bands (以上 and 以下 include the number; 不满 and 超过 exclude it)",
                                a + 1,
                                b + 1
                            ),
                        );
                    }
                }
                let reaches_further =
                    furthest.is_none_or(|i| match (bands[i].0.hi, bands[j].0.hi) {
                        (None, _) => false,
                        (Some(_), None) => true,
                        (Some(a), Some(b)) => max_hi(a, b) == b && a != b,
                    });
                if reaches_further {
                    furthest = Some(j);
                }
            }
        } else {
            self.shadowed_rows(t, bands, integer);
        }
        // Gaps: walk the bands in order of lower bound, tracking the highest upper bound.
        let mut reach: Option<Option<(Decimal, bool)>> = None; // None: nothing yet; Some(None): +inf
        for &i in &order {
            let band = bands[i].0;
            if let (Some(Some(hi)), Some(lo)) = (reach, band.lo) {
                if gap_between(hi, lo, integer) {
                    self.diags.help(file, bands[i].1.clone(), Code::TableGap, format!("keys between {} and {} match no row of table `{}`", hi.0, lo.0, t.name), "extend a band so that they meet (以上 and 以下 include the number; 不满 and 超过 exclude it)");
                }
            }
            reach = Some(match (reach, band.hi) {
                (None, h) => h,
                (Some(None), _) | (_, None) => None,
                (Some(Some(a)), Some(b)) => Some(max_hi(a, b)),
            });
        }
        let first_lo = order.first().and_then(|&i| bands[i].0.lo);
        let covers_all = first_lo.is_none() && matches!(reach, Some(None));
        if !covers_all && !has_default {
            self.diags.help(
                file,
                t.name_span.clone(),
                Code::TableNotExhaustive,
                format!(
                    "some keys match no row of table `{}`, and it has no default",
                    t.name
                ),
                "add `default = \"…\"` for keys outside the bands",
            );
        }
    }
}

impl Compiler<'_, '_> {
    /// Under hit policy `first`, a row matching keys that an earlier row
    /// already takes never applies to them: a warning names both rows and
    /// the keys, and says when the row never applies at all.
    fn shadowed_rows(
        &mut self,
        t: &Item<syntax::TableDecl>,
        bands: &[(Band, std::ops::Range<usize>)],
        integer: bool,
    ) {
        for (j, (band, span)) in bands.iter().enumerate() {
            let earlier: Vec<usize> = (0..j).filter(|&i| overlap(&bands[i].0, band)).collect();
            let Some(&first) = earlier.first() else {
                continue;
            };
            let rows: Vec<String> = earlier.iter().map(|i| (i + 1).to_string()).collect();
            let rows = match rows.as_slice() {
                [one] => format!("row {one}"),
                [init @ .., last] => format!("rows {} and {last}", init.join(", ")),
                [] => String::new(),
            };
            let covered: Vec<Band> = earlier.iter().map(|&i| bands[i].0).collect();
            let message = if covers(&covered, band, integer) {
                format!(
                    "row {} of table `{}` never applies: {rows}, which come{} first, match every key it matches ({})",
                    j + 1,
                    t.name,
                    if earlier.len() == 1 { "s" } else { "" },
                    describe(*band, integer)
                )
            } else {
                format!(
                    "row {} of table `{}` does not apply to {}: row {}, which comes first, matches them",
                    j + 1,
                    t.name,
                    describe(common(&bands[first].0, band), integer),
                    first + 1
                )
            };
            self.diags.help(
                t.file,
                span.clone(),
                Code::ShadowedRow,
                message,
                "under hit = \"first\" the first matching row wins: check that this is what the source says, or make the bands disjoint",
            );
        }
    }
}

/// The keys two overlapping bands both match.
fn common(a: &Band, b: &Band) -> Band {
    let lo = match (a.lo, b.lo) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) => Some(if (x.0, !x.1) >= (y.0, !y.1) { x } else { y }),
    };
    let hi = match (a.hi, b.hi) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) => Some(if max_hi(x, y) == x && x != y { y } else { x }),
    };
    Band { lo, hi }
}

/// Whether the union of `cover` matches every key `band` matches.
fn covers(cover: &[Band], band: &Band, integer: bool) -> bool {
    let mut parts: Vec<Band> = cover.iter().map(|c| common(c, band)).collect();
    parts.sort_by_key(lo_key);
    // The lowest part must start where the band starts.
    if parts.first().map(|p| p.lo) != Some(band.lo) {
        return false;
    }
    // Then each part must start no later than the parts before it reach.
    let mut reach: Option<(Decimal, bool)> = None;
    for p in &parts {
        if let (Some(hi), Some(lo)) = (reach, p.lo) {
            if gap_between(hi, lo, integer) {
                return false;
            }
        }
        match p.hi {
            None => return true,
            Some(h) => reach = Some(reach.map_or(h, |r| max_hi(r, h))),
        }
    }
    match (reach, band.hi) {
        (Some(r), Some(h)) => max_hi(r, h) == r,
        _ => false,
    }
}

/// The keys of a band, in words: `the key 70`, `keys 70 to 79`, `keys from
/// 1000 (included) to 2000 (excluded)`, `keys 70 and above`.
fn describe(b: Band, integer: bool) -> String {
    let end = |(v, inc): (Decimal, bool)| {
        if integer {
            v.normalize().to_string()
        } else {
            format!(
                "{} ({})",
                v.normalize(),
                if inc { "included" } else { "excluded" }
            )
        }
    };
    match (b.lo, b.hi) {
        (Some(l), Some(h)) if l == h => format!("the key {}", l.0.normalize()),
        (Some(l), Some(h)) if integer => format!("keys {} to {}", end(l), end(h)),
        (Some(l), Some(h)) => format!("keys from {} to {}", end(l), end(h)),
        (Some(l), None) if integer || l.1 => format!("keys {} and above", l.0.normalize()),
        (Some(l), None) => format!("keys above {}", l.0.normalize()),
        (None, Some(h)) if integer || h.1 => format!("keys up to {}", h.0.normalize()),
        (None, Some(h)) => format!("keys below {}", h.0.normalize()),
        (None, None) => "every key".to_string(),
    }
}

/// For integer keys, exclusive bounds become inclusive whole numbers.
fn normalise(b: Band, integer: bool) -> Band {
    if !integer {
        return b;
    }
    let lo = b.lo.map(|(v, inc)| {
        let whole = if inc {
            v.ceil()
        } else {
            v.floor() + Decimal::ONE
        };
        (whole, true)
    });
    let hi = b.hi.map(|(v, inc)| {
        let whole = if inc {
            v.floor()
        } else {
            v.ceil() - Decimal::ONE
        };
        (whole, true)
    });
    Band { lo, hi }
}

fn lo_key(b: &Band) -> (bool, Decimal, bool) {
    match b.lo {
        None => (false, Decimal::ZERO, false),
        Some((v, inc)) => (true, v, !inc),
    }
}

fn overlap(a: &Band, b: &Band) -> bool {
    below_upper(a.lo, b.hi) && below_upper(b.lo, a.hi)
}

/// Whether some key at or above `lo` is at or below `hi`.
fn below_upper(lo: Option<(Decimal, bool)>, hi: Option<(Decimal, bool)>) -> bool {
    match (lo, hi) {
        (None, _) | (_, None) => true,
        (Some((l, li)), Some((h, hi))) => l < h || (l == h && li && hi),
    }
}

fn gap_between(hi: (Decimal, bool), lo: (Decimal, bool), integer: bool) -> bool {
    if integer {
        return lo.0 > hi.0 + Decimal::ONE;
    }
    lo.0 > hi.0 || (lo.0 == hi.0 && !hi.1 && !lo.1)
}

fn max_hi(a: (Decimal, bool), b: (Decimal, bool)) -> (Decimal, bool) {
    if a.0 > b.0 || (a.0 == b.0 && a.1) {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(lo: Option<(i64, bool)>, hi: Option<(i64, bool)>) -> Band {
        let d = |(v, inc): (i64, bool)| (Decimal::from(v), inc);
        Band {
            lo: lo.map(d),
            hi: hi.map(d),
        }
    }

    #[test]
    fn coverage_counts_included_and_excluded_ends() {
        let target = band(Some((60, true)), Some((80, true)));
        let below_70 = band(Some((60, true)), Some((70, false)));
        let from_70 = band(Some((70, true)), None);
        let above_70 = band(Some((70, false)), None);
        assert!(covers(&[below_70, from_70], &target, false));
        // 70 itself is in neither band.
        assert!(!covers(&[below_70, above_70], &target, false));
        // Whole numbers: 69 and 71 leave 70 out, 69 and 70 meet.
        let to_69 = normalise(band(Some((60, true)), Some((69, true))), true);
        let from_71 = normalise(band(Some((71, true)), None), true);
        let whole = normalise(target, true);
        assert!(!covers(&[to_69, from_71], &whole, true));
        assert!(covers(&[to_69, normalise(from_70, true)], &whole, true));
        assert!(!covers(&[from_70], &target, false));
    }

    #[test]
    fn keys_are_described_in_words() {
        let b = band(Some((65, false)), Some((70, false)));
        assert_eq!(
            describe(b, false),
            "keys from 65 (excluded) to 70 (excluded)"
        );
        let b = normalise(band(Some((65, true)), Some((69, true))), true);
        assert_eq!(describe(b, true), "keys 65 to 69");
        assert_eq!(
            describe(band(Some((70, true)), None), true),
            "keys 70 and above"
        );
        assert_eq!(
            describe(band(None, Some((70, false))), false),
            "keys below 70"
        );
        assert_eq!(
            describe(band(Some((70, true)), Some((70, true))), true),
            "the key 70"
        );
    }
}
