//! Cutting one program's answers over consecutive grid points into
//! segments: runs of points with the same eligibility over which the amount
//! is one straight line (the same difference between neighbouring points).

use crate::Decimal;

/// A run of grid points (in grid units, both ends included) with one
/// eligibility and an amount that changes by `step` from one point to the
/// next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) from: i64,
    pub(super) to: i64,
    pub(super) eligible: bool,
    pub(super) amount_from: Decimal,
    pub(super) amount_to: Decimal,
    /// Change of the amount from one point to the next (`None` for a run
    /// of one point).
    pub(super) step: Option<Decimal>,
}

impl Run {
    /// The amount at `x` (a point of the run), on its line.
    pub(super) fn amount_at(&self, x: i64) -> Option<Decimal> {
        if x == self.from {
            return Some(self.amount_from);
        }
        if x == self.to {
            return Some(self.amount_to);
        }
        let k = Decimal::from(x.checked_sub(self.from)?);
        self.amount_from.checked_add(self.step?.checked_mul(k)?)
    }
}

/// The runs of one program, built point by point.
#[derive(Debug, Default)]
pub(super) struct Track {
    pub(super) runs: Vec<Run>,
    open: Option<Run>,
}

impl Track {
    /// Adds the answer at grid point `x` (the point after the last one).
    pub(super) fn push(&mut self, x: i64, eligible: bool, amount: Decimal) {
        let fresh = Run {
            from: x,
            to: x,
            eligible,
            amount_from: amount,
            amount_to: amount,
            step: None,
        };
        let Some(run) = self.open.as_mut() else {
            self.open = Some(fresh);
            return;
        };
        let d = amount.checked_sub(run.amount_to);
        let same_line = run.eligible == eligible
            && d.is_some()
            && match run.step {
                None => true,
                Some(s) => Some(s) == d,
            };
        if same_line {
            run.step = d;
            run.to = x;
            run.amount_to = amount;
        } else {
            self.runs.push(*run);
            self.open = Some(fresh);
        }
    }

    /// The runs, the last one closed.
    pub(super) fn finish(mut self) -> Vec<Run> {
        self.runs.extend(self.open.take());
        self.runs
    }

    /// Runs so far (closed and open).
    pub(super) fn len(&self) -> usize {
        self.runs.len() + usize::from(self.open.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(x: i64) -> Decimal {
        Decimal::new(x, 2)
    }

    #[test]
    fn lines_breaks_and_eligibility() {
        let mut t = Track::default();
        // Falls by 0.01 a point to 0.01 at 4, ineligible from 5 on.
        for x in 0..5 {
            t.push(x, true, d(5 - x));
        }
        for x in 5..8 {
            t.push(x, false, d(0));
        }
        let runs = t.finish();
        assert_eq!(runs.len(), 2);
        assert_eq!(
            (runs[0].from, runs[0].to, runs[0].step),
            (0, 4, Some(d(-1)))
        );
        assert_eq!(runs[0].amount_at(2), Some(d(3)));
        assert_eq!((runs[1].from, runs[1].to, runs[1].eligible), (5, 7, false));
        // A jump within eligibility.
        let mut t = Track::default();
        for (x, a) in [(0, 1), (1, 2), (2, 10), (3, 11)] {
            t.push(x, true, d(a));
        }
        let runs = t.finish();
        assert_eq!(runs.len(), 2);
        assert_eq!((runs[1].from, runs[1].step), (2, Some(d(1))));
    }
}
