//! A deterministic synthetic district: households and their members, for
//! benchmarks and equivalence tests.
//!
//! Every benchmark (Rust, Python, the CLI) runs on the same data: household
//! `i` of seed `s` is drawn from its own small generator (splitmix64 seeded
//! with `s` and `i`), so it is the same whether the district is generated
//! whole, in parts, or one household at a time ([`household_json`]).
//!
//! The district has the inputs of the household programs of
//! `rules/cn-qingdao-chengyang`: households with 1–6 members (about 2.8 on
//! average), birth dates, monthly incomes in whole fen (a realistic spread,
//! with roughly a fifth of households below 1,045 yuan per head), financial
//! assets, disability kind and grade, local registration, able supporters,
//! emergencies with their shortfall, medical costs, and a monthly count of
//! canteen meals for members aged 60 and over (not an input of the household
//! programs; kept beside the tables in [`District::meals_per_month`]).
//!
//! Money is generated as integers of fen and stored as exact decimals with
//! two places; no floating point is involved.

use crate::batch::{ColumnData, LentKind, Table};
use crate::date::Date;
use crate::Decimal;
use serde_json::{json, Map, Value as Json};

/// The key column linking members to households.
pub const KEY: &str = "household_id";

/// The date the benchmarks evaluate on and the birth dates are drawn
/// against: the Chengyang press conference of 2023-09-06.
pub const REFERENCE_DATE: &str = "2023-09-06";

/// [`REFERENCE_DATE`] as a date.
pub fn reference_date() -> Option<Date> {
    Date::parse(REFERENCE_DATE)
}

/// Ids of the disability kinds, in the order of the rule set's enum (the
/// first, `none`, is left null in the tables so the input's default applies).
pub const DISABILITY_KINDS: [&str; 8] = [
    "none",
    "physical",
    "intellectual",
    "mental",
    "visual",
    "hearing",
    "speech",
    "multiple",
];

/// splitmix64: a small, fast, well-mixed generator (Steele, Lea, Flood).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with this state.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.saturating_add_unsigned(self.below(span))
    }

    /// True with probability `per_mille` / 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }
}

/// One synthetic person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Date of birth.
    pub birth_date: Date,
    /// Monthly income in fen.
    pub monthly_income_fen: i64,
    /// Index into [`DISABILITY_KINDS`] (0: none).
    pub disability_kind: usize,
    /// Disability grade, 1–4, or 0 without a disability.
    pub disability_grade: i64,
    /// Has a legal supporter able to support them.
    pub has_able_supporter: bool,
    /// Canteen meals in a month (0 under 60).
    pub meals_per_month: u8,
}

/// One synthetic household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    /// Registered in the district.
    pub registered_locally: bool,
    /// Financial assets in fen.
    pub financial_assets_fen: i64,
    /// Struck by an emergency.
    pub emergency_hardship: bool,
    /// Shortfall from the emergency, in fen.
    pub emergency_need_fen: i64,
    /// Out-of-pocket medical costs of the last 12 months, in fen.
    pub medical_expenses_12m_fen: i64,
    /// Members, 1–6.
    pub members: Vec<Person>,
}

fn fen(f: i64) -> Decimal {
    Decimal::new(f, 2)
}

fn fen_text(f: i64) -> String {
    fen(f).to_string()
}

