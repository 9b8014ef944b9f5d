//! Comparisons and sweeps ([`crate::analysis::compare`], [`crate::analysis::sweep`]) as Arrow
//! record batches, money as exact `decimal128` (at least two decimals).

use super::export::{amount_type, decimal_array, first_field, spans, AmountType};
use crate::analysis::compare::{CaseChange, Change, Comparison};
use crate::analysis::sweep::{yearly, SweepLine};
use crate::Decimal;
use arrow_array::builder::{BooleanBuilder, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// A comparison as tables.
#[derive(Debug, Clone)]
pub struct ComparisonTables {
    /// One row per program, then `(all)` ([`changes_batch`]).
    pub programs: RecordBatch,
    /// The same per household size (`members` first).
    pub by_size: RecordBatch,
    /// One row per case, in the batches of the key column
    /// ([`cases_batches`]), with their schema.
    pub cases: (SchemaRef, Vec<RecordBatch>),
}

fn money_col(values: &[Decimal]) -> Result<ArrayRef, ArrowError> {
    let opts: Vec<Option<Decimal>> = values.iter().copied().map(Some).collect();
    decimal_array(opts.iter().copied(), amount_type(&opts, true))
}

fn int_col(values: impl Iterator<Item = usize>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(
        values.map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
    ))
}

fn text_col<'a>(values: impl Iterator<Item = &'a str>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for v in values {
        b.append_value(v);
    }
    Arc::new(b.finish())
}

