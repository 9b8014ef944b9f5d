//! Arrow columns to the core's [`ColumnData`].
//!
//! A table arrives as a stream of record batches (from Python through the
//! Arrow PyCapsule interface, which pyarrow, pandas and polars all export;
//! from a file or a request body as Arrow IPC). An input column without
//! nulls of 64-bit integers, decimals that fit 64 bits, `date32` days or
//! booleans is kept as it lies ([`ColumnData::Lent`]): the population is
//! built reading the Arrow buffers themselves. Any other column an entity
//! reads is converted batch by batch into one `ColumnData`, by the Arrow
//! type: decimals (32 to 256 bits) to exact decimals, integers to `Int`,
//! booleans, dates (`date32`, `date64`, and timestamps that fall on
//! midnight) to days, and strings (plain, large, view, or
//! dictionary-encoded) to text. The core then checks every cell against
//! the input's rules, so a bad cell becomes a row error there.
//!
//! A column whose Arrow type cannot hold the input at all (a float for money,
//! a string of booleans where a date is read) is refused here as a whole,
//! with a [`ColumnProblem`] naming it: no row of it could be read, and a float
//! is binary, not an amount. Columns the entity does not read are passed on
//! as empty placeholders, so the core reports them as unknown fields.

use super::float_money::{self, MoneyFromFloat};
use crate::batch::{Chunk, ColumnData, Ints, Lent, LentKind, Piece, Table};
use crate::value::Type;
use crate::Decimal;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, TimeUnit};
use std::sync::atomic::{AtomicBool, Ordering};

/// What an input column must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Money.
    Money,
    /// A number other than money.
    Number,
    /// True or false.
    Bool,
    /// A date.
    Date,
    /// An enum choice, by id.
    Choice,
    /// The key linking members to their case.
    Key,
}

impl Want {
    /// What an input of type `ty` needs.
    pub fn of(ty: &Type) -> Want {
        match ty {
            Type::Money => Want::Money,
            Type::Number(_) => Want::Number,
            Type::Bool => Want::Bool,
            Type::Date => Want::Date,
            Type::Enum(_) => Want::Choice,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Want::Money | Want::Number => "decimal128 (or an integer, or decimal text)",
            Want::Bool => "bool (or \"true\"/\"false\" text)",
            Want::Date => "date32 (or a timestamp at midnight, or \"YYYY-MM-DD\" text)",
            Want::Choice => "string or dictionary (the choice's id)",
            Want::Key => "an integer or string",
        }
    }
}

/// A column that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnProblem {
    /// Column name.
    pub column: String,
    /// Stable code: `wrong_type`, `duplicate_field`, `invalid_date`,
    /// `too_large`.
    pub code: &'static str,
    /// What is wrong and what to do.
    pub msg: String,
    /// The Arrow type or the offending value.
    pub input: Option<String>,
}

/// Why a table could not be imported.
#[derive(Debug)]
pub enum ImportError {
    /// Columns that cannot be read.
    Columns(Vec<ColumnProblem>),
    /// The stream failed.
    Arrow(ArrowError),
}

/// A table ready for `Population::build`, with the key column as given (to
/// return it beside the results) and the batch sizes.
#[derive(Debug, Default)]
pub struct Imported {
    /// The columns, converted.
    pub table: Table,
    /// Number of rows.
    pub rows: usize,
    /// The key column's chunks, untouched (empty when there is none).
    pub key_chunks: Vec<ArrayRef>,
    /// The key column's field.
    pub key_field: Option<Field>,
}