/// The generator state of household `index` of district `seed`.
fn household_rng(seed: u64, index: u64) -> SplitMix64 {
    let mut mix = SplitMix64::new(seed ^ 0x6A09_E667_F3BC_C908);
    let base = mix.next_u64();
    let mut h = SplitMix64::new(base ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    h.next_u64();
    h
}

fn birth_date(rng: &mut SplitMix64, as_of: Date, age: i64) -> Date {
    // Born `age` whole years and 0–364 days before `as_of`, never after it.
    let days = age
        .saturating_mul(365)
        .saturating_add(age / 4)
        .saturating_add(rng.range(0, 364));
    let days = i32::try_from(days).unwrap_or(0);
    let born = as_of.add_days(-days).unwrap_or(as_of);
    if born > as_of {
        as_of
    } else {
        born
    }
}

fn income_fen(rng: &mut SplitMix64, age: i64) -> i64 {
    let yuan = |rng: &mut SplitMix64, lo: i64, hi: i64| rng.range(lo * 100, hi * 100);
    if age < 16 {
        if rng.chance(950) {
            0
        } else {
            yuan(rng, 0, 500)
        }
    } else if age >= 60 {
        match rng.weighted(&[30, 40, 30]) {
            0 => yuan(rng, 0, 800),
            1 => yuan(rng, 800, 3_000),
            _ => yuan(rng, 3_000, 8_000),
        }
    } else {
        match rng.weighted(&[14, 20, 43, 18, 5]) {
            0 => 0,
            1 => yuan(rng, 300, 2_000),
            2 => yuan(rng, 2_000, 6_000),
            3 => yuan(rng, 6_000, 15_000),
            _ => yuan(rng, 15_000, 50_000),
        }
    }
}

fn person(rng: &mut SplitMix64, as_of: Date, age: i64, alone: bool) -> Person {
    let age = age.clamp(0, 105);
    let disabled = rng.chance(55);
    let (kind, grade) = if disabled {
        (rng.range(1, 7) as usize, rng.range(1, 4))
    } else {
        (0, 0)
    };
    let has_able_supporter = if alone && age >= 60 {
        !rng.chance(400)
    } else {
        !rng.chance(60)
    };
    let meals_per_month = if age >= 60 && rng.chance(500) {
        rng.range(1, 60) as u8
    } else {
        0
    };
    Person {
        birth_date: birth_date(rng, as_of, age),
        monthly_income_fen: income_fen(rng, age),
        disability_kind: kind,
        disability_grade: grade,
        has_able_supporter,
        meals_per_month,
    }
}

/// Household `index` of district `seed`, with birth dates relative to `as_of`.
pub fn household(seed: u64, index: u64, as_of: Date) -> Household {
    let mut rng = household_rng(seed, index);
    // Sizes 1–6: mean 2.81.
    let size = 1 + rng.weighted(&[16, 31, 25, 16, 8, 4]);
    let head_age = match rng.weighted(&[30, 45, 25]) {
        0 => rng.range(18, 39),
        1 => rng.range(40, 64),
        _ => rng.range(65, 95),
    };
    let mut members = Vec::with_capacity(size);
    members.push(person(&mut rng, as_of, head_age, size == 1));
    for m in 1..size {
        let age = if m == 1 {
            head_age + rng.range(-6, 6)
        } else {
            match rng.weighted(&[55, 30, 15]) {
                0 => (head_age - rng.range(20, 35)).max(rng.range(0, 17)),
                1 => head_age + rng.range(20, 32),
                _ => rng.range(16, 60),
            }
        };
        members.push(person(&mut rng, as_of, age, false));
    }
    let yuan = |rng: &mut SplitMix64, lo: i64, hi: i64| rng.range(lo * 100, hi * 100);
    let financial_assets_fen = match rng.weighted(&[35, 30, 25, 10]) {
        0 => yuan(&mut rng, 0, 10_000),
        1 => yuan(&mut rng, 10_000, 60_000),
        2 => yuan(&mut rng, 60_000, 300_000),
        _ => yuan(&mut rng, 300_000, 3_000_000),
    };
    let registered_locally = rng.chance(880);
    let emergency_hardship = rng.chance(20);
    let emergency_need_fen = if emergency_hardship {
        yuan(&mut rng, 500, 30_000)
    } else {
        0
    };
    let medical_expenses_12m_fen = match rng.weighted(&[60, 30, 10]) {
        0 => yuan(&mut rng, 0, 2_000),
        1 => yuan(&mut rng, 2_000, 20_000),
        _ => yuan(&mut rng, 20_000, 200_000),
    };
    Household {
        registered_locally,
        financial_assets_fen,
        emergency_hardship,
        emergency_need_fen,
        medical_expenses_12m_fen,
        members,
    }
}

impl Household {
    /// The household as a case of the `household` entity (JSON), as
    /// [`crate::RuleSet::evaluate_json`] reads it.
    pub fn to_json(&self) -> Json {
        let members: Vec<Json> = self
            .members
            .iter()
            .map(|p| {
                let mut m = Map::new();
                m.insert("birth_date".into(), json!(p.birth_date.to_string()));
                m.insert(
                    "monthly_income".into(),
                    json!(fen_text(p.monthly_income_fen)),
                );
                if p.disability_kind != 0 {
                    let kind = DISABILITY_KINDS.get(p.disability_kind).copied();
                    m.insert("disability_kind".into(), json!(kind.unwrap_or("none")));
                }
                m.insert("disability_grade".into(), json!(p.disability_grade));
                m.insert("has_able_supporter".into(), json!(p.has_able_supporter));
                Json::Object(m)
            })
            .collect();
        json!({
            "registered_locally": self.registered_locally,
            "financial_assets": fen_text(self.financial_assets_fen),
            "emergency_hardship": self.emergency_hardship,
            "emergency_need": fen_text(self.emergency_need_fen),
            "medical_expenses_12m": fen_text(self.medical_expenses_12m_fen),
            "members": members,
        })
    }

    /// Household monthly income in fen.
    pub fn income_fen(&self) -> i64 {
        self.members.iter().map(|p| p.monthly_income_fen).sum()
    }
}

/// Household `index` of district `seed` as a JSON case (for one-case
/// benchmarks and tests).
pub fn household_json(seed: u64, index: u64, as_of: Date) -> Json {
    household(seed, index, as_of).to_json()
}

/// A synthetic district as two tables, ready for
/// [`crate::batch::Population::build`] with key [`KEY`].
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    /// One row per household: `household_id`, `registered_locally`,
    /// `financial_assets`, `emergency_hardship`, `emergency_need`,
    /// `medical_expenses_12m`.
    pub households: Table,
    /// One row per member, grouped by household in household order:
    /// `household_id`, `birth_date` (days since 1970-01-01),
    /// `monthly_income`, `disability_kind` (null for none), `disability_grade`,
    /// `has_able_supporter`.
    pub members: Table,
    /// Canteen meals in a month, per member row (0 under 60). Not an input of
    /// the household programs, so not a column of [`District::members`].
    pub meals_per_month: Vec<u8>,
}

