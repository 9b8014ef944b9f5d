//! A population read from Arrow tables, keeping what its results are
//! returned beside: the key column as given, each row problem's case key,
//! and each case's number of members.

use super::compare::{comparison_tables, ComparisonTables};
use super::export::{result_batches, row_errors_batch};
use super::import::{import_with, ImportError, Imported, Options, Want};
use super::nested;
use crate::analysis::compare::Comparison;
use crate::batch::{self, BatchResult, RowError};
use crate::{Date, EvalError, InputError, RuleSet};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, Field, SchemaRef};
use std::time::{Duration, Instant};

/// Record batches and their schema.
pub type Batches = (SchemaRef, Vec<RecordBatch>);

/// The key column of the cases table, as given.
#[derive(Debug, Clone)]
pub struct Key {
    /// Its field (name, type, nullability).
    pub field: Field,
    /// Its chunks, one per record batch read.
    pub chunks: Vec<ArrayRef>,
}

/// Where building a population took its time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// Reading the record batches and converting the columns.
    pub convert: Duration,
    /// Checking every cell and laying out the cases.
    pub build: Duration,
}

/// Why a population could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Columns that cannot be read at all, each an input error located at
    /// `<table>.<column>` (`members.monthly_income`).
    #[error("{} column(s) cannot be read: {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Columns(Vec<InputError>),
    /// A record batch stream failed.
    #[error("the table cannot be read: {0}")]
    Arrow(ArrowError),
    /// The entity is unknown.
    #[error(transparent)]
    Eval(EvalError),
    /// A members table was given for cases of an entity without members.
    #[error("`{0}` cases have no members")]
    NoMembers(String),
}

/// Cases of one entity from Arrow tables, checked as of a date.
#[derive(Debug, Clone)]
pub struct Population {
    /// The cases, ready to evaluate.
    pub cases: batch::Population,
    /// Their entity.
    pub entity: String,
    /// The key column, when the cases table has one.
    pub key: Option<Key>,
    /// Problems found in the rows; the cases they touch are not evaluated.
    pub errors: Vec<RowError>,
    /// The key of each problem's case, when known.
    pub error_keys: Vec<Option<String>>,
    /// Members per case (empty for entities without members).
    pub sizes: Vec<usize>,
    /// The members table's key column as given, when the members are
    /// stored in its order: their results are returned beside it as they
    /// are, not written again.
    pub member_keys: Option<Vec<ArrayRef>>,
    /// Where building took its time.
    pub timings: Timings,
}

fn read(
    reader: impl RecordBatchReader,
    table: &str,
    want: &dyn Fn(&str) -> Option<Want>,
    key: &str,
    options: Options<'_>,
) -> Result<Imported, BuildError> {
    let fields: Vec<Field> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    read_batches(&fields, reader, table, want, key, options)
}

fn read_batches(
    fields: &[Field],
    batches: impl Iterator<Item = Result<RecordBatch, ArrowError>>,
    table: &str,
    want: &dyn Fn(&str) -> Option<Want>,
    key: &str,
    options: Options<'_>,
) -> Result<Imported, BuildError> {
    import_with(fields, batches, want, key, options).map_err(|e| match e {
        ImportError::Columns(problems) => BuildError::Columns(
            problems
                .into_iter()
                .map(|p| InputError {
                    code: p.code,
                    loc: format!("{table}.{}", p.column),
                    msg: p.msg,
                    input: p.input,
                })
                .collect(),
        ),
        ImportError::Arrow(e) => BuildError::Arrow(e),
    })
}