fn accepts(dt: &DataType, want: Want, options: Options<'_>) -> bool {
    use DataType as D;
    let text = matches!(dt, D::Utf8 | D::LargeUtf8 | D::Utf8View);
    let dict_text =
        matches!(dt, D::Dictionary(_, v) if matches!(**v, D::Utf8 | D::LargeUtf8 | D::Utf8View));
    let int = dt.is_integer();
    let decimal = matches!(
        dt,
        D::Decimal32(..) | D::Decimal64(..) | D::Decimal128(..) | D::Decimal256(..)
    );
    if matches!(dt, D::Null) {
        return true;
    }
    match want {
        Want::Money
            if options.money_from_float == MoneyFromFloat::RoundToFen
                && matches!(dt, D::Float32 | D::Float64) =>
        {
            true
        }
        Want::Money | Want::Number => int || decimal || text || dict_text,
        Want::Bool => matches!(dt, D::Boolean) || text || dict_text,
        Want::Date => {
            matches!(dt, D::Date32 | D::Date64 | D::Timestamp(_, None)) || text || dict_text
        }
        Want::Choice => text || dict_text,
        Want::Key => int || text || dict_text || decimal,
    }
}

fn type_problem(field: &Field, want: Want) -> ColumnProblem {
    let dt = field.data_type();
    let hint = if dt.is_floating() {
        "; floats are binary and cannot hold amounts exactly: build the column from \
         decimal.Decimal values or text, or cast it to decimal128 (integers need an integer \
         type); for money, floats can be read as the nearest fen on request \
         (money_from_float=\"round_to_fen\")"
    } else if matches!(dt, DataType::Timestamp(_, Some(_))) {
        "; a timestamp with a time zone is not a date: convert it to dates first"
    } else {
        ""
    };
    ColumnProblem {
        column: field.name().clone(),
        code: "wrong_type",
        msg: format!(
            "column `{}` is {dt}; it must be {}{hint}",
            field.name(),
            want.describe()
        ),
        input: Some(dt.to_string()),
    }
}

fn empty_like(dt: &DataType) -> ColumnData {
    use DataType as D;
    match dt {
        // Floats accepted only as money read to the nearest fen.
        D::Float32 | D::Float64 => float_money::empty(),
        // Decimals are kept as integers at their scale while they fit 64
        // bits (the core reads those without building decimals).
        D::Decimal32(_, s) | D::Decimal64(_, s) | D::Decimal128(_, s) if (0..=18).contains(s) => {
            ColumnData::Fixed(u32::from(s.unsigned_abs()), Ints::default())
        }
        D::Decimal32(..) | D::Decimal64(..) | D::Decimal128(..) | D::Decimal256(..) => {
            ColumnData::Decimal(Vec::new())
        }
        D::Boolean => ColumnData::Bool(Vec::new()),
        D::Date32 | D::Date64 | D::Timestamp(..) => ColumnData::Date(Vec::new()),
        D::Dictionary(_, v) if matches!(**v, D::Utf8 | D::LargeUtf8 | D::Utf8View) => {
            ColumnData::Dict(Vec::new(), Vec::new())
        }
        d if d.is_integer() => ColumnData::Int(Ints::default()),
        _ => ColumnData::Text(Vec::new()),
    }
}

/// A decimal from an unscaled integer and an Arrow scale, exactly, or `None`
/// when it does not fit the core's 96-bit decimals.
fn decimal(mut unscaled: i128, scale: i8) -> Option<Decimal> {
    let mut scale = i32::from(scale);
    while scale < 0 {
        unscaled = unscaled.checked_mul(10)?;
        scale += 1;
    }
    while scale > 28 {
        if unscaled % 10 != 0 {
            return None;
        }
        unscaled /= 10;
        scale -= 1;
    }
    Decimal::try_from_i128_with_scale(unscaled, u32::try_from(scale).ok()?).ok()
}

fn too_large(column: &str, row: usize, what: impl std::fmt::Display) -> ColumnProblem {
    ColumnProblem {
        column: column.to_string(),
        code: "too_large",
        msg: format!("row {row} of `{column}`: {what} does not fit an exact decimal of 28 digits"),
        input: Some(what.to_string()),
    }
}