/// Numbers that describe a district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Households.
    pub households: usize,
    /// Members.
    pub members: usize,
    /// Households by size: `by_size[k]` have `k + 1` members.
    pub by_size: [usize; 6],
    /// Households whose income per head is below 1,045 yuan.
    pub below_1045_per_head: usize,
    /// Members with canteen meals in the month (some of those aged 60 and over).
    pub with_meals: usize,
    /// Approximate bytes of the input columns as held in [`Table`]s.
    pub table_bytes: usize,
    /// Bytes the same columns take in Arrow: decimal128, date32, int64,
    /// bit-packed booleans, dictionary-encoded text (4-byte keys).
    pub arrow_bytes: usize,
}

/// The most households (and meal records) a synthetic district is
/// generated with: 20 million, about 8 GB of columns.
pub const MAX_HOUSEHOLDS: usize = 20_000_000;

/// The refusal of a size above [`MAX_HOUSEHOLDS`], located at `what`.
pub fn check_size(n: usize, what: &str) -> Result<(), crate::Error> {
    if n <= MAX_HOUSEHOLDS {
        return Ok(());
    }
    Err(crate::Error::Input(vec![crate::InputError {
        code: "too_large",
        loc: what.to_string(),
        msg: format!(
            "{n} is more than the {} a synthetic district is generated with",
            crate::limits::group_digits(MAX_HOUSEHOLDS)
        ),
        input: Some(n.to_string()),
    }]))
}

