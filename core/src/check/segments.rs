//! Cutting time into segments.
//!
//! Every `from` and every day after an `until`, of parameters and of dated
//! formulas, starts a new segment. Within a segment each parameter has one
//! version (derived values are computed here, once) and each computed value
//! one formula, and it is known which programs are in force and which
//! parameters each one reads.

use super::Diags;
use crate::date::Date;
use crate::diagnostic::Code;
use crate::plan::*;
use crate::run::node::{eval_node, Env};
use crate::value::Value;

/// Cuts time into segments and computes derived parameters; `spans` gives
/// each parameter's file and name, where its problems are reported.
pub(crate) fn build(
    plan: &mut Plan,
    spans: &[(usize, std::ops::Range<usize>)],
    diags: &mut Diags<'_>,
) {
    let mut cuts: Vec<Date> = Vec::new();
    for p in &plan.params {
        for v in &p.versions {
            cuts.push(v.from);
            if let Some(next) = v.until.and_then(|u| u.add_days(1)) {
                cuts.push(next);
            }
        }
    }
    for c in &plan.computeds {
        for v in &c.versions {
            cuts.extend(v.from);
            if let Some(next) = v.until.and_then(|u| u.add_days(1)) {
                cuts.push(next);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let order = param_order(plan);
    let mut segments = Vec::with_capacity(cuts.len());
    for &start in &cuts {
        let mut params = vec![Value::Missing; plan.params.len()];
        let mut param_version = vec![None; plan.params.len()];
        for &pi in &order {
            let p = &plan.params[pi];
            let Some((vi, version)) = version_at(p, start) else {
                continue;
            };
            param_version[pi] = Some(vi as u32);
            params[pi] = match &version.rule {
                ParamRule::Fixed(v) => *v,
                ParamRule::Derived(node, _) => {
                    if p.deps.iter().any(|&d| params[d] == Value::Missing) {
                        Value::Missing
                    } else {
                        let env = Env::params_only(&params, start);
                        let (file, span) = spans.get(pi).cloned().unwrap_or((usize::MAX, 0..0));
                        match eval_node(node, &env) {
                            Ok(v) => match p.misfit(v) {
                                None => v,
                                Some(problem) => {
                                    diags.help(
                                        file,
                                        span,
                                        Code::InvalidValue,
                                        format!("derived parameter `{}` on {start}: {problem}", p.name),
                                        "check the values it is derived from, and its formula's rounding",
                                    );
                                    Value::Missing
                                }
                            },
                            Err(e) => {
                                diags.help(
                                    file,
                                    span,
                                    Code::InvalidValue,
                                    format!("derived parameter `{}` cannot be computed for {start}: {e}", p.name),
                                    "the values it is derived from are too large to compute exactly",
                                );
                                Value::Missing
                            }
                        }
                    }
                }
            };
        }
        let choice: Vec<Option<u32>> = plan
            .computeds
            .iter()
            .map(|c| {
                c.versions
                    .iter()
                    .position(|v| {
                        v.from.is_none_or(|f| f <= start)
                            && v.until.is_none_or(|u| u >= start)
                            && !superseded(c, v, start)
                    })
                    .map(|i| i as u32)
            })
            .collect();
        // A computed value is in force when its formula is and everything it reads is.
        let mut in_force: Vec<Result<(), NotInForce>> = vec![Ok(()); plan.computeds.len()];
        {
            for &c in &plan.order {
                let comp = &plan.computeds[c];
                let status = if choice[c].is_none() {
                    Err(NotInForce::Formula(comp.name.to_string()))
                } else if let Some(&p) = comp
                    .param_deps
                    .iter()
                    .find(|&&p| params[p] == Value::Missing)
                {
                    Err(NotInForce::Parameter(plan.params[p].name.to_string()))
                } else if let Some(reason) = comp
                    .computed_deps
                    .iter()
                    .chain(&comp.member_computed_deps)
                    .chain(&comp.owner_computed_deps)
                    .find_map(|&d| in_force[d].clone().err())
                {
                    Err(reason)
                } else {
                    Ok(())
                };
                in_force[c] = status;
            }
        }
        let program_status = plan
            .programs
            .iter()
            .map(|p| {
                p.needed
                    .iter()
                    .find_map(|&c| in_force[c].clone().err())
                    .map_or(Ok(()), Err)
            })
            .collect();
        let program_params = plan
            .programs
            .iter()
            .map(|p| {
                let mut ps: Vec<usize> = p
                    .needed
                    .iter()
                    .flat_map(|&c| plan.computeds[c].param_deps.iter().copied())
                    .collect();
                // Close over derived parameters' inputs.
                let mut i = 0;
                while i < ps.len() {
                    let deps = plan.params[ps[i]].deps.clone();
                    for d in deps {
                        if !ps.contains(&d) {
                            ps.push(d);
                        }
                    }
                    i += 1;
                }
                ps.sort_unstable();
                ps.dedup();
                ps
            })
            .collect();
        let computed_in_force = in_force.iter().map(Result::is_ok).collect();
        segments.push(Segment {
            start,
            computed_in_force,
            params,
            param_version,
            choice,
            program_status,
            program_params,
            index: segments.len(),
        });
    }
    plan.segments = segments;
}

/// A formula without `until` runs until the next formula of the same value starts.
fn superseded(c: &Computed, v: &FormulaPlan, day: Date) -> bool {
    v.until.is_none()
        && c.versions.iter().any(|o| match (o.from, v.from) {
            (Some(of), Some(vf)) => of > vf && of <= day,
            (Some(of), None) => of <= day,
            _ => false,
        })
}

/// The version of `p` in force on `day`: an explicit `until`, or else until
/// the next version starts.
fn version_at(p: &ParamPlan, day: Date) -> Option<(usize, &ParamVersion)> {
    let (i, v) = p
        .versions
        .iter()
        .enumerate()
        .rev()
        .find(|(_, v)| v.from <= day)?;
    match v.until {
        Some(u) if u < day => None,
        _ => Some((i, v)),
    }
}

/// Parameters in an order where derived ones follow what they read.
fn param_order(plan: &Plan) -> Vec<usize> {
    let n = plan.params.len();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    // Cycles were rejected earlier; bound the passes anyway.
    for _ in 0..=n {
        for i in 0..n {
            if !done[i]
                && plan.params[i]
                    .deps
                    .iter()
                    .all(|&d| done.get(d).copied().unwrap_or(true))
            {
                done[i] = true;
                order.push(i);
            }
        }
        if order.len() == n {
            break;
        }
    }
    order
}
