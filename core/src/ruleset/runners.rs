//! Prepared evaluations kept per segment: every program of an entity, and
//! each program alone, worked out on first use and borrowed by every
//! evaluation after (a look-up by index, no allocation, no hashing).
//! Other lists of programs are prepared per call.

use crate::date::Date;
use crate::plan::Plan;
use crate::run::prepare::Prepared;
use crate::run::runner::{EvalError, Runner};
use std::sync::OnceLock;

/// One cell of the cache: `None` when the preparation failed (the error is
/// made again per call, with its date).
type Cell = OnceLock<Option<Prepared>>;

/// The prepared evaluations of every segment of a plan.
#[derive(Debug, Default)]
pub(crate) struct Runners {
    segments: Vec<SegmentRunners>,
    programs: usize,
}

#[derive(Debug, Default)]
struct SegmentRunners {
    /// Per entity: all its programs.
    all: Vec<Cell>,
    /// Per entity and program (`entity * programs + program`): that
    /// program alone.
    one: Vec<Cell>,
}

impl Runners {
    /// An empty cache for every segment of `plan`.
    pub(crate) fn new(plan: &Plan) -> Runners {
        let (entities, programs) = (plan.entities.len(), plan.programs.len());
        let cells = |n: usize| (0..n).map(|_| Cell::new()).collect();
        Runners {
            segments: plan
                .segments
                .iter()
                .map(|_| SegmentRunners {
                    all: cells(entities),
                    one: cells(entities.saturating_mul(programs)),
                })
                .collect(),
            programs,
        }
    }

    /// A runner for `programs` (all of the entity's when `None`) on cases
    /// of `entity` as of `as_of`, as [`Runner::new`] makes it.
    ///
    /// # Errors
    /// As [`Runner::new`].
    pub(crate) fn runner<'s>(
        &'s self,
        plan: &'s Plan,
        entity: usize,
        programs: Option<&[String]>,
        as_of: Date,
    ) -> Result<Runner<'s>, EvalError> {
        let Some(segment) = plan.segment_at(as_of) else {
            return Runner::new(plan, entity, programs, as_of);
        };
        let cache = self.segments.get(segment.index);
        let cell = match programs {
            None => cache.and_then(|c| c.all.get(entity)),
            Some([name]) => plan.program_index(name).and_then(|p| {
                let i = entity.checked_mul(self.programs)?.checked_add(p)?;
                cache.and_then(|c| c.one.get(i))
            }),
            Some(_) => None,
        };
        let prepared = cell.and_then(|cell| {
            cell.get_or_init(|| {
                Prepared::new(plan, entity, programs, as_of)
                    .ok()
                    .map(|(p, _)| p)
            })
            .as_ref()
        });
        match prepared {
            Some(p) if p.segment == segment.index => Ok(Runner::with(plan, segment, p, as_of)),
            _ => Runner::new(plan, entity, programs, as_of),
        }
    }
}

impl Clone for Runners {
    /// A clone starts empty (the runners are a cache).
    fn clone(&self) -> Runners {
        Runners {
            segments: self
                .segments
                .iter()
                .map(|s| SegmentRunners {
                    all: s.all.iter().map(|_| Cell::new()).collect(),
                    one: s.one.iter().map(|_| Cell::new()).collect(),
                })
                .collect(),
            programs: self.programs,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::run::runner::Runner;
    use crate::RuleSet;

    /// Every entity, all its programs and each program alone, on the first
    /// day of every segment and the day before: the cached runner is the
    /// one `Runner::new` makes, borrowed from the second call on.
    #[test]
    fn cached_runners_are_the_runners_made_per_call() {
        for dir in ["cn-qingdao-chengyang", "example-city"] {
            let rules = RuleSet::load_dir(format!("{}/../rules/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
            let plan = rules.plan();
            let names: Vec<Option<Vec<String>>> = std::iter::once(None)
                .chain(plan.programs.iter().map(|p| Some(vec![p.name.to_string()])))
                .collect();
            let mut borrowed = 0;
            for seg in &plan.segments {
                for day in [seg.start, seg.start.add_days(-1).unwrap_or(seg.start)] {
                    for e in 0..plan.entities.len() {
                        for programs in &names {
                            let programs = programs.as_deref();
                            let fresh = Runner::new(plan, e, programs, day);
                            for round in 0..2 {
                                let cached = rules.runner(e, programs, day);
                                match (&fresh, &cached) {
                                    (Ok(f), Ok(c)) => {
                                        assert_eq!(f.prepared().0, c.prepared().0);
                                        assert_eq!(f.segment.index, c.segment.index);
                                        // Prepared on the first call, borrowed after.
                                        assert!(round == 0 || c.prepared().1);
                                        borrowed += usize::from(c.prepared().1);
                                    }
                                    (Err(f), Err(c)) => assert_eq!(f, c),
                                    _ => panic!("{dir}: {day} {e} {programs:?} differ"),
                                }
                            }
                        }
                    }
                }
            }
            assert!(borrowed > 0, "{dir}: no runner was borrowed from the cache");
        }
    }
}