impl Population {
    /// Reads cases of `entity` from `cases` and, for entities with
    /// members, their members from `members`, linked by the `key` column;
    /// every cell is checked as of `as_of`. Rows with problems are listed
    /// in [`Population::errors`], not refused.
    ///
    /// # Errors
    /// Columns that cannot be read (wrong type, duplicate, a value too
    /// large or a time of day), a failing stream, an unknown entity, or a
    /// members table for an entity without members.
    pub fn read<R: RecordBatchReader>(
        rules: &RuleSet,
        entity: &str,
        cases: R,
        members: Option<R>,
        key: &str,
        as_of: Date,
    ) -> Result<Population, BuildError> {
        Population::read_with(
            rules,
            entity,
            cases,
            members,
            key,
            as_of,
            Options::default(),
        )
    }

    /// [`Population::read`], with [`Options`] for reading the columns (money
    /// from floats).
    ///
    /// # Errors
    /// As [`Population::read`].
    pub fn read_with<R: RecordBatchReader>(
        rules: &RuleSet,
        entity: &str,
        cases: R,
        members: Option<R>,
        key: &str,
        as_of: Date,
        options: Options<'_>,
    ) -> Result<Population, BuildError> {
        let e = rules.entity(entity).map_err(BuildError::Eval)?;
        let has_members = rules.has_members(entity).map_err(BuildError::Eval)?;
        if members.is_some() && !has_members {
            return Err(BuildError::NoMembers(entity.to_string()));
        }
        let start = Instant::now();
        let case_want = |name: &str| rules.case_input(e, name).map(Want::of);
        let member_want = |name: &str| rules.member_input(e, name).map(Want::of);
        let cases = read(cases, "households", &case_want, key, options)?;
        let members = members
            .map(|m| read(m, "members", &member_want, key, options))
            .transpose()?;
        let converted = Instant::now();
        let (population, errors) = batch::Population::build_for(
            rules,
            entity,
            &cases.table,
            members.as_ref().map(|m| &m.table),
            key,
            as_of,
            options.programs,
        )
        .map_err(BuildError::Eval)?;
        let timings = Timings {
            convert: converted.duration_since(start),
            build: converted.elapsed(),
        };
        let case_keys = cases.table.column(key);
        let member_keys = members.as_ref().and_then(|m| m.table.column(key));
        let error_keys = errors
            .iter()
            .map(|err| match (err.household, err.table) {
                (Some(h), _) => case_keys.and_then(|c| c.key(h)),
                (None, "members") => member_keys.and_then(|c| c.key(err.row)),
                _ => None,
            })
            .collect();
        let key = cases.key_field.map(|field| Key {
            field,
            chunks: cases.key_chunks,
        });
        let member_keys = members
            .filter(|_| population.members_in_table_order(0))
            .map(|m| m.key_chunks);
        let found = (errors, error_keys);
        let mut read = Population::finish(population, entity, key, found, has_members, timings);
        read.member_keys = member_keys;
        Ok(read)
    }

    /// The population read: the cases, their key, the problems found with
    /// their cases' keys, members per case (for an entity with members).
    fn finish(
        cases: batch::Population,
        entity: &str,
        key: Option<Key>,
        (errors, error_keys): (Vec<RowError>, Vec<Option<String>>),
        has_members: bool,
        timings: Timings,
    ) -> Population {
        let sizes = match has_members {
            true => (0..cases.len()).map(|i| cases.member_count(i)).collect(),
            false => Vec::new(),
        };
        Population {
            cases,
            entity: entity.to_string(),
            key,
            errors,
            error_keys,
            sizes,
            timings,
            member_keys: None,
        }
    }

    /// Reads cases of `entity` whose members are in the cases table itself,
    /// as a `list<struct<…>>` column named after the entity's collection
    /// (`members`), as Spark, polars and DuckDB hold them ([`nested`]).
    /// Every cell is checked as of `as_of`, as by [`Population::read`]; a
    /// member's problem is located at its case's row and its index in the
    /// list (`members[1].birth_date`). The `key` column, when there is one,
    /// is returned beside the results; without it results are numbered by
    /// row.
    ///
    /// # Errors
    /// As [`Population::read`]; also an entity without members, or a
    /// members column that is missing or not a list of structs.
    ///
    /// [`nested`]: super::nested
    pub fn read_nested<R: RecordBatchReader>(
        rules: &RuleSet,
        entity: &str,
        cases: R,
        key: &str,
        as_of: Date,
    ) -> Result<Population, BuildError> {
        Population::read_nested_with(rules, entity, cases, key, as_of, Options::default())
    }