impl District {
    /// Generates `households` households of district `seed`, with birth
    /// dates relative to `as_of`.
    ///
    /// # Errors
    /// An input error `too_large` above [`MAX_HOUSEHOLDS`].
    pub fn try_generate(
        households: usize,
        seed: u64,
        as_of: Date,
    ) -> Result<District, crate::Error> {
        check_size(households, "households")?;
        Ok(District::generate(households, seed, as_of))
    }

    /// Generates `households` households of district `seed`, with birth
    /// dates relative to `as_of`; at most [`MAX_HOUSEHOLDS`] (a larger
    /// number gives that many: [`District::try_generate`] refuses it).
    pub fn generate(households: usize, seed: u64, as_of: Date) -> District {
        let n = households.min(MAX_HOUSEHOLDS);
        let cap = n.saturating_mul(3);
        let mut h_id = Vec::with_capacity(n);
        let mut h_reg = Vec::with_capacity(n);
        let mut h_assets = Vec::with_capacity(n);
        let mut h_emerg = Vec::with_capacity(n);
        let mut h_need = Vec::with_capacity(n);
        let mut h_med = Vec::with_capacity(n);
        let mut m_id = Vec::with_capacity(cap);
        let mut m_birth = Vec::with_capacity(cap);
        let mut m_income = Vec::with_capacity(cap);
        let mut m_kind: Vec<Option<u32>> = Vec::with_capacity(cap);
        let mut m_grade = Vec::with_capacity(cap);
        let mut m_support = Vec::with_capacity(cap);
        let mut meals = Vec::with_capacity(cap);
        for i in 0..n {
            let hh = household(seed, i as u64, as_of);
            let id = i as i64 + 1;
            h_id.push(Some(id));
            h_reg.push(Some(hh.registered_locally));
            h_assets.push(Some(fen(hh.financial_assets_fen)));
            h_emerg.push(Some(hh.emergency_hardship));
            h_need.push(Some(fen(hh.emergency_need_fen)));
            h_med.push(Some(fen(hh.medical_expenses_12m_fen)));
            for p in &hh.members {
                m_id.push(Some(id));
                m_birth.push(Some(p.birth_date.days()));
                m_income.push(Some(fen(p.monthly_income_fen)));
                m_kind.push(match p.disability_kind {
                    0 => None,
                    k => u32::try_from(k).ok(),
                });
                m_grade.push(Some(p.disability_grade));
                m_support.push(Some(p.has_able_supporter));
                meals.push(p.meals_per_month);
            }
        }
        District {
            households: Table {
                columns: vec![
                    (KEY.into(), ColumnData::Int(h_id.into())),
                    ("registered_locally".into(), ColumnData::Bool(h_reg)),
                    ("financial_assets".into(), ColumnData::Decimal(h_assets)),
                    ("emergency_hardship".into(), ColumnData::Bool(h_emerg)),
                    ("emergency_need".into(), ColumnData::Decimal(h_need)),
                    ("medical_expenses_12m".into(), ColumnData::Decimal(h_med)),
                ],
            },
            members: Table {
                columns: vec![
                    (KEY.into(), ColumnData::Int(m_id.into())),
                    ("birth_date".into(), ColumnData::Date(m_birth)),
                    ("monthly_income".into(), ColumnData::Decimal(m_income)),
                    (
                        "disability_kind".into(),
                        ColumnData::Dict(
                            DISABILITY_KINDS.iter().map(|s| (*s).to_string()).collect(),
                            m_kind,
                        ),
                    ),
                    ("disability_grade".into(), ColumnData::Int(m_grade.into())),
                    ("has_able_supporter".into(), ColumnData::Bool(m_support)),
                ],
            },
            meals_per_month: meals,
        }
    }