fn decimals(
    name: &str,
    array: &dyn Array,
    offset: usize,
    out: &mut Vec<Option<Decimal>>,
) -> Result<(), ColumnProblem> {
    macro_rules! push {
        ($ty:ty, $scale:expr, $wide:expr) => {{
            let a = array.as_primitive::<$ty>();
            if a.null_count() == 0 {
                for (i, &v) in a.values().iter().enumerate() {
                    let wide: Option<i128> = $wide(v);
                    match wide.and_then(|w| decimal(w, $scale)) {
                        Some(d) => out.push(Some(d)),
                        None => return Err(too_large(name, offset + i, v)),
                    }
                }
                return Ok(());
            }
            for (i, v) in a.iter().enumerate() {
                match v {
                    None => out.push(None),
                    Some(v) => {
                        let wide: Option<i128> = $wide(v);
                        match wide.and_then(|w| decimal(w, $scale)) {
                            Some(d) => out.push(Some(d)),
                            None => return Err(too_large(name, offset + i, v)),
                        }
                    }
                }
            }
        }};
    }
    match array.data_type() {
        DataType::Decimal32(_, s) => push!(Decimal32Type, *s, |v: i32| Some(i128::from(v))),
        DataType::Decimal64(_, s) => push!(Decimal64Type, *s, |v: i64| Some(i128::from(v))),
        DataType::Decimal128(_, s) => push!(Decimal128Type, *s, Some),
        DataType::Decimal256(_, s) => {
            push!(Decimal256Type, *s, |v: arrow_buffer::i256| v.to_i128())
        }
        _ => {}
    }
    Ok(())
}

/// Appends a decimal chunk's unscaled values as they are (the column's
/// scale is the chunk's), or returns `false`, appending nothing, when one
/// does not fit an `i64`.
fn fixed(array: &dyn Array, out: &mut Ints) -> bool {
    macro_rules! push {
        ($ty:ty) => {{
            let a = array.as_primitive::<$ty>();
            let start = out.len();
            let fits = |v| i64::try_from(v).ok();
            if a.null_count() == 0 {
                // Checked first, then copied without a branch per value.
                if a.values().iter().any(|&v| fits(v).is_none()) {
                    return false;
                }
                out.extend_values(a.values().iter().map(|&v| fits(v).unwrap_or(0)));
            } else {
                for v in a.iter() {
                    match v.map(fits) {
                        None => out.push(None),
                        Some(Some(x)) => out.push(Some(x)),
                        Some(None) => {
                            out.truncate(start);
                            return false;
                        }
                    }
                }
            }
            true
        }};
    }
    match array.data_type() {
        DataType::Decimal32(..) => push!(Decimal32Type),
        DataType::Decimal64(..) => push!(Decimal64Type),
        DataType::Decimal128(..) => push!(Decimal128Type),
        DataType::Null => {
            out.extend(std::iter::repeat_n(None, array.len()));
            true
        }
        _ => false,
    }
}

fn ints(name: &str, array: &dyn Array, offset: usize, out: &mut Ints) -> Result<(), ColumnProblem> {
    macro_rules! push {
        ($ty:ty) => {{
            let a = array.as_primitive::<$ty>();
            let fits = |v| i64::try_from(v).ok();
            if a.null_count() == 0 && a.values().iter().all(|&v| fits(v).is_some()) {
                out.extend_values(a.values().iter().map(|&v| fits(v).unwrap_or(0)));
                return Ok(());
            }
            for (i, v) in a.iter().enumerate() {
                match v.map(i64::try_from) {
                    None => out.push(None),
                    Some(Ok(v)) => out.push(Some(v)),
                    Some(Err(_)) => {
                        return Err(too_large(name, offset + i, "the integer"));
                    }
                }
            }
        }};
    }
    match array.data_type() {
        DataType::Int8 => push!(Int8Type),
        DataType::Int16 => push!(Int16Type),
        DataType::Int32 => push!(Int32Type),
        DataType::Int64 => push!(Int64Type),
        DataType::UInt8 => push!(UInt8Type),
        DataType::UInt16 => push!(UInt16Type),
        DataType::UInt32 => push!(UInt32Type),
        DataType::UInt64 => push!(UInt64Type),
        _ => {}
    }
    Ok(())
}

