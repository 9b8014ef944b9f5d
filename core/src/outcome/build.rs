//! Building an outcome from an evaluated frame and the plan's metadata.

use super::computation::Reader;
use super::model::*;
use crate::date::Date;
use crate::plan::*;
use crate::run::node::Members;
use crate::value::Value;
use std::sync::{Arc, OnceLock};

/// A frame and, for a member, its owner's frame.
type Frames<'a> = (&'a [Value], &'a [Value]);

fn ref_value(r: &Ref, frame: Frames<'_>, params: &[Value], as_of: Date, plan: &Plan) -> OutValue {
    let v = match r.target {
        RefTarget::Param(p) => params.get(p).copied().unwrap_or_default(),
        RefTarget::Slot(s) => frame.0.get(s).copied().unwrap_or_default(),
        RefTarget::Owner(s) => frame.1.get(s).copied().unwrap_or_default(),
        RefTarget::AsOf => Value::Date(as_of),
    };
    OutValue::of(v, &r.ty, plan)
}

/// A placeholder's value as a sentence shows it: an input's whole number
/// with a reading as its words ("二级"), anything else as its value.
fn shown_value(r: &Ref, frame: Frames<'_>, params: &[Value], as_of: Date, plan: &Plan) -> OutValue {
    let value = ref_value(r, frame, params, as_of, plan);
    let reading = value
        .decimal()
        .filter(|d| d.fract().is_zero())
        .and_then(|d| i64::try_from(d.trunc()).ok())
        .and_then(|n| r.readings.iter().find(|(k, _)| *k == n));
    match reading {
        Some((n, text)) => OutValue::Choice(n.to_string(), text.clone()),
        None => value,
    }
}

fn fill<'a>(
    parts: &'a [TemplatePart],
    frame: Frames<'a>,
    params: &'a [Value],
    as_of: Date,
    plan: &'a Plan,
) -> impl Iterator<Item = OutValue> + 'a {
    parts.iter().filter_map(move |p| match p {
        TemplatePart::Lit(_) => None,
        TemplatePart::Ref(r) => Some(shown_value(r, frame, params, as_of, plan)),
    })
}

/// Number of placeholders of a template.
fn refs(parts: &[TemplatePart]) -> usize {
    parts
        .iter()
        .filter(|p| matches!(p, TemplatePart::Ref(_)))
        .count()
}

/// An assumption with the computed boolean saying whether it applies to a
/// case (none: always).
type Applying = (Assumption, Option<usize>);

/// The assumptions program `pi` rests on in `segment`: parameters in force
/// whose version is an assumption, and formulas it needs that are, sorted;
/// each with the boolean saying whether it applies to a case (none: always).
fn program_assumptions(plan: &Plan, segment: &Segment, pi: usize) -> Vec<Applying> {
    let Some(p) = plan.programs.get(pi) else {
        return Vec::new();
    };
    let used = segment
        .program_params
        .get(pi)
        .map_or(&[][..], Vec::as_slice);
    let mut assumptions: Vec<Applying> = used
        .iter()
        .filter_map(|&q| {
            let v = segment.param_version[q]?;
            let version = plan.params[q].versions.get(v as usize)?;
            (version.status == Status::Assumption).then(|| {
                let a = Assumption {
                    kind: "parameter",
                    name: plan.params[q].name.clone(),
                    note: version.citation.note.clone().unwrap_or_default(),
                    label: plan.params[q].label.clone(),
                };
                (a, None)
            })
        })
        .collect();
    for &c in &p.needed {
        if let Some(note) = &plan.computeds[c].assumption {
            let comp = &plan.computeds[c];
            let owner = comp.program.map_or_else(
                || plan.entities[comp.entity].name.clone(),
                |o| plan.programs[o].name.to_string(),
            );
            let a = Assumption {
                kind: "formula",
                name: format!("{owner}.{}", comp.name).into(),
                note: note.clone(),
                label: match comp.program.and_then(|o| plan.programs.get(o)) {
                    Some(prog) => Text {
                        zh: format!("{} · {}", prog.label.zh, comp.label.zh).into(),
                        en: format!("{} · {}", prog.label.en, comp.label.en).into(),
                    },
                    None => comp.label.clone(),
                },
            };
            assumptions.push((a, comp.assumption_when));
        }
    }
    assumptions.sort();
    assumptions.dedup();
    // Under a reform, the reform first: it bears on everything else.
    if let Some(r) = &plan.header.reform {
        assumptions.insert(0, (Assumption::reform(r), None));
    }
    assumptions
}