/// A column of a changes table: its name and what it reads of a change.
type Column<T> = (&'static str, fn(&Change) -> T);

fn overflow(o: crate::analysis::compare::Overflow) -> ArrowError {
    ArrowError::ComputeError(format!("a sum of `{}` overflows", o.0))
}

/// Changes as a record batch: `members` (when `with_size`), `program`,
/// `cases`, `baseline_eligible`, `reform_eligible`, `newly_eligible`,
/// `no_longer_eligible`, `gainers`, `losers`, `total_gain`, `total_loss`,
/// `baseline_cost_per_month`, `reform_cost_per_month`, and the change:
/// `cost_per_month`, `cost_per_year`.
///
/// # Errors
/// A change too large for the exact decimals.
pub fn changes_batch(rows: &[Change], with_size: bool) -> Result<RecordBatch, ArrowError> {
    let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
    if with_size {
        columns.push(("members", int_col(rows.iter().map(|c| c.size.unwrap_or(0)))));
    }
    columns.push(("program", text_col(rows.iter().map(|c| c.program.as_str()))));
    let counts: [Column<usize>; 7] = [
        ("cases", |c| c.cases),
        ("baseline_eligible", |c| c.baseline_eligible),
        ("reform_eligible", |c| c.reform_eligible),
        ("newly_eligible", |c| c.newly_eligible),
        ("no_longer_eligible", |c| c.no_longer_eligible),
        ("gainers", |c| c.gainers),
        ("losers", |c| c.losers),
    ];
    for (name, f) in counts {
        columns.push((name, int_col(rows.iter().map(f))));
    }
    let sums: [Column<Decimal>; 4] = [
        ("total_gain", |c| c.total_gain),
        ("total_loss", |c| c.total_loss),
        ("baseline_cost_per_month", |c| c.baseline_cost),
        ("reform_cost_per_month", |c| c.reform_cost),
    ];
    for (name, f) in sums {
        columns.push((name, money_col(&rows.iter().map(f).collect::<Vec<_>>())?));
    }
    let change: Vec<Decimal> = rows
        .iter()
        .map(|c| {
            c.cost_change()
                .ok_or_else(|| ArrowError::ComputeError("cost change overflows".into()))
        })
        .collect::<Result<_, _>>()?;
    let year: Vec<Decimal> = change
        .iter()
        .zip(rows)
        .map(|(&d, c)| yearly(d, &c.program).map_err(overflow))
        .collect::<Result<_, _>>()?;
    columns.push(("cost_per_month", money_col(&change)?));
    columns.push(("cost_per_year", money_col(&year)?));
    RecordBatch::try_from_iter(columns)
}

/// One row per case, in the spans of the key column's chunks: the key (or
/// `row`), `members` (when `sizes` is not empty), `baseline_eligible` and
/// `reform_eligible` (for any program), and the total monthly amount
/// `baseline`, `reform` and `change`; nulls for skipped cases.
///
/// # Errors
/// An Arrow error, which only a comparison of another population causes.
pub fn cases_batches(
    c: &Comparison,
    key: Option<(&Field, &[ArrayRef])>,
    sizes: &[usize],
) -> Result<(SchemaRef, Vec<RecordBatch>), ArrowError> {
    let pick = |f: fn(&CaseChange) -> Option<Decimal>| -> Vec<Option<Decimal>> {
        c.cases.iter().map(|x| x.as_ref().and_then(f)).collect()
    };
    let amounts = [
        pick(|x| Some(x.baseline)),
        pick(|x| Some(x.reform)),
        pick(|x| x.reform.checked_sub(x.baseline)),
    ];
    let types: Vec<AmountType> = amounts.iter().map(|v| amount_type(v, true)).collect();
    let mut fields = vec![first_field(key)];
    let with_size = !sizes.is_empty();
    if with_size {
        fields.push(Field::new("members", DataType::Int64, false));
    }
    fields.push(Field::new("baseline_eligible", DataType::Boolean, true));
    fields.push(Field::new("reform_eligible", DataType::Boolean, true));
    for (name, t) in ["baseline", "reform", "change"].iter().zip(&types) {
        let dt = DataType::Decimal128(t.precision, t.scale);
        fields.push(Field::new(*name, dt, true));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut batches = Vec::new();
    for (start, end, first) in spans(key, c.cases.len()) {
        let mut columns: Vec<ArrayRef> = vec![first];
        if with_size {
            columns.push(int_col(
                (start..end).map(|i| sizes.get(i).copied().unwrap_or(0)),
            ));
        }
        for baseline in [true, false] {
            let mut b = BooleanBuilder::new();
            for x in &c.cases[start..end] {
                b.append_option(x.as_ref().map(|x| {
                    if baseline {
                        x.baseline_eligible
                    } else {
                        x.reform_eligible
                    }
                }));
            }
            columns.push(Arc::new(b.finish()));
        }
        for (values, t) in amounts.iter().zip(&types) {
            columns.push(decimal_array(values[start..end].iter().copied(), *t)?);
        }
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok((schema, batches))
}

/// A comparison's three tables; `key` and `sizes` are those of the
/// population compared.
///
/// # Errors
/// As [`changes_batch`] and [`cases_batches`].
pub fn comparison_tables(
    c: &Comparison,
    key: Option<(&Field, &[ArrayRef])>,
    sizes: &[usize],
) -> Result<ComparisonTables, ArrowError> {
    Ok(ComparisonTables {
        programs: changes_batch(&c.programs, false)?,
        by_size: changes_batch(&c.by_size, true)?,
        cases: cases_batches(c, key, sizes)?,
    })
}

/// A sweep as a record batch: `value`, `program`, `cases`, `eligible`,
/// `cost_per_month`, `cost_per_year`.
///
/// # Errors
/// An Arrow error, which the fixed schema does not cause.
pub fn sweep_batch(lines: &[SweepLine]) -> Result<RecordBatch, ArrowError> {
    let money = |f: fn(&SweepLine) -> Decimal| money_col(&lines.iter().map(f).collect::<Vec<_>>());
    RecordBatch::try_from_iter([
        ("value", text_col(lines.iter().map(|l| l.value.as_str()))),
        (
            "program",
            text_col(lines.iter().map(|l| l.program.as_str())),
        ),
        ("cases", int_col(lines.iter().map(|l| l.cases))),
        ("eligible", int_col(lines.iter().map(|l| l.eligible))),
        ("cost_per_month", money(|l| l.cost_per_month)?),
        ("cost_per_year", money(|l| l.cost_per_year)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::ALL;
    use arrow_array::{Array, Decimal128Array};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn changes_carry_exact_money_and_a_year_of_twelve_months() {
        let row = Change {
            program: ALL.into(),
            size: Some(3),
            cases: 2,
            baseline_cost: d("100.10"),
            reform_cost: d("125.25"),
            ..Change::default()
        };
        let b = changes_batch(&[row], true).unwrap();
        assert_eq!(b.schema().field(0).name(), "members");
        let year = b.column_by_name("cost_per_year").unwrap();
        let year = year.as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!((year.value(0), year.scale()), (30180, 2));
        let too_big = Change {
            reform_cost: Decimal::MAX,
            ..Change::default()
        };
        assert!(changes_batch(&[too_big], false).is_err());
    }

    #[test]
    fn skipped_cases_are_null_and_a_sweep_keeps_its_values_as_given() {
        let c = Comparison {
            programs: Vec::new(),
            by_size: Vec::new(),
            cases: vec![
                Some(CaseChange {
                    baseline_eligible: false,
                    reform_eligible: true,
                    baseline: d("0.00"),
                    reform: d("12.50"),
                }),
                None,
            ],
            skipped: 1,
        };
        let (schema, batches) = cases_batches(&c, None, &[]).unwrap();
        assert_eq!(schema.field(0).name(), "row");
        let change = batches[0].column_by_name("change").unwrap();
        assert_eq!((change.len(), change.null_count()), (2, 1));
        let line = SweepLine {
            value: "1E+3".into(),
            program: ALL.into(),
            cases: 2,
            eligible: 1,
            cost_per_month: d("1.50"),
            cost_per_year: d("18.00"),
        };
        let b = sweep_batch(&[line]).unwrap();
        assert_eq!(b.num_rows(), 1);
        assert_eq!(b.schema().field(0).name(), "value");
    }
}