    /// [`Population::read_nested`] with [`Options`] (float money read to
    /// the fen, when asked).
    ///
    /// # Errors
    /// As [`Population::read_nested`].
    pub fn read_nested_with<R: RecordBatchReader>(
        rules: &RuleSet,
        entity: &str,
        cases: R,
        key: &str,
        as_of: Date,
        options: Options<'_>,
    ) -> Result<Population, BuildError> {
        let e = rules.entity(entity).map_err(BuildError::Eval)?;
        let Some(column) = rules
            .plan()
            .entities
            .get(e)
            .and_then(|x| x.collections.first())
        else {
            return Err(BuildError::NoMembers(entity.to_string()));
        };
        let column = column.name.clone();
        let start = Instant::now();
        let fields: Vec<Field> = cases
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let split = nested::split(&fields, cases, &column, key)?;
        let case_want = |name: &str| match name {
            nested::LINK => Some(Want::Key),
            _ => rules.case_input(e, name).map(Want::of),
        };
        let member_want = |name: &str| match name {
            nested::LINK => Some(Want::Key),
            _ => rules.member_input(e, name).map(Want::of),
        };
        let (case_fields, case_batches) = split.cases;
        let mut cases = read_batches(
            &case_fields,
            case_batches.into_iter().map(Ok),
            "households",
            &case_want,
            key,
            options,
        )?;
        let (member_fields, member_batches) = split.members;
        let members = read_batches(
            &member_fields,
            member_batches.into_iter().map(Ok),
            "members",
            &member_want,
            nested::LINK,
            options,
        )?;
        // The key links nothing here: it is kept to return beside the
        // results, and is not an input unless the entity reads it.
        let key_column = match rules.case_input(e, key) {
            Some(_) => cases.table.column(key).cloned(),
            None => cases
                .table
                .columns
                .iter()
                .position(|(n, _)| n == key)
                .map(|i| cases.table.columns.remove(i).1),
        };
        let converted = Instant::now();
        let (mut population, errors) = batch::Population::build_for(
            rules,
            entity,
            &cases.table,
            Some(&members.table),
            nested::LINK,
            as_of,
            options.programs,
        )
        .map_err(BuildError::Eval)?;
        let timings = Timings {
            convert: converted.duration_since(start),
            build: converted.elapsed(),
        };
        let mut errors: Vec<RowError> = errors
            .into_iter()
            .map(|err| nested::locate(err, &column, &split.starts))
            .collect();
        // Each household once: a key on two rows is refused on both, as
        // with two tables (results are matched to households by the key).
        if let Some(keys) = &key_column {
            population.refuse_repeated_keys(keys, key, &mut errors);
        }
        let error_keys = errors
            .iter()
            .map(|err| err.household.and_then(|h| key_column.as_ref()?.key(h)))
            .collect();
        let key = cases.key_field.map(|field| Key {
            field,
            chunks: cases.key_chunks,
        });
        let found = (errors, error_keys);
        Ok(Population::finish(
            population, entity, key, found, true, timings,
        ))
    }

    /// The key column's field and chunks, as the tables of [`super::export`]
    /// take them.
    pub fn key(&self) -> Option<(&Field, &[ArrayRef])> {
        self.key.as_ref().map(|k| (&k.field, k.chunks.as_slice()))
    }

    /// Evaluates the cases against `rules` as of `as_of`
    /// ([`crate::analysis::sweep::evaluate_all`]).
    ///
    /// # Errors
    /// As [`crate::batch::evaluate`].
    pub fn evaluate(
        &self,
        rules: &RuleSet,
        as_of: Date,
        programs: Option<&[String]>,
        threads: usize,
    ) -> Result<BatchResult, EvalError> {
        crate::analysis::sweep::evaluate_all(rules, &self.cases, as_of, programs, threads)
    }

