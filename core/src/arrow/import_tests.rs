//! The Arrow import against every kind of column, across batches.

use super::*;
use arrow_array::builder::{Decimal128Builder, StringDictionaryBuilder};
use arrow_array::types::Int8Type as K;
use arrow_array::{
    BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array, StringArray,
    StringViewArray, TimestampMillisecondArray,
};
use arrow_schema::Schema;
use std::sync::Arc;

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

fn want(name: &str) -> Option<Want> {
    match name {
        "income" => Some(Want::Number),
        "local" => Some(Want::Bool),
        "born" => Some(Want::Date),
        "kind" => Some(Want::Choice),
        _ => None,
    }
}

fn run(batches: Vec<RecordBatch>) -> Result<Imported, ImportError> {
    run_with(batches, want)
}

fn run_with(
    batches: Vec<RecordBatch>,
    want: impl Fn(&str) -> Option<Want>,
) -> Result<Imported, ImportError> {
    let fields: Vec<Field> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    import(&fields, batches.into_iter().map(Ok), want, "id")
}

#[test]
fn converts_every_kind_across_batches() {
    let mut money = Decimal128Builder::new();
    money.append_value(80000);
    money.append_null();
    let money = money.finish().with_precision_and_scale(18, 2).unwrap();
    let mut kind = StringDictionaryBuilder::<K>::new();
    kind.append_value("physical");
    kind.append_null();
    let b1 = batch(vec![
        ("id", Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef),
        ("income", Arc::new(money)),
        (
            "local",
            Arc::new(BooleanArray::from(vec![Some(true), None])),
        ),
        ("born", Arc::new(Date32Array::from(vec![Some(0), Some(-1)]))),
        ("kind", Arc::new(kind.finish())),
        ("note", Arc::new(StringArray::from(vec!["a", "b"]))),
    ]);
    let out = run(vec![b1.clone(), b1]).unwrap();
    assert_eq!(out.rows, 4);
    assert_eq!(out.key_chunks.len(), 2);
    let t = &out.table;
    assert_eq!(
        t.column("income"),
        Some(&ColumnData::Fixed(
            2,
            vec![Some(80000), None, Some(80000), None].into()
        ))
    );
    assert_eq!(
        t.column("id"),
        Some(&ColumnData::Int(
            vec![Some(1), Some(2), Some(1), Some(2)].into()
        ))
    );
    // Dates without a null are read where they lie.
    let Some(ColumnData::Lent(born)) = t.column("born") else {
        panic!("born is not read in place: {:?}", t.column("born"));
    };
    assert_eq!(
        born.to_owned_column(),
        ColumnData::Date(vec![Some(0), Some(-1), Some(0), Some(-1)])
    );
    assert_eq!(
        t.column("kind"),
        Some(&ColumnData::Dict(
            vec!["physical".into()],
            vec![Some(0), None, Some(0), None]
        ))
    );
    // A column the entity does not read is a placeholder of the right length.
    assert_eq!(t.column("note"), Some(&ColumnData::Text(vec![None; 4])));
}

/// Columns without nulls of 64-bit integers, decimals that fit 64 bits,
/// `date32` and booleans are read in place (not the key); a null, or a
/// decimal beyond 64 bits, and they are converted as before.
#[test]
fn null_free_columns_are_read_in_place() {
    let wide = |values: Vec<i128>| {
        Arc::new(
            Decimal128Array::from(values)
                .with_precision_and_scale(38, 2)
                .unwrap(),
        ) as ArrayRef
    };
    let b = |income: ArrayRef, local: Vec<Option<bool>>| {
        batch(vec![
            ("id", Arc::new(Int64Array::from(vec![7, 8])) as ArrayRef),
            ("income", income),
            ("local", Arc::new(BooleanArray::from(local))),
        ])
    };
    let want = |name: &str| match name {
        "income" => Some(Want::Money),
        "local" => Some(Want::Bool),
        _ => None,
    };
    let read = |batches: Vec<RecordBatch>| run_with(batches, want).unwrap();
    let out = read(vec![
        b(wide(vec![150, -1]), vec![Some(true), Some(false)]),
        b(wide(vec![0, 99]), vec![Some(false), Some(true)]),
    ]);
    let t = &out.table;
    assert!(
        matches!(t.column("id"), Some(ColumnData::Int(_))),
        "the key is converted"
    );
    let Some(ColumnData::Lent(income)) = t.column("income") else {
        panic!("{:?}", t.column("income"));
    };
    assert_eq!(income.kind(), LentKind::Decimal(2));
    let values: Vec<_> = (0..4)
        .map(|r| income.decimal(r).map(|d| d.to_string()))
        .collect();
    assert_eq!(
        values,
        ["1.50", "-0.01", "0.00", "0.99"].map(|v| Some(v.to_string()))
    );
    let Some(ColumnData::Lent(local)) = t.column("local") else {
        panic!("{:?}", t.column("local"));
    };
    assert_eq!(
        local.to_owned_column(),
        ColumnData::Bool(vec![Some(true), Some(false), Some(false), Some(true)])
    );
    // A null in a later chunk, a decimal beyond 64 bits: converted.
    let out = read(vec![
        b(
            wide(vec![150, i128::from(i64::MAX) + 1]),
            vec![Some(true), Some(false)],
        ),
        b(wide(vec![0, 99]), vec![Some(false), None]),
    ]);
    let t = &out.table;
    assert!(matches!(t.column("income"), Some(ColumnData::Decimal(_))));
    assert_eq!(
        t.column("local"),
        Some(&ColumnData::Bool(vec![
            Some(true),
            Some(false),
            Some(false),
            None
        ]))
    );
}