/// The days parameter `q`'s value holds in `segment`: its version's dates,
/// narrowed for a derived parameter to the days every parameter it reads
/// keeps its value (the version it was computed in).
fn value_span(
    plan: &Plan,
    segment: &Segment,
    q: usize,
    depth: usize,
) -> Option<(Date, Option<Date>)> {
    let param = plan.params.get(q)?;
    let v = (*segment.param_version.get(q)?)?;
    let version = param.versions.get(v as usize)?;
    let mut from = version.from;
    let mut until = version.until.or_else(|| {
        param
            .versions
            .get(v as usize + 1)
            .and_then(|n| n.from.add_days(-1))
    });
    if matches!(version.rule, ParamRule::Derived(..)) && depth < 64 {
        for &d in &param.deps {
            if let Some((f, u)) = value_span(plan, segment, d, depth + 1) {
                from = from.max(f);
                until = match (until, u) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
    }
    Some((from, until))
}

/// How outcomes report each parameter in force in `segment`.
fn parameter_uses(plan: &Plan, segment: &Segment) -> Vec<Option<Arc<ParameterUse>>> {
    let params = &segment.params;
    let reader = Reader {
        plan,
        entity: usize::MAX,
        frame: &[],
        owner: None,
        collections: &[],
        params,
        versions: &segment.param_version,
        as_of: segment.start,
    };
    (0..plan.params.len())
        .map(|q| {
            let param = &plan.params[q];
            let v = segment.param_version[q]?;
            let version = param.versions.get(v as usize)?;
            let (from, until) = value_span(plan, segment, q, 0)?;
            Some(Arc::new(ParameterUse {
                formula_words: match &version.rule {
                    ParamRule::Derived(node, _) => Some(reader.words(node)),
                    ParamRule::Fixed(_) => None,
                },
                name: param.name.clone(),
                label: param.label.clone(),
                value: OutValue::of(params[q], &param.ty, plan),
                unit: param.unit.clone(),
                unit_label: param.unit.as_ref().map(|u| plan.unit_text(u)),
                status: version.status,
                from,
                from_assumed: version.from_assumed,
                until,
                formula: match &version.rule {
                    ParamRule::Derived(_, text) => Some(text.clone()),
                    ParamRule::Fixed(_) => None,
                },
                citation: version.citation.clone(),
            }))
        })
        .collect()
}

/// What outcomes report of each segment, built on first use and shared by
/// every outcome of the rule set: per parameter, how it is reported (value,
/// version, source); per program, the assumptions it rests on.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    segments: Vec<SegmentReports>,
}

#[derive(Debug, Default)]
struct SegmentReports {
    uses: OnceLock<Vec<Option<Arc<ParameterUse>>>>,
    /// Per program, its assumptions, each with the boolean saying whether
    /// it applies to a case (none: always).
    notes: OnceLock<Vec<Vec<Applying>>>,
}

impl Reports {
    /// How outcomes report each parameter in `segment` (built on first use).
    pub(crate) fn uses(&self, plan: &Plan, segment: &Segment) -> &[Option<Arc<ParameterUse>>] {
        match self.segments.get(segment.index) {
            Some(cache) => cache.uses.get_or_init(|| parameter_uses(plan, segment)),
            None => &[],
        }
    }

    /// Empty reports for every segment of `plan`.
    pub(crate) fn new(plan: &Plan) -> Reports {
        Reports {
            segments: plan
                .segments
                .iter()
                .map(|_| SegmentReports::default())
                .collect(),
        }
    }
}

impl Clone for Reports {
    /// A clone starts empty (the reports are a cache).
    fn clone(&self) -> Reports {
        Reports {
            segments: self
                .segments
                .iter()
                .map(|_| SegmentReports::default())
                .collect(),
        }
    }
}

/// What one program's outcome is read from: the plan, the segment and the
/// frames of the case (or of one member, with its owner's).
struct Scene<'a> {
    plan: &'a Plan,
    segment: &'a Segment,
    cache: &'a SegmentReports,
    entity: usize,
    frame: &'a [Value],
    owner: Option<(usize, &'a [Value])>,
    collections: &'a [Members<'a>],
    as_of: Date,
}

