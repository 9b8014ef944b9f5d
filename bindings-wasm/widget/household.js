// Evaluating a household and its members for every program (the form of
// model.js `householdModel`). Each answer is the engine's: the household is
// evaluated once as its entity (every household program in force), and each
// member by `memberOutcomes`. Nothing is decided here.

/**
 * The household's outcome and each member's outcomes. `input` is the
 * household case (members included), `records` the inputs asked once for
 * each record entity (`{meal: {meal_kind, …}}`). An error from a member's
 * evaluation carries `member` (its index) and `entity`, so the form can
 * place it.
 */
export function evaluateHousehold(rules, model, input, records, asOf) {
  const household = rules.evaluate(model.entity, input, asOf);
  const rows = model.collections[0] ? input[model.collections[0].name] : [];
  const members = rows.map((member, i) => {
    try {
      const cases = memberCases(model, member, records);
      return { n: i + 1, cases, outcomes: memberOutcomes(rules, cases, asOf) };
    } catch (error) {
      error.member = i;
      throw error;
    }
  });
  return { household, members };
}

/**
 * What is evaluated for one member, as `{entity, input}`: the member as its
 * entity (every program of it in force), then each record entity with the
 * record's inputs and the member's inputs it shares.
 */
export function memberCases(model, member, records) {
  const cases = model.memberEntity ? [{ entity: model.memberEntity, input: member }] : [];
  for (const { entity, linked } of model.records) {
    const input = { ...records[entity] };
    for (const name of linked) if (member[name] !== undefined) input[name] = member[name];
    cases.push({ entity, input });
  }
  return cases;
}

/**
 * The programs of one member: one outcome per case of `memberCases`. When
 * the engine answers member programs within the household's own outcome,
 * this is the one call to replace.
 */
export function memberOutcomes(rules, cases, asOf) {
  return cases.map(({ entity, input }) => {
    try {
      return rules.evaluate(entity, input, asOf);
    } catch (error) {
      error.entity = entity;
      throw error;
    }
  });
}
