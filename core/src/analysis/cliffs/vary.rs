//! The input being varied: its path in a case, its grid, and populations
//! of the case replicated with the input set to consecutive grid points.

use super::CliffError;
#[cfg(feature = "batch-search")]
use crate::batch::{ColumnData, Ints, Population, Table};
use crate::plan::{InputPlan, Plan};
use crate::run::input::Case;
use crate::value::{Type, Value};
use crate::Decimal;
#[cfg(feature = "batch-search")]
use crate::{Date, RuleSet};

/// Where the varied input lies: on the case, or on one of its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// An input of the case's entity, by index.
    Case(usize),
    /// Input `input` of member `member` of collection `collection`.
    Member {
        collection: usize,
        member: usize,
        input: usize,
    },
}

/// The varied input, resolved against a case.
#[derive(Debug, Clone)]
pub(super) struct Varied<'p> {
    pub(super) place: Place,
    pub(super) input: &'p InputPlan,
    /// Decimals of the grid: 2 for money (the fen), 0 for integers.
    pub(super) scale: u32,
    /// The case's value, in grid units.
    pub(super) current: i64,
    /// The same input's other members' sum, in grid units (members
    /// only, and only when the case has other members).
    pub(super) others: Option<i64>,
}

fn err(code: &'static str, loc: &str, en: String, zh: String) -> CliffError {
    CliffError::Vary {
        code,
        loc: loc.to_string(),
        en,
        zh,
    }
}

/// Reads `name` or `collection[i].name`.
fn split(path: &str) -> Option<(Option<(&str, usize)>, &str)> {
    match path.split_once('.') {
        None => Some((None, path)),
        Some((head, name)) => {
            let (coll, rest) = head.split_once('[')?;
            let index = rest.strip_suffix(']')?;
            if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((Some((coll, index.parse().ok()?)), name))
        }
    }
}

/// `d` as a count of `10^-scale`, if exact and within `i64`.
pub(super) fn units(d: Decimal, scale: u32) -> Option<i64> {
    let mut d = d.normalize();
    if d.scale() > scale {
        return None;
    }
    d.rescale(scale);
    if d.scale() != scale {
        return None;
    }
    i64::try_from(d.mantissa()).ok()
}

/// `u × 10^-scale`.
pub(super) fn decimal(u: i64, scale: u32) -> Decimal {
    Decimal::new(u, scale)
}

