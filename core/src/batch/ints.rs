//! A column of 64-bit integers with its nulls, laid out as Arrow lays it
//! out: the values in one vector, validity beside them only when a row is
//! null. Importing an Arrow `int64` or `decimal128` column without nulls is
//! then one copy, at 8 bytes a row.

/// Integers (or integers at a number of decimals), some rows null. Two
/// columns are equal when their rows are (the value under a null does not
/// count, nor whether validity is kept).
#[derive(Debug, Clone, Default)]
pub struct Ints {
    values: Vec<i64>,
    /// `false` at null rows; `None` when no row is null.
    valid: Option<Vec<bool>>,
}

impl Ints {
    /// Values without nulls.
    pub fn new(values: Vec<i64>) -> Ints {
        Ints {
            values,
            valid: None,
        }
    }

    /// Values with validity (`false`: null; the value there is ignored),
    /// or `None` when the two lengths differ.
    pub fn with_valid(values: Vec<i64>, valid: Vec<bool>) -> Option<Ints> {
        (values.len() == valid.len()).then(|| Ints {
            valid: valid.contains(&false).then_some(valid),
            values,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value at `row`: `None` when null or out of range.
    #[inline]
    pub fn get(&self, row: usize) -> Option<i64> {
        self.cell(row).flatten()
    }

    /// The cell at `row`: `Some(None)` when null, `None` out of range.
    #[inline]
    pub fn cell(&self, row: usize) -> Option<Option<i64>> {
        let v = *self.values.get(row)?;
        Some(match &self.valid {
            Some(valid) if !valid.get(row).copied().unwrap_or(false) => None,
            _ => Some(v),
        })
    }

    /// The values, nulls included (their value is meaningless).
    pub fn values(&self) -> &[i64] {
        &self.values
    }

    /// Validity per row, when some row is null.
    pub fn valid(&self) -> Option<&[bool]> {
        self.valid.as_deref()
    }

    /// Every row, `None` for nulls.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<i64>> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// Appends one row.
    pub fn push(&mut self, value: Option<i64>) {
        match (value, &mut self.valid) {
            (Some(v), None) => self.values.push(v),
            (Some(v), Some(valid)) => {
                self.values.push(v);
                valid.push(true);
            }
            (None, valid) => {
                valid
                    .get_or_insert_with(|| vec![true; self.values.len()])
                    .push(false);
                self.values.push(0);
            }
        }
    }

    /// Appends rows without nulls.
    pub fn extend_values(&mut self, values: impl IntoIterator<Item = i64>) {
        self.values.extend(values);
        if let Some(valid) = &mut self.valid {
            valid.resize(self.values.len(), true);
        }
    }

    /// Reserves room for `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        self.values.reserve(rows);
    }

    /// Keeps the first `rows` rows.
    pub fn truncate(&mut self, rows: usize) {
        self.values.truncate(rows);
        if let Some(valid) = &mut self.valid {
            valid.truncate(rows);
            if !valid.contains(&false) {
                // No null left: validity is kept only beside nulls.
                self.valid = None;
            }
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.values.len() * 8 + self.valid.as_ref().map_or(0, Vec::len)
    }
}

impl PartialEq for Ints {
    fn eq(&self, other: &Ints) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Ints {}

impl Extend<Option<i64>> for Ints {
    fn extend<I: IntoIterator<Item = Option<i64>>>(&mut self, rows: I) {
        let rows = rows.into_iter();
        self.values.reserve(rows.size_hint().0);
        for v in rows {
            self.push(v);
        }
    }
}

impl FromIterator<Option<i64>> for Ints {
    fn from_iter<I: IntoIterator<Item = Option<i64>>>(rows: I) -> Ints {
        let mut out = Ints::default();
        out.extend(rows);
        out
    }
}

impl From<Vec<Option<i64>>> for Ints {
    fn from(rows: Vec<Option<i64>>) -> Ints {
        rows.into_iter().collect()
    }
}

impl From<Vec<i64>> for Ints {
    fn from(values: Vec<i64>) -> Ints {
        Ints::new(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_kept_beside_the_values_only_when_there_are_some() {
        let mut a = Ints::new(vec![1, 2]);
        assert_eq!(a.valid(), None);
        a.push(None);
        a.extend_values([4]);
        a.push(Some(5));
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            [Some(1), Some(2), None, Some(4), Some(5)]
        );
        assert_eq!(a.valid(), Some(&[true, true, false, true, true][..]));
        assert_eq!(a.cell(2), Some(None));
        assert_eq!(a.cell(9), None);
        a.truncate(2);
        assert_eq!(a, Ints::from(vec![Some(1), Some(2)]));
        assert_eq!(a.valid(), None);
        assert_ne!(a, Ints::from(vec![Some(1), None]));
        assert_eq!(Ints::with_valid(vec![1], vec![true, false]), None);
        assert_eq!(
            Ints::with_valid(vec![1, 2], vec![true, true]),
            Some(Ints::new(vec![1, 2]))
        );
    }
}