/// A dictionary column whose dictionary is empty (every row null, as a
/// column of defaults often is) reads as nulls, as a plain column would.
#[test]
fn an_empty_dictionary_reads_as_nulls() {
    use arrow_array::types::Int32Type;
    use arrow_array::DictionaryArray;
    let empty = || {
        DictionaryArray::<Int32Type>::try_new(
            Int32Array::from(vec![None, None, None]),
            Arc::new(StringArray::from(Vec::<&str>::new())),
        )
        .unwrap()
    };
    let b = batch(vec![
        ("kind", Arc::new(empty()) as ArrayRef),
        ("note", Arc::new(empty()) as ArrayRef),
    ]);
    let out = run(vec![b.clone(), b]).unwrap();
    assert_eq!(out.rows, 6);
    let kind = out.table.column("kind").unwrap();
    assert!((0..6).all(|r| kind.text(r).is_none()));
    assert_eq!(
        out.table.column("note"),
        Some(&ColumnData::Text(vec![None; 6]))
    );
}

/// Dictionaries that differ from chunk to chunk are merged; a decimal
/// too wide for 64 bits turns the column into decimals, values kept.
#[test]
fn merges_dictionaries_and_widens_decimals() {
    let chunk = |texts: &[Option<&str>], units: &[i128]| {
        let mut kind = StringDictionaryBuilder::<K>::new();
        for t in texts {
            match t {
                Some(t) => kind.append_value(t),
                None => kind.append_null(),
            };
        }
        let mut money = Decimal128Builder::new();
        for u in units {
            money.append_value(*u);
        }
        let money = money.finish().with_precision_and_scale(38, 2).unwrap();
        batch(vec![
            ("kind", Arc::new(kind.finish()) as ArrayRef),
            ("income", Arc::new(money)),
        ])
    };
    let wide = i128::from(i64::MAX) + 1;
    let out = run(vec![
        chunk(&[Some("visual"), Some("physical")], &[1, 2]),
        chunk(&[Some("physical"), None, Some("mental")], &[3, wide, 5]),
    ])
    .unwrap();
    let t = &out.table;
    let kind = t.column("kind").unwrap();
    let texts: Vec<Option<&str>> = (0..5).map(|r| kind.text(r)).collect();
    assert_eq!(
        texts,
        vec![
            Some("visual"),
            Some("physical"),
            Some("physical"),
            None,
            Some("mental")
        ]
    );
    assert!(matches!(kind, ColumnData::Dict(v, _) if v.len() == 3));
    let income = t.column("income").unwrap();
    assert!(matches!(income, ColumnData::Decimal(_)));
    let got: Vec<Option<Decimal>> = (0..5).map(|r| income.decimal(r)).collect();
    let want: Vec<Option<Decimal>> = [1, 2, 3, wide, 5]
        .iter()
        .map(|u| Decimal::try_from_i128_with_scale(*u, 2).ok())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn refuses_float_money_naming_the_column() {
    let b = batch(vec![(
        "income",
        Arc::new(Float64Array::from(vec![0.1])) as ArrayRef,
    )]);
    let Err(ImportError::Columns(p)) = run(vec![b]) else {
        panic!("expected a column problem")
    };
    assert_eq!(p[0].column, "income");
    assert_eq!(p[0].code, "wrong_type");
    assert!(p[0].msg.contains("float"), "{}", p[0].msg);
}

#[test]
fn timestamps_at_midnight_are_dates_and_others_are_refused() {
    let ok = batch(vec![(
        "born",
        Arc::new(TimestampMillisecondArray::from(vec![
            86_400_000 * 3,
            -86_400_000,
        ])) as ArrayRef,
    )]);
    let out = run(vec![ok]).unwrap();
    assert_eq!(
        out.table.column("born"),
        Some(&ColumnData::Date(vec![Some(3), Some(-1)]))
    );
    let bad = batch(vec![(
        "born",
        Arc::new(TimestampMillisecondArray::from(vec![0, 1000])) as ArrayRef,
    )]);
    let Err(ImportError::Columns(p)) = run(vec![bad]) else {
        panic!("expected a column problem")
    };
    assert_eq!(p[0].code, "invalid_date");
    assert!(p[0].msg.contains("row 1"));
}

#[test]
fn string_views_and_text_money_pass_to_the_core() {
    let b = batch(vec![
        (
            "income",
            Arc::new(StringViewArray::from(vec!["800.50"])) as ArrayRef,
        ),
        ("kind", Arc::new(StringViewArray::from(vec!["none"]))),
    ]);
    let out = run(vec![b]).unwrap();
    assert_eq!(
        out.table.column("income"),
        Some(&ColumnData::Text(vec![Some("800.50".into())]))
    );
}

#[test]
fn decimals_keep_their_exact_value() {
    assert_eq!(decimal(12345, 2), Some(Decimal::new(12345, 2)));
    assert_eq!(decimal(12, -2), Some(Decimal::new(1200, 0)));
    assert_eq!(decimal(1_000, 30), Some(Decimal::new(1, 27)));
    assert_eq!(decimal(1_001, 30), None);
    assert_eq!(decimal(i128::MAX, 0), None);
}