impl<'p> Varied<'p> {
    /// Resolves `path` against a parsed case of entity `entity`.
    pub(super) fn resolve(
        plan: &'p Plan,
        entity: usize,
        case: &Case,
        path: &str,
    ) -> Result<Varied<'p>, CliffError> {
        let ent = plan.entities.get(entity).ok_or_else(|| {
            err(
                "unknown_field",
                path,
                format!("`{path}`: no such entity"),
                format!("`{path}`：实体不存在"),
            )
        })?;
        let bad_path = || {
            err(
                "unknown_field",
                path,
                format!(
                    "`{path}` is not an input of a {}: write `name` or `members[0].name`",
                    ent.name
                ),
                format!(
                    "`{path}` 不是{}的输入项：应写作 `name` 或 `members[0].name`",
                    ent.label.zh
                ),
            )
        };
        let (member, name) = split(path).ok_or_else(bad_path)?;
        let (place, input, value, others) = match member {
            None => {
                let i = ent
                    .inputs
                    .iter()
                    .position(|i| i.name == name)
                    .ok_or_else(bad_path)?;
                (
                    Place::Case(i),
                    &ent.inputs[i],
                    case.frame.get(i).copied(),
                    None,
                )
            }
            Some((coll_name, m)) => {
                let c = ent
                    .collections
                    .iter()
                    .position(|c| c.name == coll_name)
                    .ok_or_else(bad_path)?;
                let coll = &ent.collections[c];
                let ment = plan.entities.get(coll.entity).ok_or_else(bad_path)?;
                let i = ment
                    .inputs
                    .iter()
                    .position(|i| i.name == name)
                    .ok_or_else(bad_path)?;
                let (stride, data) = case.collections.get(c).ok_or_else(bad_path)?;
                let count = data.len().checked_div(*stride).unwrap_or(0);
                if m >= count {
                    return Err(err(
                        "no_such_member",
                        path,
                        format!("`{path}`: the case has {count} item(s) in `{coll_name}`, numbered from 0"),
                        format!("`{path}`：本例 `{coll_name}` 共 {count} 项，从 0 起编号"),
                    ));
                }
                let value = data.get(m * stride + i).copied();
                let input = &ment.inputs[i];
                let scale = grid_scale(input, path)?;
                let mut sum: i64 = 0;
                for k in (0..count).filter(|&k| k != m) {
                    let v = data.get(k * stride + i).copied().and_then(Value::as_num);
                    let u = v
                        .and_then(|v| units(v, scale))
                        .ok_or_else(|| too_wide(path))?;
                    sum = sum.checked_add(u).ok_or_else(|| too_wide(path))?;
                }
                (
                    Place::Member {
                        collection: c,
                        member: m,
                        input: i,
                    },
                    input,
                    value,
                    (count > 1).then_some(sum),
                )
            }
        };
        let scale = grid_scale(input, path)?;
        let current = value
            .and_then(Value::as_num)
            .and_then(|v| units(v, scale))
            .ok_or_else(|| too_wide(path))?;
        Ok(Varied {
            place,
            input,
            scale,
            current,
            others,
        })
    }

    /// The grid step as a decimal (0.01 or 1).
    pub(super) fn step(&self) -> Decimal {
        decimal(1, self.scale)
    }

    /// Checks `[low, high]` against the input's bounds and the grid;
    /// the range in grid units.
    pub(super) fn range(
        &self,
        path: &str,
        low: Decimal,
        high: Decimal,
    ) -> Result<(i64, i64), CliffError> {
        let step = self.step();
        let on_grid = |d: Decimal, which: &str| {
            units(d, self.scale).ok_or_else(|| {
                err(
                    "off_grid",
                    path,
                    format!("`{path}`: {which} {d} is not on the input's grid of {step}"),
                    format!(
                        "`{path}`：{}{d} 不是 {step} 的整数倍",
                        if which == "low" { "下限" } else { "上限" }
                    ),
                )
            })
        };
        let lo = on_grid(low, "low")?;
        let hi = on_grid(high, "high")?;
        if lo > hi {
            return Err(err(
                "inverted_range",
                path,
                format!(
                    "`{path}`: the range {low} to {high} is inverted: low must not be above high"
                ),
                format!("`{path}`：范围 {low} 至 {high} 上下颠倒，下限不能大于上限"),
            ));
        }
        if let Some(Value::Num(min)) = self.input.min {
            if low < min {
                return Err(err(
                    "too_small",
                    path,
                    format!("`{path}`: {low} is below the input's smallest value {min}"),
                    format!("`{path}`：{low} 小于该项的最小值 {min}"),
                ));
            }
        }
        if let Some(Value::Num(max)) = self.input.max {
            if high > max {
                return Err(err(
                    "too_large",
                    path,
                    format!("`{path}`: {high} is above the input's largest value {max}"),
                    format!("`{path}`：{high} 大于该项的最大值 {max}"),
                ));
            }
        }
        Ok((lo, hi))
    }
}

fn too_wide(path: &str) -> CliffError {
    err(
        "too_large",
        path,
        format!("`{path}`: a value is too large to search"),
        format!("`{path}`：数值过大，无法搜索"),
    )
}

fn grid_scale(input: &InputPlan, path: &str) -> Result<u32, CliffError> {
    match input.ty {
        Type::Money => Ok(2),
        Type::Number(_) if input.integer => Ok(0),
        _ => Err(err(
            "not_numeric",
            path,
            format!("`{path}` ({}) is not a money or integer input: only those have a grid to vary over", input.label.en),
            format!("`{path}`（{}）不是金额或整数输入项，无法按步长变化", input.label.zh),
        )),
    }
}