impl Scene<'_> {
    fn program(&self, pi: usize) -> ProgramOutcome {
        let (plan, segment, frame, as_of) = (self.plan, self.segment, self.frame, self.as_of);
        let frames: Frames<'_> = (frame, self.owner.map_or(&[][..], |(_, f)| f));
        let params = &segment.params;
        let p = &plan.programs[pi];
        let reader = Reader {
            plan,
            entity: self.entity,
            frame,
            owner: self.owner,
            collections: self.collections,
            params,
            versions: &segment.param_version,
            as_of,
        };
        // A boolean only explanations read, computed here (evaluations
        // leave them out).
        let holds = |c: usize| reader.holds(c, segment.choice.get(c).copied().flatten());
        let get = |c: usize| {
            let comp = &plan.computeds[c];
            OutValue::of(
                frame.get(comp.slot).copied().unwrap_or_default(),
                &comp.ty,
                plan,
            )
        };
        let values = p
            .values
            .iter()
            .map(|&c| NamedValue {
                name: plan.computeds[c].name.clone(),
                label: plan.computeds[c].label.clone(),
                value: get(c),
            })
            .collect();
        let conditions = p
            .conditions
            .iter()
            .map(|cond| {
                let passed = frame
                    .get(plan.computeds[cond.computed].slot)
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                let (default, cases) = if passed {
                    (&cond.pass, &cond.pass_cases)
                } else {
                    (&cond.fail, &cond.fail_cases)
                };
                // The first sentence whose `when` holds, else the last.
                let parts = cases
                    .iter()
                    .find(|(w, _)| holds(*w))
                    .map_or(default, |(_, t)| t);
                ConditionOutcome {
                    id: cond.id.clone(),
                    label: cond.label.clone(),
                    passed,
                    reject: cond.reject.clone(),
                    template: parts.clone(),
                    filled_zh: refs(&parts[0]),
                    filled: {
                        let mut v = Vec::with_capacity(refs(&parts[0]) + refs(&parts[1]));
                        v.extend(fill(&parts[0], frames, params, as_of, plan));
                        v.extend(fill(&parts[1], frames, params, as_of, plan));
                        v
                    },
                    compared: cond
                        .refs
                        .iter()
                        .map(|r| NamedValue {
                            name: r.name.clone(),
                            label: r.label.clone(),
                            value: ref_value(r, frames, params, as_of, plan),
                        })
                        .collect(),
                }
            })
            .collect();
        let used = &segment.program_params[pi];
        let notes = self.cache.notes.get_or_init(|| {
            (0..plan.programs.len())
                .map(|pi| program_assumptions(plan, segment, pi))
                .collect()
        });
        let assumptions = notes.get(pi).map_or_else(Vec::new, |list| {
            list.iter()
                .filter(|(_, when)| when.is_none_or(holds))
                .map(|(a, _)| a.clone())
                .collect()
        });
        let amount_unit = p.amount_unit.as_ref().map(|u| plan.unit_text(u));
        let eligible = frame
            .get(plan.computeds[p.eligible].slot)
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let rows = if plan.tables.is_empty() {
            Vec::new()
        } else {
            reader.rows_applied(&p.needed, &segment.choice)
        };
        ProgramOutcome {
            rows,
            program: p.name.clone(),
            label: p.label.clone(),
            eligible,
            amount: p.amount.map(get),
            values,
            conditions,
            parameters: used.iter().map(|&q| plan.params[q].name.clone()).collect(),
            assumptions,
            amount_unit: amount_unit.clone(),
            // Only a paid amount is explained: an amount of a program
            // whose conditions fail is zero, and reading its formula
            // back would cost every case for nothing.
            computation: p.amount.filter(|_| eligible).and_then(|a| {
                let unit = amount_unit.clone().unwrap_or_else(|| Text {
                    zh: "元".into(),
                    en: "yuan".into(),
                });
                reader.computation(a, segment.choice.get(a).copied().flatten(), &unit)
            }),
        }
    }
}