fn days(
    name: &str,
    array: &dyn Array,
    offset: usize,
    out: &mut Vec<Option<i32>>,
) -> Result<(), ColumnProblem> {
    use arrow_array::types::{
        Date32Type, Date64Type, TimestampMicrosecondType, TimestampMillisecondType,
        TimestampNanosecondType, TimestampSecondType,
    };
    let (values, per_day): (Vec<Option<i64>>, i64) = match array.data_type() {
        DataType::Date32 => {
            let a = array.as_primitive::<Date32Type>();
            if a.null_count() == 0 {
                out.extend(a.values().iter().map(|&d| Some(d)));
            } else {
                out.extend(a.iter());
            }
            return Ok(());
        }
        DataType::Date64 => (
            array.as_primitive::<Date64Type>().iter().collect(),
            86_400_000,
        ),
        DataType::Timestamp(TimeUnit::Second, _) => (
            array.as_primitive::<TimestampSecondType>().iter().collect(),
            86_400,
        ),
        DataType::Timestamp(TimeUnit::Millisecond, _) => (
            array
                .as_primitive::<TimestampMillisecondType>()
                .iter()
                .collect(),
            86_400_000,
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => (
            array
                .as_primitive::<TimestampMicrosecondType>()
                .iter()
                .collect(),
            86_400_000_000,
        ),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => (
            array
                .as_primitive::<TimestampNanosecondType>()
                .iter()
                .collect(),
            86_400_000_000_000,
        ),
        _ => return Ok(()),
    };
    for (i, v) in values.into_iter().enumerate() {
        match v {
            None => out.push(None),
            Some(v) if v.rem_euclid(per_day) == 0 => match i32::try_from(v.div_euclid(per_day)) {
                Ok(d) => out.push(Some(d)),
                Err(_) => return Err(too_large(name, offset + i, v)),
            },
            Some(_) => {
                return Err(ColumnProblem {
                    column: name.to_string(),
                    code: "invalid_date",
                    msg: format!(
                        "row {} of `{name}` has a time of day; a date is expected \
                         (convert the column to dates)",
                        offset + i
                    ),
                    input: None,
                })
            }
        }
    }
    Ok(())
}

fn texts(array: &dyn Array, out: &mut Vec<Option<String>>) {
    if let Some(a) = array.as_string_opt::<i32>() {
        out.extend(a.iter().map(|s| s.map(str::to_string)));
    } else if let Some(a) = array.as_string_opt::<i64>() {
        out.extend(a.iter().map(|s| s.map(str::to_string)));
    } else if let Some(a) = array.as_string_view_opt() {
        out.extend(a.iter().map(|s| s.map(str::to_string)));
    } else if let Some(dict) = array.as_any_dictionary_opt() {
        if dict.values().is_empty() {
            // No value to point to: every row is null.
            out.extend(std::iter::repeat_n(None, array.len()));
            return;
        }
        let mut values = Vec::with_capacity(dict.values().len());
        texts(dict.values().as_ref(), &mut values);
        let keys = dict.normalized_keys();
        let key_nulls = dict.keys().logical_nulls();
        for (i, k) in keys.into_iter().enumerate() {
            let null = key_nulls.as_ref().is_some_and(|n| n.is_null(i));
            out.push(if null {
                None
            } else {
                values.get(k).cloned().flatten()
            });
        }
    } else if matches!(array.data_type(), DataType::Null) {
        out.extend(std::iter::repeat_n(None, array.len()));
    }
}

/// Appends a dictionary chunk: its values merged into `values` (each text
/// once), its keys mapped to them.
fn dictionary(array: &dyn Array, values: &mut Vec<String>, keys: &mut Vec<Option<u32>>) {
    let Some(dict) = array.as_any_dictionary_opt() else {
        keys.extend(std::iter::repeat_n(None, array.len()));
        return;
    };
    if dict.values().is_empty() {
        // No value to point to: every row is null.
        keys.extend(std::iter::repeat_n(None, array.len()));
        return;
    }
    let mut chunk_values = Vec::with_capacity(dict.values().len());
    texts(dict.values().as_ref(), &mut chunk_values);
    let mut index: std::collections::HashMap<String, u32> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((v.clone(), u32::try_from(i).ok()?)))
        .collect();
    let map: Vec<Option<u32>> = chunk_values
        .into_iter()
        .map(|v| {
            let v = v?;
            if let Some(&i) = index.get(&v) {
                return Some(i);
            }
            let i = u32::try_from(values.len()).ok()?;
            values.push(v.clone());
            index.insert(v, i);
            Some(i)
        })
        .collect();
    let key_nulls = dict.keys().logical_nulls();
    let normalized = dict.normalized_keys();
    let key = |k: usize| map.get(k).copied().flatten();
    match key_nulls {
        None => keys.extend(normalized.into_iter().map(key)),
        Some(nulls) => keys.extend(normalized.into_iter().zip(nulls.iter()).map(|(k, valid)| {
            if valid {
                key(k)
            } else {
                None
            }
        })),
    }
}