#[cfg(feature = "batch-search")]
/// A constant column of `n` rows holding `v`.
fn constant(plan: &Plan, input: &InputPlan, v: Value, n: usize) -> Option<ColumnData> {
    Some(match v {
        Value::Num(d) => ColumnData::Decimal(vec![Some(d); n]),
        Value::Bool(b) => ColumnData::Bool(vec![Some(b); n]),
        Value::Date(day) => ColumnData::Date(vec![Some(day.days()); n]),
        Value::Enum(e) => {
            let Type::Enum(en) = input.ty else {
                return None;
            };
            let id = plan.enums.get(en)?.variants.get(e as usize)?.0.clone();
            ColumnData::Dict(vec![id], vec![Some(0); n])
        }
        Value::Missing => return None,
    })
}

#[cfg(feature = "batch-search")]
/// The column of the varied input: grid points `first..first + n`.
fn varying(scale: u32, first: i64, n: usize) -> ColumnData {
    let values = (0..n as i64).map(|k| first.saturating_add(k)).collect();
    ColumnData::Fixed(scale, Ints::new(values))
}

/// Sets the varied input of `case` to grid point `x`.
#[cfg(not(feature = "batch-search"))]
pub(super) fn set(case: &mut Case, varied: &Varied<'_>, x: i64) {
    let value = Value::Num(Decimal::new(x, varied.scale));
    let slot = match varied.place {
        Place::Case(i) => case.frame.get_mut(i),
        Place::Member {
            collection,
            member,
            input,
        } => case
            .collections
            .get_mut(collection)
            .and_then(|(stride, data)| {
                member
                    .checked_mul(*stride)
                    .and_then(|at| at.checked_add(input))
                    .and_then(|at| data.get_mut(at))
            }),
    };
    if let Some(slot) = slot {
        *slot = value;
    }
}

#[cfg(feature = "batch-search")]
/// The key column: `0..n`.
fn keys(n: usize) -> ColumnData {
    ColumnData::Int(Ints::new((0..n as i64).collect()))
}

#[cfg(feature = "batch-search")]
/// The key column's name, chosen to be no input's.
pub(super) const KEY: &str = "\u{0}case";