    /// The results of an evaluation under `rules` as record batches beside
    /// the key column ([`result_batches`]).
    ///
    /// # Errors
    /// An Arrow error, which only a result of another population causes.
    pub fn results(
        &self,
        rules: &RuleSet,
        result: &BatchResult,
    ) -> Result<(SchemaRef, Vec<RecordBatch>), ArrowError> {
        let money: Vec<bool> = result
            .programs
            .iter()
            .map(|p| rules.pays_money(&p.program))
            .collect();
        result_batches(result, self.cases.valid(), &money, self.key())
    }

    /// The results of the members of collection `collection` (`members`)
    /// under `rules`, one row per member beside its case's key
    /// ([`crate::arrow::members::member_result_batches`]).
    ///
    /// # Errors
    /// An Arrow error, which only a result of another population causes;
    /// an unknown collection.
    pub fn member_results(
        &self,
        rules: &RuleSet,
        result: &BatchResult,
        collection: &str,
    ) -> Result<(SchemaRef, Vec<RecordBatch>), ArrowError> {
        let plan = rules.plan();
        let coll = plan
            .entity_index(&self.entity)
            .and_then(|e| {
                plan.entities[e]
                    .collections
                    .iter()
                    .position(|c| c.name == collection)
            })
            .ok_or_else(|| {
                ArrowError::InvalidArgumentError(format!(
                    "`{}` cases have no collection `{collection}`",
                    self.entity
                ))
            })?;
        let offsets = self.cases.member_offsets(coll).unwrap_or(&[]);
        let money = |p: &str| rules.pays_money(p);
        let given = self.member_keys.as_deref().filter(|_| coll == 0);
        let key = self.key();
        crate::arrow::members::member_result_batches(
            result, collection, offsets, &money, key, given,
        )
    }

    /// The cases' results ([`Population::results`]) and the members' of
    /// `collection` ([`Population::member_results`]) of one evaluation,
    /// written on two threads.
    ///
    /// # Errors
    /// As [`Population::results`] and [`Population::member_results`].
    pub fn results_with_members(
        &self,
        rules: &RuleSet,
        result: &BatchResult,
        collection: &str,
    ) -> Result<(Batches, Batches), ArrowError> {
        std::thread::scope(|s| {
            let cases = s.spawn(|| self.results(rules, result));
            let members = self.member_results(rules, result, collection);
            let cases = cases.join().map_err(|_| {
                ArrowError::ComputeError("the cases' results could not be written".into())
            })?;
            Ok((cases?, members?))
        })
    }

    /// The row problems as a record batch ([`row_errors_batch`]).
    ///
    /// # Errors
    /// An Arrow error, which the fixed schema does not cause.
    pub fn errors_batch(&self) -> Result<RecordBatch, ArrowError> {
        row_errors_batch(&self.errors, &self.error_keys)
    }