/// Appends one chunk of a column to `out` (whose variant fits the Arrow type).
fn append(
    name: &str,
    array: &dyn Array,
    offset: usize,
    out: &mut ColumnData,
) -> Result<(), ColumnProblem> {
    if matches!(array.data_type(), DataType::Float32 | DataType::Float64) {
        float_money::append(array, out);
        return Ok(());
    }
    match out {
        ColumnData::Fixed(scale, v) => {
            v.reserve(array.len());
            if fixed(array, v) {
                return Ok(());
            }
            // A value needs more than 64 bits: the column becomes decimals.
            let scale = *scale;
            let mut wide: Vec<Option<Decimal>> = v
                .iter()
                .map(|x| x.and_then(|x| Decimal::try_from_i128_with_scale(x.into(), scale).ok()))
                .collect();
            let done = offset.min(wide.len());
            wide.truncate(done);
            let r = decimals(name, array, offset, &mut wide);
            *out = ColumnData::Decimal(wide);
            r
        }
        ColumnData::Decimal(v) => {
            v.reserve(array.len());
            decimals(name, array, offset, v)
        }
        ColumnData::Int(v) => {
            v.reserve(array.len());
            ints(name, array, offset, v)
        }
        ColumnData::Bool(v) => {
            if let Some(a) = array.as_boolean_opt() {
                v.extend(a.iter());
            }
            Ok(())
        }
        ColumnData::Date(v) => {
            v.reserve(array.len());
            days(name, array, offset, v)
        }
        ColumnData::Text(v) => {
            v.reserve(array.len());
            texts(array, v);
            Ok(())
        }
        ColumnData::Dict(values, keys) => {
            keys.reserve(array.len());
            dictionary(array, values, keys);
            Ok(())
        }
        // Lent columns are made whole at the end, never appended to.
        ColumnData::Lent(_) => Ok(()),
    }
}

/// What a column of this Arrow type is when the core reads it in place:
/// 64-bit integers, decimals of up to 18 decimals, `date32` days and
/// booleans.
fn lend_kind(dt: &DataType) -> Option<LentKind> {
    match dt {
        DataType::Int64 => Some(LentKind::Int),
        DataType::Decimal128(_, s) if (0..=18).contains(s) => {
            Some(LentKind::Decimal(u32::from(s.unsigned_abs())))
        }
        DataType::Date32 => Some(LentKind::Date),
        DataType::Boolean => Some(LentKind::Bool),
        _ => None,
    }
}

/// An Arrow array read in place.
struct InPlace(ArrayRef);

