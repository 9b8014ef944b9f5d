//! The compiled plan's encoding: one line per record and variant.
//!
//! Adding a field to a plan type means adding its name here; adding a
//! variant means adding it with the next free tag. Tags are never reused:
//! a bundle written by an older engine decodes the same way, and
//! [`super::FORMAT_VERSION`] goes up when a record's fields change.

use super::codec::{record, variants};
use crate::money::RoundingMode;
use crate::plan::{
    AggKind, Arith, Citation, Cmp, CollectionPlan, Computed, ComputedKind, ConditionPlan, DatePart,
    EntityPlan, EnumPlan, FormulaPlan, Header, InputPlan, Node, NotInForce, ParamPlan, ParamRule,
    ParamVersion, Plan, ProgramPlan, Ref, RefTarget, RowPlan, Segment, SettlementPlan, Status,
    TablePlan, TemplatePart, Text,
};
use crate::value::{Type, Value};

record!(Text { zh, en });
record!(Citation {
    source_id,
    document,
    date,
    quote,
    note
});
record!(Header {
    id,
    version,
    label,
    hash,
    reform,
    reviewed
});
record!(EnumPlan {
    name,
    label,
    variants
});
record!(ParamPlan {
    name,
    ty,
    unit,
    label,
    versions,
    deps,
    integer,
    min,
    max
});
record!(ParamVersion {
    from,
    until,
    rule,
    status,
    from_assumed,
    citation
});
record!(TablePlan {
    name,
    label,
    rows,
    default,
    citation
});
record!(RowPlan {
    lo,
    hi,
    output,
    label,
    citation
});
record!(InputPlan {
    name,
    ty,
    integer,
    unit,
    min,
    max,
    not_after_as_of,
    max_age,
    default,
    readings,
    label,
    help,
    what_if,
});
record!(CollectionPlan {
    name,
    entity,
    min,
    max,
    label
});
record!(EntityPlan {
    name,
    label,
    inputs,
    collections,
    n_slots,
    value_order,
    order
});
record!(Computed {
    name,
    entity,
    program,
    slot,
    kind,
    ty,
    label,
    versions,
    param_deps,
    computed_deps,
    input_deps,
    member_input_deps,
    member_computed_deps,
    owner_input_deps,
    owner_computed_deps,
    assumption,
    assumption_when,
    rounding,
});
record!(FormulaPlan {
    from,
    until,
    node,
    text
});
record!(Ref {
    name,
    label,
    target,
    ty,
    readings
});
record!(ConditionPlan {
    id,
    computed,
    reject,
    label,
    pass,
    fail,
    pass_cases,
    fail_cases,
    refs
});
record!(SettlementPlan {
    date,
    person,
    unique,
    person_inputs
});
record!(ProgramPlan {
    name,
    entity,
    label,
    description,
    citation,
    values,
    conditions,
    eligible,
    amount,
    amount_unit,
    needed,
    inputs,
    member_inputs,
    settlement,
    per_member,
    part_of,
});
record!(Segment {
    start,
    params,
    param_version,
    choice,
    computed_in_force,
    program_status,
    program_params,
    index,
});
record!(Plan {
    header,
    enums,
    params,
    tables,
    entities,
    computeds,
    programs,
    segments,
    units,
    order
});

variants!(Status { 0 => Published, 1 => Derived, 2 => Assumption });
variants!(ParamRule { 0 => Fixed(v), 1 => Derived(node, text) });
variants!(ComputedKind {
    0 => EntityValue, 1 => ProgramValue, 2 => Condition, 3 => Eligible, 4 => Amount, 5 => Note,
});
variants!(RefTarget { 0 => Param(i), 1 => Slot(i), 2 => AsOf, 3 => Owner(i) });
variants!(TemplatePart { 0 => Lit(s), 1 => Ref(r) });
variants!(NotInForce { 0 => Parameter(name), 1 => Formula(name) });
variants!(AggKind { 0 => Sum, 1 => Count, 2 => Any, 3 => All, 4 => Min, 5 => Max });
variants!(Arith { 0 => Add, 1 => Sub, 2 => Mul, 3 => Div });
variants!(Cmp { 0 => Lt, 1 => Le, 2 => Gt, 3 => Ge, 4 => Eq, 5 => Ne });
variants!(RoundingMode { 0 => Up, 1 => Down, 2 => HalfUp, 3 => HalfEven });
variants!(Type { 0 => Money, 1 => Number(unit), 2 => Bool, 3 => Date, 4 => Enum(i) });
variants!(Value { 0 => Num(d), 1 => Bool(b), 2 => Date(d), 3 => Enum(i), 4 => Missing });
variants!(Node {
    0 => Const(v),
    1 => Param(i),
    2 => Slot(i),
    3 => MemberSlot(i),
    4 => AsOf,
    5 => Neg(a),
    6 => Not(a),
    7 => Arith(op, a, b),
    8 => Cmp(op, a, b),
    9 => And(a, b),
    10 => Or(a, b),
    11 => If(c, a, b),
    12 => In(a, items),
    13 => Min(items),
    14 => Max(items),
    15 => Round(mode, unit, a),
    16 => Age(a),
    17 => Agg(kind, collection, body),
    18 => Table(t, key),
    19 => AllSlots(slots),
    20 => IfEligible(slot, a),
    21 => OwnerSlot(i),
    22 => DatePart(part, a),
});
variants!(DatePart { 0 => Year, 1 => Month, 2 => Day });