    /// A comparison over these cases as record batches
    /// ([`comparison_tables`]).
    ///
    /// # Errors
    /// An Arrow error: a sum too large for a year's cost.
    pub fn comparison(&self, c: &Comparison) -> Result<ComparisonTables, ArrowError> {
        comparison_tables(c, self.key(), &self.sizes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::synthetic::district;
    use crate::arrow::MoneyFromFloat;
    use arrow_array::RecordBatchIterator;

    type Stream = RecordBatchIterator<std::vec::IntoIter<Result<RecordBatch, ArrowError>>>;

    fn stream(b: RecordBatch) -> Stream {
        let schema = b.schema();
        RecordBatchIterator::new(vec![Ok(b)].into_iter(), schema)
    }

    #[test]
    fn households_and_members_in_results_out_beside_the_key() {
        let rules = RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap();
        let as_of = Date::parse("2023-09-06").unwrap();
        let d = district(200, 3, as_of).unwrap();
        let pop = Population::read(
            &rules,
            "household",
            stream(d.households.clone()),
            Some(stream(d.members.clone())),
            "household_id",
            as_of,
        )
        .unwrap();
        assert!(pop.errors.is_empty());
        assert_eq!((pop.cases.len(), pop.sizes.len()), (200, 200));
        assert_eq!(pop.sizes.iter().sum::<usize>(), d.members.num_rows());
        let result = pop.evaluate(&rules, as_of, None, 2).unwrap();
        let (schema, batches) = pop.results(&rules, &result).unwrap();
        assert_eq!(schema.field(0).name(), "household_id");
        assert!(schema.field_with_name("dibao.amount").is_ok());
        assert_eq!(
            batches.iter().map(RecordBatch::num_rows).sum::<usize>(),
            200
        );
        assert_eq!(batches[0].column(0), &d.households.column(0).clone());
        let meals = super::super::synthetic::meals(5, 1, as_of).unwrap();
        let e = Population::read(
            &rules,
            "meal",
            stream(meals.clone()),
            Some(stream(meals)),
            "household_id",
            as_of,
        )
        .unwrap_err();
        assert!(matches!(e, BuildError::NoMembers(_)));
    }

    /// Columns read where they lie (chunks of one table, cut anywhere)
    /// give what the same table's own columns give, in results and in row
    /// problems.
    #[test]
    fn columns_read_in_place_evaluate_as_the_tables_own() {
        let rules = RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap();
        let as_of = Date::parse("2023-09-06").unwrap();
        let d = crate::synthetic::District::generate(700, 11, as_of);
        let arrow = district(700, 11, as_of).unwrap();
        let chunked = |b: &RecordBatch, cut: usize| {
            let schema = b.schema();
            let parts = vec![Ok(b.slice(0, cut)), Ok(b.slice(cut, b.num_rows() - cut))];
            RecordBatchIterator::new(parts.into_iter(), schema)
        };
        let (h, m) = (&arrow.households, &arrow.members);
        let read = |on: Date, cuts: (usize, usize)| {
            let (cases, members) = (chunked(h, cuts.0), Some(chunked(m, cuts.1)));
            Population::read(&rules, "household", cases, members, "household_id", on).unwrap()
        };
        let own = |on: Date| {
            let (cases, members) = (&d.households, Some(&d.members));
            batch::Population::build(&rules, "household", cases, members, "household_id", on)
                .unwrap()
        };
        let (pop, (own_pop, errors)) = (read(as_of, (301, 777)), own(as_of));
        assert_eq!(pop.errors, errors);
        let a = pop.evaluate(&rules, as_of, None, 2).unwrap();
        let b = batch::evaluate(&rules, &own_pop, as_of, None, 2).unwrap();
        assert_eq!(a.programs, b.programs);
        assert_eq!(a.members, b.members);
        assert_eq!(a.evaluated, b.evaluated);
        // On a date before some were born: the same row problems.
        let early = Date::parse("2001-01-01").unwrap();
        let (late, (_, errors)) = (read(early, (5, 6)), own(early));
        assert!(!errors.is_empty());
        assert_eq!(late.errors, errors);
    }

    #[test]
    fn a_column_that_cannot_be_read_is_located_in_its_table() {
        let rules = RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap();
        let as_of = Date::parse("2023-09-06").unwrap();
        let d = district(3, 3, as_of).unwrap();
        let members = d.members.project(&[0, 1]).unwrap();
        let renamed = RecordBatch::try_new(
            std::sync::Arc::new(arrow_schema::Schema::new(vec![
                Field::new(
                    "household_id",
                    members.schema().field(0).data_type().clone(),
                    true,
                ),
                Field::new(
                    "monthly_income",
                    members.schema().field(1).data_type().clone(),
                    true,
                ),
            ])),
            members.columns().to_vec(),
        )
        .unwrap();
        let e = Population::read(
            &rules,
            "household",
            stream(d.households),
            Some(stream(renamed)),
            "household_id",
            as_of,
        )
        .unwrap_err();
        let BuildError::Columns(errors) = e else {
            panic!("expected column errors, got {e}")
        };
        assert_eq!(errors[0].loc, "members.monthly_income");
        assert_eq!(errors[0].code, "wrong_type");
    }

    /// The members' incomes as floats, as a file written with floats holds
    /// them, with `bad` rows replaced.
    fn float_incomes(members: &RecordBatch, bad: &[(usize, f64)]) -> RecordBatch {
        use arrow_array::cast::AsArray;
        use arrow_array::types::Decimal128Type;
        let i = members.schema().index_of("monthly_income").unwrap();
        let fen = members.column(i).as_primitive::<Decimal128Type>();
        let mut floats: Vec<f64> = fen
            .values()
            .iter()
            .map(|&f| format!("{}.{:02}", f / 100, f % 100).parse().unwrap())
            .collect();
        for &(row, v) in bad {
            floats[row] = v;
        }
        let mut columns = members.columns().to_vec();
        columns[i] = std::sync::Arc::new(arrow_array::Float64Array::from(floats));
        let mut fields: Vec<Field> = members
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields[i] = Field::new("monthly_income", arrow_schema::DataType::Float64, true);
        RecordBatch::try_new(
            std::sync::Arc::new(arrow_schema::Schema::new(fields)),
            columns,
        )
        .unwrap()
    }

    #[test]
    fn float_money_is_read_as_the_nearest_fen_only_when_asked() {
        let rules = RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap();
        let as_of = Date::parse("2023-09-06").unwrap();
        let d = district(300, 5, as_of).unwrap();
        let read = |members: RecordBatch, money_from_float| {
            Population::read_with(
                &rules,
                "household",
                stream(d.households.clone()),
                Some(stream(members)),
                "household_id",
                as_of,
                Options {
                    money_from_float,
                    programs: None,
                },
            )
        };
        let floats = float_incomes(&d.members, &[]);
        let refused = read(floats.clone(), MoneyFromFloat::Refuse).unwrap_err();
        let BuildError::Columns(errors) = refused else {
            panic!("expected a column error, got {refused}")
        };
        assert_eq!(errors[0].loc, "members.monthly_income");
        assert!(errors[0].msg.contains("round_to_fen"), "{}", errors[0].msg);

        // The same results as from the decimal column.
        let exact = read(d.members.clone(), MoneyFromFloat::Refuse).unwrap();
        let rounded = read(floats, MoneyFromFloat::RoundToFen).unwrap();
        assert!(rounded.errors.is_empty(), "{:?}", rounded.errors);
        let results = |p: &Population| {
            let r = p.evaluate(&rules, as_of, None, 2).unwrap();
            p.results(&rules, &r).unwrap().1
        };
        assert_eq!(results(&exact), results(&rounded));

        // A float not near a fen, and one not a number: errors at their rows.
        let bad = float_incomes(&d.members, &[(4, 1045.005), (7, f64::NAN)]);
        let p = read(bad, MoneyFromFloat::RoundToFen).unwrap();
        let found: Vec<(&str, usize, &str)> =
            p.errors.iter().map(|e| (e.table, e.row, e.code)).collect();
        assert_eq!(found.len(), 2, "{:?}", p.errors);
        assert_eq!((found[0].0, found[0].1), ("members", 4));
        assert_eq!(found[0].2, "invalid_money");
        assert_eq!((found[1].0, found[1].1), ("members", 7));
        assert!(p.errors[0].msg.contains("1045.005"), "{}", p.errors[0].msg);
        assert!(
            p.errors[0].loc.ends_with("monthly_income"),
            "{}",
            p.errors[0].loc
        );
    }
}