impl Chunk for InPlace {
    fn piece(&self) -> Piece<'_> {
        let a = self.0.as_ref();
        if let Some(v) = a.as_primitive_opt::<Int64Type>() {
            Piece::I64(v.values())
        } else if let Some(v) = a.as_primitive_opt::<Decimal128Type>() {
            Piece::I128(v.values())
        } else if let Some(v) = a.as_primitive_opt::<Date32Type>() {
            Piece::I32(v.values())
        } else if let Some(v) = a.as_boolean_opt() {
            let bits = v.values();
            Piece::Bits(bits.values(), bits.offset(), bits.len())
        } else {
            Piece::I64(&[])
        }
    }
}

/// Whether a chunk can be read in place: no null, and a decimal's every
/// value within 64 bits (as the core keeps them).
fn lends(chunk: &ArrayRef) -> bool {
    chunk.null_count() == 0
        && chunk
            .as_primitive_opt::<Decimal128Type>()
            .is_none_or(|a| a.values().iter().all(|&v| i64::try_from(v).is_ok()))
}

/// A column's chunks read in place (each one [`lends`]).
fn lend(kind: LentKind, chunks: &[ArrayRef]) -> Option<ColumnData> {
    let chunks: Vec<std::sync::Arc<dyn Chunk>> = chunks
        .iter()
        .map(|c| std::sync::Arc::new(InPlace(c.clone())) as std::sync::Arc<dyn Chunk>)
        .collect();
    Lent::new(kind, chunks).map(ColumnData::Lent)
}

/// A column's name and, for columns read, its values.
type Slot = (String, Option<ColumnData>);

/// How columns are read beyond their Arrow types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options<'a> {
    /// Money columns of floats: refused (the default) or read as the
    /// nearest fen ([`float_money`]).
    pub money_from_float: MoneyFromFloat,
    /// The programs the population is for (all of the entity's when
    /// `None`): inputs they do not read may be left out
    /// ([`crate::batch::Population::build_for`]).
    pub programs: Option<&'a [String]>,
}

/// Reads a stream of record batches into the core's columns. `want` names
/// what each input column must hold (`None` for columns the entity does not
/// read); `key` is the linking column, kept as given when `keep_key`.
///
/// # Errors
/// Every column that cannot be read, or the stream's failure.
pub fn import(
    fields: &[Field],
    batches: impl Iterator<Item = Result<RecordBatch, ArrowError>>,
    want: impl Fn(&str) -> Option<Want>,
    key: &str,
) -> Result<Imported, ImportError> {
    import_with(fields, batches, want, key, Options::default())
}