    /// Counts and sizes of the district.
    pub fn summary(&self) -> Summary {
        let n = self.households.rows();
        let m = self.members.rows();
        let mut by_size = [0usize; 6];
        let mut below = 0;
        let offsets = self.member_offsets();
        let income = match self.members.column("monthly_income") {
            Some(ColumnData::Decimal(v)) => v.as_slice(),
            _ => &[],
        };
        for h in 0..n {
            let (a, b) = (offsets[h], offsets[h + 1]);
            let size = b - a;
            if let Some(slot) = size.checked_sub(1).and_then(|k| by_size.get_mut(k)) {
                *slot += 1;
            }
            let total: Decimal = income
                .get(a..b)
                .unwrap_or(&[])
                .iter()
                .map(|d| d.unwrap_or_default())
                .sum();
            if total < Decimal::from(1045) * Decimal::from(size as u64) {
                below += 1;
            }
        }
        Summary {
            households: n,
            members: m,
            by_size,
            below_1045_per_head: below,
            with_meals: self.meals_per_month.iter().filter(|&&k| k > 0).count(),
            table_bytes: table_bytes(&self.households) + table_bytes(&self.members),
            arrow_bytes: arrow_bytes(&self.households) + arrow_bytes(&self.members),
        }
    }

    /// `offsets[h]..offsets[h + 1]` are the member rows of household row `h`
    /// (members are generated grouped, in household order).
    pub fn member_offsets(&self) -> Vec<usize> {
        let n = self.households.rows();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        if let Some(ColumnData::Int(ids)) = self.members.column(KEY) {
            let mut row = 0;
            for h in 0..n {
                let id = Some(h as i64 + 1);
                while ids.get(row) == id {
                    row += 1;
                }
                offsets.push(row);
            }
        } else {
            offsets.resize(n + 1, 0);
        }
        offsets
    }

    /// Household row `h` as a JSON case.
    pub fn household_json(&self, h: usize) -> Option<Json> {
        if h >= self.households.rows() {
            return None;
        }
        // Member keys are ascending (members are generated in household order).
        let Some(ColumnData::Int(ids)) = self.members.column(KEY) else {
            return None;
        };
        let id = h as i64 + 1;
        let ids = ids.values();
        let (a, b) = (
            ids.partition_point(|&k| k < id),
            ids.partition_point(|&k| k <= id),
        );
        let mut case = Map::new();
        for (name, col) in &self.households.columns {
            if name != KEY {
                if let Some(v) = cell_json(col, h) {
                    case.insert(name.clone(), v);
                }
            }
        }
        let members: Vec<Json> = (a..b)
            .map(|r| {
                let mut m = Map::new();
                for (name, col) in &self.members.columns {
                    if name != KEY {
                        if let Some(v) = cell_json(col, r) {
                            m.insert(name.clone(), v);
                        }
                    }
                }
                Json::Object(m)
            })
            .collect();
        case.insert("members".into(), Json::Array(members));
        Some(Json::Object(case))
    }
}

fn cell_json(col: &ColumnData, row: usize) -> Option<Json> {
    Some(match col {
        ColumnData::Decimal(_) | ColumnData::Fixed(..) => json!(col.decimal(row)?.to_string()),
        ColumnData::Int(v) => json!(v.get(row)?),
        ColumnData::Bool(v) => json!(v.get(row).copied().flatten()?),
        ColumnData::Date(v) => json!(date_text(v.get(row).copied().flatten()?)),
        ColumnData::Text(_) | ColumnData::Dict(..) => json!(col.text(row)?),
        ColumnData::Lent(l) => match l.kind() {
            LentKind::Int => json!(i64::try_from(l.at(row)?).ok()?),
            LentKind::Bool => json!(l.at(row)? != 0),
            LentKind::Decimal(_) | LentKind::Date => json!(l.text(row)?),
        },
    })
}

fn date_text(days: i32) -> String {
    Date::from_ymd(1970, 1, 1)
        .and_then(|e| e.add_days(days))
        .map_or_else(String::new, |d| d.to_string())
}