#[cfg(feature = "batch-search")]
/// A population of `n` copies of `case`, the varied input set to grid
/// points `first`, `first + 1`, … (in grid units) in turn.
pub(super) fn population(
    rules: &RuleSet,
    case: &Case,
    varied: &Varied<'_>,
    first: i64,
    n: usize,
    as_of: Date,
) -> Result<Population, CliffError> {
    let plan = rules.plan();
    let ent = &plan.entities[case.entity];
    if ent.collections.len() > 1 {
        return Err(err(
            "unsupported",
            "",
            format!("cases of `{}` have more than one collection of members, which a search cannot replicate yet", ent.name),
            format!("“{}”有多个成员集合，暂不支持搜索", ent.label.zh),
        ));
    }
    let mut households = Table::default();
    for (i, input) in ent.inputs.iter().enumerate() {
        let col = if varied.place == Place::Case(i) {
            Some(varying(varied.scale, first, n))
        } else {
            case.frame.get(i).and_then(|&v| constant(plan, input, v, n))
        };
        if let Some(col) = col {
            households.columns.push((input.name.clone(), col));
        }
    }
    let mut members = None;
    if let Some(coll) = ent.collections.first() {
        households.columns.push((KEY.to_string(), keys(n)));
        let ment = &plan.entities[coll.entity];
        let (stride, data) = case
            .collections
            .first()
            .map_or((1, &[][..]), |(s, d)| (*s, d.as_slice()));
        let count = data.len().checked_div(stride).unwrap_or(0);
        let rows = n.saturating_mul(count);
        let mut table = Table::default();
        let household_of: Vec<i64> = (0..rows).map(|r| (r / count.max(1)) as i64).collect();
        table
            .columns
            .push((KEY.to_string(), ColumnData::Int(Ints::new(household_of))));
        for (i, input) in ment.inputs.iter().enumerate() {
            let varied_member = match varied.place {
                Place::Member {
                    collection: 0,
                    member,
                    input: vi,
                } if vi == i => Some(member),
                _ => None,
            };
            let cells: Vec<Value> = (0..count)
                .map(|m| data.get(m * stride + i).copied().unwrap_or_default())
                .collect();
            let col = match (varied_member, cells.first()) {
                (_, None) => continue,
                (Some(vm), _) => {
                    let mut values = Vec::with_capacity(rows);
                    for h in 0..n as i64 {
                        for (m, v) in cells.iter().enumerate() {
                            let u = if m == vm {
                                first.saturating_add(h)
                            } else {
                                v.as_num().and_then(|d| units(d, varied.scale)).unwrap_or(0)
                            };
                            values.push(u);
                        }
                    }
                    ColumnData::Fixed(varied.scale, Ints::new(values))
                }
                (None, Some(_)) => match repeated(plan, input, &cells, n) {
                    Some(c) => c,
                    None => continue,
                },
            };
            table.columns.push((input.name.clone(), col));
        }
        members = Some(table);
    }
    let (population, errors) =
        Population::build(rules, &ent.name, &households, members.as_ref(), KEY, as_of)?;
    match errors.into_iter().next() {
        None => Ok(population),
        Some(e) => Err(CliffError::Vary {
            code: e.code,
            loc: e.loc.clone(),
            en: format!("{}: {}", e.loc, e.msg),
            zh: format!("{}：{}", e.loc, e.msg),
        }),
    }
}

#[cfg(feature = "batch-search")]
/// The column of one member input over `n` copies of the members' values.
fn repeated(plan: &Plan, input: &InputPlan, cells: &[Value], n: usize) -> Option<ColumnData> {
    let rows = n.saturating_mul(cells.len());
    let each = |k: usize| {
        cells
            .get(k % cells.len().max(1))
            .copied()
            .unwrap_or_default()
    };
    Some(match cells.first()? {
        Value::Num(_) => ColumnData::Decimal((0..rows).map(|k| each(k).as_num()).collect()),
        Value::Bool(_) => ColumnData::Bool((0..rows).map(|k| each(k).as_bool()).collect()),
        Value::Date(_) => ColumnData::Date(
            (0..rows)
                .map(|k| match each(k) {
                    Value::Date(d) => Some(d.days()),
                    _ => None,
                })
                .collect(),
        ),
        Value::Enum(_) => {
            let Type::Enum(en) = input.ty else {
                return None;
            };
            let ids: Vec<String> = plan
                .enums
                .get(en)?
                .variants
                .iter()
                .map(|(id, _)| id.clone())
                .collect();
            let keys = (0..rows)
                .map(|k| match each(k) {
                    Value::Enum(e) => Some(e),
                    _ => None,
                })
                .collect();
            ColumnData::Dict(ids, keys)
        }
        Value::Missing => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_units() {
        assert_eq!(split("financial_assets"), Some((None, "financial_assets")));
        assert_eq!(
            split("members[2].monthly_income"),
            Some((Some(("members", 2)), "monthly_income"))
        );
        assert_eq!(split("members[].x"), None);
        assert_eq!(split("members[a].x"), None);
        assert_eq!(split("members.x"), None);
        assert_eq!(units(Decimal::new(12345, 2), 2), Some(12345));
        assert_eq!(units(Decimal::new(5, 0), 2), Some(500));
        assert_eq!(units(Decimal::new(1, 3), 2), None);
        assert_eq!(decimal(12345, 2).to_string(), "123.45");
    }
}