impl Outcome {
    /// Builds the outcome of an evaluated frame: the case's programs, and
    /// the member programs of each member.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        plan: &Plan,
        reports: &Reports,
        segment: &Segment,
        entity: usize,
        (programs, member_programs): (&[usize], &[(usize, Vec<usize>)]),
        (frame, members): (&[Value], &[(usize, Vec<Value>)]),
        as_of: Date,
    ) -> Outcome {
        let collections: Vec<Members<'_>> = members
            .iter()
            .map(|(stride, data)| Members {
                stride: *stride,
                data,
            })
            .collect();
        let fallback = SegmentReports::default();
        let cache = reports.segments.get(segment.index).unwrap_or(&fallback);
        let mut all_params: Vec<usize> = Vec::new();
        let mut all_assumptions: Vec<Assumption> = Vec::new();
        let mut note = |pi: usize, out: &ProgramOutcome| {
            if let Some(used) = segment.program_params.get(pi) {
                all_params.extend(used.iter().copied());
            }
            all_assumptions.extend(out.assumptions.iter().cloned());
        };
        let scene = Scene {
            plan,
            segment,
            cache,
            entity,
            frame,
            owner: None,
            collections: &collections,
            as_of,
        };
        let mut outs = Vec::with_capacity(programs.len());
        for &pi in programs {
            let out = scene.program(pi);
            note(pi, &out);
            outs.push(out);
        }
        let mut member_outs: Vec<MemberOutcome> = Vec::new();
        for (coll, progs) in member_programs {
            let (Some(view), Some(c)) = (
                collections.get(*coll),
                plan.entities
                    .get(entity)
                    .and_then(|e| e.collections.get(*coll)),
            ) else {
                continue;
            };
            for index in 0..view.len() {
                let scene = Scene {
                    plan,
                    segment,
                    cache,
                    entity: c.entity,
                    frame: view.frame(index),
                    owner: Some((entity, frame)),
                    collections: &[],
                    as_of,
                };
                let programs: Vec<ProgramOutcome> = progs
                    .iter()
                    .map(|&pi| {
                        let out = scene.program(pi);
                        note(pi, &out);
                        out
                    })
                    .collect();
                member_outs.push(MemberOutcome {
                    collection: c.name.as_str().into(),
                    collection_label: c.label.clone(),
                    index,
                    programs,
                });
            }
        }
        all_params.sort_unstable();
        all_params.dedup();
        all_assumptions.sort();
        all_assumptions.dedup();
        // The reform first: it bears on everything else.
        if let Some(i) = all_assumptions.iter().position(|a| a.kind == "reform") {
            let r = all_assumptions.remove(i);
            all_assumptions.insert(0, r);
        }
        let uses = cache.uses.get_or_init(|| parameter_uses(plan, segment));
        let parameters = all_params
            .into_iter()
            .filter_map(|q| uses.get(q).cloned().flatten())
            .collect();
        Outcome {
            ruleset: RuleSetStamp {
                id: plan.header.id.clone(),
                version: plan.header.version.clone(),
                hash: plan.header.hash.clone(),
                reform: plan.header.reform.clone(),
            },
            as_of,
            entity: plan.entities[entity].name.clone(),
            programs: outs,
            members: member_outs,
            parameters,
            assumptions: all_assumptions,
            not_in_force: Vec::new(),
            staleness: staleness(plan.header.reviewed, as_of),
        }
    }
}