/// The text of one cell as written in a CSV file: decimals exactly, dates as
/// `YYYY-MM-DD`, booleans as `true`/`false`; `None` for null.
pub fn cell_text(col: &ColumnData, row: usize) -> Option<String> {
    match col {
        ColumnData::Decimal(_) | ColumnData::Fixed(..) => col.decimal(row).map(|d| d.to_string()),
        ColumnData::Int(v) => v.get(row).map(|i| i.to_string()),
        ColumnData::Bool(v) => v.get(row).copied().flatten().map(|b| b.to_string()),
        ColumnData::Date(v) => v.get(row).copied().flatten().map(date_text),
        ColumnData::Text(_) | ColumnData::Dict(..) => col.text(row).map(str::to_string),
        ColumnData::Lent(l) => l.text(row),
    }
}

/// A table as CSV text with a header row; null cells are empty, and cells
/// holding a comma, a quote or a line break are quoted.
pub fn to_csv(table: &Table) -> String {
    let mut out = String::new();
    let quote = |s: &str, out: &mut String| {
        if s.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(s);
        }
    };
    for (i, (name, _)) in table.columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        quote(name, &mut out);
    }
    out.push('\n');
    for row in 0..table.rows() {
        for (i, (_, col)) in table.columns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if let Some(s) = cell_text(col, row) {
                quote(&s, &mut out);
            }
        }
        out.push('\n');
    }
    out
}

/// Approximate bytes of a table's columns as held in memory
/// (`Vec<Option<T>>`, integers as [`crate::batch::Ints`], plus the text of
/// text cells).
pub fn table_bytes(table: &Table) -> usize {
    use std::mem::size_of;
    table
        .columns
        .iter()
        .map(|(_, c)| match c {
            ColumnData::Decimal(v) => v.len() * size_of::<Option<Decimal>>(),
            ColumnData::Fixed(_, v) | ColumnData::Int(v) => v.bytes(),
            ColumnData::Bool(v) => v.len() * size_of::<Option<bool>>(),
            ColumnData::Date(v) => v.len() * size_of::<Option<i32>>(),
            ColumnData::Text(v) => {
                v.len() * size_of::<Option<String>>()
                    + v.iter().flatten().map(String::capacity).sum::<usize>()
            }
            ColumnData::Lent(_) => 0,
            ColumnData::Dict(values, keys) => {
                keys.len() * size_of::<Option<u32>>()
                    + values
                        .iter()
                        .map(|s| s.capacity() + size_of::<String>())
                        .sum::<usize>()
            }
        })
        .sum()
}

/// Bytes of a table's columns in Arrow layout: values plus a validity bit
/// per row; text as dictionary keys (4 bytes) plus the distinct strings.
pub fn arrow_bytes(table: &Table) -> usize {
    table
        .columns
        .iter()
        .map(|(_, c)| {
            let n = c.len();
            let validity = n.div_ceil(8);
            validity
                + match c {
                    ColumnData::Decimal(_) | ColumnData::Fixed(..) => n * 16,
                    ColumnData::Int(_) => n * 8,
                    ColumnData::Bool(_) => n.div_ceil(8),
                    ColumnData::Date(_) => n * 4,
                    ColumnData::Text(v) => {
                        let mut distinct: Vec<&str> =
                            v.iter().flatten().map(String::as_str).collect();
                        distinct.sort_unstable();
                        distinct.dedup();
                        n * 4 + distinct.iter().map(|s| s.len() + 4).sum::<usize>()
                    }
                    ColumnData::Dict(values, _) => {
                        n * 4 + values.iter().map(|s| s.len() + 4).sum::<usize>()
                    }
                    ColumnData::Lent(l) => l.arrow_bytes(),
                }
        })
        .sum()
}