/// [`import`], with [`Options`].
///
/// # Errors
/// As [`import`].
pub fn import_with(
    fields: &[Field],
    batches: impl Iterator<Item = Result<RecordBatch, ArrowError>>,
    want: impl Fn(&str) -> Option<Want>,
    key: &str,
    options: Options<'_>,
) -> Result<Imported, ImportError> {
    let mut problems = Vec::new();
    let mut columns: Vec<(String, Option<ColumnData>)> = Vec::new();
    let mut key_index = None;
    for (i, field) in fields.iter().enumerate() {
        let name = field.name();
        if fields[..i].iter().any(|f| f.name() == name) {
            problems.push(ColumnProblem {
                column: name.clone(),
                code: "duplicate_field",
                msg: format!("column `{name}` appears more than once"),
                input: None,
            });
            columns.push((name.clone(), None));
            continue;
        }
        let w = if name == key {
            key_index = Some(i);
            // The key may also be an input; then its input type rules.
            want(name).or(Some(Want::Key))
        } else {
            want(name)
        };
        match w {
            Some(w) if !accepts(field.data_type(), w, options) => {
                problems.push(type_problem(field, w));
                columns.push((name.clone(), None));
            }
            Some(_) => columns.push((name.clone(), Some(empty_like(field.data_type())))),
            None => columns.push((name.clone(), None)),
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Columns(problems));
    }
    let mut imported = Imported {
        key_field: key_index.and_then(|i| fields.get(i)).cloned(),
        ..Imported::default()
    };
    // Columns the core reads where they lie (inputs other than the key, of
    // a type it reads in place): their chunks kept, not converted.
    let lendable: Vec<Option<LentKind>> = fields
        .iter()
        .zip(&columns)
        .enumerate()
        .map(|(i, (f, (_, out)))| {
            let input = out.is_some() && Some(i) != key_index;
            input.then(|| lend_kind(f.data_type())).flatten()
        })
        .collect();
    let mut kept: Vec<Vec<ArrayRef>> = vec![Vec::new(); fields.len()];
    let unfit: Vec<AtomicBool> = fields.iter().map(|_| AtomicBool::new(false)).collect();
    // Batch by batch as the stream gives them (a batch is dropped once
    // read), the columns of each shared between threads.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    for batch in batches {
        let batch = batch.map_err(ImportError::Arrow)?;
        let offset = imported.rows;
        let (lendable, unfit) = (&lendable, &unfit);
        let read = |i: usize, (name, out): &mut Slot| match (out.as_mut(), batch.columns().get(i)) {
            // Kept as it lies; a decimal beyond 64 bits, or a null, is
            // noted on the column's thread.
            (_, Some(array)) if lendable.get(i).copied().flatten().is_some() => {
                if !lends(array) {
                    if let Some(u) = unfit.get(i) {
                        u.store(true, Ordering::Relaxed);
                    }
                }
                Ok(())
            }
            (Some(out), Some(array)) => append(name, array.as_ref(), offset, out),
            _ => Ok(()),
        };
        let mut groups: Vec<Vec<(usize, &mut Slot)>> = (0..threads).map(|_| Vec::new()).collect();
        for (k, c) in columns.iter_mut().enumerate() {
            if let Some(g) = groups.get_mut(k % threads) {
                g.push((k, c));
            }
        }
        let read = &read;
        let results: Vec<(usize, Result<(), ColumnProblem>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = groups
                .into_iter()
                .map(|g| {
                    scope.spawn(move || {
                        g.into_iter()
                            .map(|(k, c)| (k, read(k, c)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![(
                            0,
                            Err(ColumnProblem {
                                column: String::new(),
                                code: "internal_error",
                                msg: "a thread stopped before reading its columns".into(),
                                input: None,
                            }),
                        )]
                    })
                })
                .collect()
        });
        // The first problem in column order, as a single thread would meet it.
        if let Some((_, p)) = results
            .into_iter()
            .filter_map(|(k, r)| r.err().map(|p| (k, p)))
            .min_by_key(|f| f.0)
        {
            return Err(ImportError::Columns(vec![p]));
        }
        if let Some(array) = key_index.and_then(|i| batch.columns().get(i)) {
            imported.key_chunks.push(array.clone());
        }
        for (i, kind) in lendable.iter().enumerate() {
            if let (Some(_), Some(c), Some(array)) = (kind, kept.get_mut(i), batch.columns().get(i))
            {
                c.push(array.clone());
            }
        }
        imported.rows += batch.num_rows();
    }
    // The kept chunks read in place, or, with a null or a wide decimal,
    // converted as any column.
    let lendable = lendable.iter().zip(unfit);
    for (((kind, unfit), chunks), (name, out)) in lendable.zip(kept).zip(columns.iter_mut()) {
        let (Some(kind), Some(out)) = (kind, out.as_mut()) else {
            continue;
        };
        if let Some(lent) = (!unfit.into_inner())
            .then(|| lend(*kind, &chunks))
            .flatten()
        {
            *out = lent;
            continue;
        }
        let mut offset = 0;
        for array in &chunks {
            append(name, array.as_ref(), offset, out).map_err(|p| ImportError::Columns(vec![p]))?;
            offset += array.len();
        }
    }
    let rows = imported.rows;
    imported.table = Table {
        columns: columns
            .into_iter()
            .map(|(name, data)| {
                let data = data.unwrap_or_else(|| ColumnData::Text(vec![None; rows]));
                (name, data)
            })
            .collect(),
    };
    Ok(imported)
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