/// `n` meal records for the `meal` entity, as of `as_of`: `birth_date`,
/// `meal_kind` (15% breakfast, 50% lunch, 35% dinner), `canteen_designated`
/// (90%) and `price` (8 to 23 yuan, in whole fen). Diners are 50 to 95, so
/// some are too young. The same `(n, seed, as_of)` gives the same table.
pub fn meals(n: usize, seed: u64, as_of: Date) -> Table {
    let n = n.min(MAX_HOUSEHOLDS);
    let mut rng = SplitMix64::new(seed ^ 0xBB67_AE85_84CA_A73B);
    let (mut birth, mut kind, mut designated, mut price) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for _ in 0..n {
        let age = rng.range(50, 95);
        birth.push(Some(birth_date(&mut rng, as_of, age).days()));
        let kinds = ["breakfast", "lunch", "dinner"];
        let k = kinds
            .get(rng.weighted(&[15, 50, 35]))
            .copied()
            .unwrap_or("lunch");
        kind.push(Some(k.to_string()));
        designated.push(Some(rng.chance(900)));
        price.push(Some(fen(rng.range(800, 2300))));
    }
    Table {
        columns: vec![
            ("birth_date".into(), ColumnData::Date(birth)),
            ("meal_kind".into(), ColumnData::Text(kind)),
            ("canteen_designated".into(), ColumnData::Bool(designated)),
            ("price".into(), ColumnData::Decimal(price)),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(n: usize, seed: u64) -> District {
        District::generate(n, seed, reference_date().unwrap())
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = gen(500, 7);
        let b = gen(500, 7);
        assert_eq!(a, b);
        let c = gen(500, 8);
        assert_ne!(a.members, c.members);
        // A household is the same whether drawn alone or in a district.
        let as_of = reference_date().unwrap();
        assert_eq!(a.household_json(123), Some(household_json(7, 123, as_of)));
        // A larger district begins with the smaller one.
        let big = gen(800, 7);
        assert_eq!(big.household_json(499), a.household_json(499));
    }

    #[test]
    fn sizes_and_spread() {
        let d = gen(20_000, 1);
        let s = d.summary();
        assert_eq!(s.households, 20_000);
        assert_eq!(d.households.rows(), 20_000);
        assert_eq!(d.members.rows(), s.members);
        assert_eq!(d.meals_per_month.len(), s.members);
        assert_eq!(s.by_size.iter().sum::<usize>(), 20_000);
        assert!(s.by_size.iter().all(|&k| k > 0), "{:?}", s.by_size);
        // About 2.8 members per household.
        assert!(
            (54_000..=58_000).contains(&s.members),
            "{} members",
            s.members
        );
        // A share of households is below 1,045 yuan per head, most are not.
        let share = s.below_1045_per_head * 100 / s.households;
        assert!((10..=35).contains(&share), "{share}% below 1,045");
        let offsets = d.member_offsets();
        assert_eq!(offsets.last().copied(), Some(s.members));
        assert!(offsets.windows(2).all(|w| (1..=6).contains(&(w[1] - w[0]))));
    }

    #[test]
    fn values_are_valid_inputs() {
        let as_of = reference_date().unwrap();
        for i in 0..2_000 {
            let h = household(3, i, as_of);
            assert!((1..=6).contains(&h.members.len()));
            assert!(h.financial_assets_fen >= 0 && h.medical_expenses_12m_fen >= 0);
            for p in &h.members {
                assert!(p.birth_date <= as_of);
                assert!((0..=106).contains(&p.birth_date.age_on(as_of)));
                assert!(p.monthly_income_fen >= 0);
                assert!((0..=4).contains(&p.disability_grade));
                assert_eq!(p.disability_kind == 0, p.disability_grade == 0);
            }
        }
    }

    #[test]
    fn csv_has_a_header_and_a_row_per_record() {
        let d = gen(10, 2);
        let text = to_csv(&d.members);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), d.members.rows() + 1);
        assert!(lines[0].starts_with("household_id,birth_date,monthly_income"));
    }
}
