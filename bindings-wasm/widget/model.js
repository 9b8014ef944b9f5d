// What a form asks, read from the rule set's schemas: groups of fields and
// member collections, each field with the program whose schema holds it (the
// rule set checks the field as that program's). Two kinds of form:
//
// - one program (`programModel`): its schema as it is;
// - a household and its members (`householdModel`): every program of the
//   household entity, every program of its members' entity (answered for
//   each member), and every program of another entity whose inputs include
//   one of a member's (same name and type: the meal subsidy's diner's date
//   of birth), answered for each member as a record of that member, its
//   other inputs asked once. A field is asked when one of the programs
//   shown reads it or the input check demands it (the schemas list exactly
//   those), once, however many programs read it; a field that one program
//   alone reads is shown under that program's name (`section`).

/** The form of one program: its schema's fields and collections. */
export function programModel(schema) {
  const check = (collection) => (field) => ({ field, check: { program: schema.program, collection } });
  return {
    mode: 'program',
    program: schema.program,
    checkProgram: schema.program,
    label: schema.label,
    description: schema.description,
    programLabels: [],
    asOf: schema.as_of,
    groups: [{ name: null, legend: null, help: null, fields: schema.fields.map(check(null)) }],
    collections: schema.collections.map((c) => ({ ...c, fields: c.fields.map(check(c.name)) })),
    records: [],
    memberEntity: null,
  };
}

/**
 * The form of a household entity (`entity`, e.g. "household") with its
 * members: see the top of this file. `t` gives the widget's words in each
 * language (for the title and the record groups' help).
 */
export function householdModel(rules, entity, t) {
  const programs = rules.programs();
  const own = programs.filter((p) => p.entity === entity).map((p) => rules.schema(p.program));
  if (own.length === 0) {
    const error = new Error(`no program of the entity ${entity}`);
    error.code = 'unknown_entity';
    throw error;
  }
  const fields = new Map();
  const collections = new Map();
  for (const s of own) {
    for (const f of s.fields) addField(fields, f, { program: s.program, collection: null });
    for (const c of s.collections) {
      if (!collections.has(c.name)) collections.set(c.name, { ...c, fields: new Map() });
      for (const f of c.fields) addField(collections.get(c.name).fields, f, { program: s.program, collection: c.name });
    }
  }
  const [collection] = collections.values();
  const memberEntity = collection?.entity ?? null;
  const memberPrograms = programs.filter((p) => p.entity === memberEntity).map((p) => rules.schema(p.program));
  for (const s of memberPrograms) {
    for (const f of s.fields) addField(collection.fields, f, { program: s.program, collection: null });
  }
  const shown = [...own, ...memberPrograms];
  // A field that one program alone reads is shown under that program's name.
  markSections(fields, own.map((s) => [s.label, s.fields]));
  if (collection) {
    markSections(collection.fields, [
      ...own.map((s) => [s.label, s.collections.find((c) => c.name === collection.name)?.fields ?? []]),
      ...memberPrograms.map((s) => [s.label, s.fields]),
    ]);
  }
  const memberFields = collection ? [...collection.fields.values()].map((e) => e.field) : [];
  const records = [];
  const groups = [{ name: null, legend: null, help: null, fields: [...fields.values()] }];
  for (const p of programs) {
    if (p.entity === entity || p.entity === memberEntity) continue;
    const s = rules.schema(p.program);
    const linked = s.fields.filter((f) => memberFields.some((m) => m.name === f.name && m.type === f.type));
    if (s.collections.length > 0 || linked.length === 0) continue;
    shown.push(s);
    let record = records.find((r) => r.entity === s.entity);
    if (!record) {
      record = { entity: s.entity, linked: linked.map((f) => f.name), fields: new Map(), labels: [] };
      records.push(record);
    }
    record.labels.push(s.label);
    for (const f of s.fields) {
      if (!record.linked.includes(f.name)) addField(record.fields, f, { program: s.program, collection: null });
    }
    record.help = bilingual((lang) => t(lang).recordHelp(s.entity_label[lang], linked.map((f) => f.label[lang]).join(lang === 'zh' ? '、' : ', ')));
  }
  for (const r of records) {
    groups.push({
      name: r.entity,
      legend: bilingual((lang) => r.labels.map((l) => l[lang]).join(lang === 'zh' ? '、' : ', ')),
      help: r.help,
      fields: [...r.fields.values()],
    });
  }
  return {
    mode: 'household',
    entity,
    program: null,
    checkProgram: own[0].program,
    label: bilingual((lang) => t(lang).allTitle),
    description: bilingual((lang) => t(lang).allIntro),
    programLabels: shown.map((s) => s.label),
    asOf: own[0].as_of,
    groups,
    collections: collection ? [{ ...collection, fields: [...collection.fields.values()] }] : [],
    records: records.map(({ entity: e, linked }) => ({ entity: e, linked })),
    memberEntity: memberPrograms.length > 0 ? memberEntity : null,
  };
}

/**
 * Sets `section` (a program's label) on each entry of `entries` (a map by
 * field name) that only one of `programs` (`[label, fields]` pairs) lists,
 * when there are several programs.
 */
function markSections(entries, programs) {
  if (programs.length < 2) return;
  for (const [name, entry] of entries) {
    const listing = programs.filter(([, fields]) => fields.some((f) => f.name === name));
    if (listing.length === 1) entry.section = listing[0][0];
  }
}

/** Adds a field to a map by name, with the program to check it as; the first program's schema wins. */
function addField(map, field, check) {
  if (!map.has(field.name)) map.set(field.name, { field, check });
}

function bilingual(f) {
  return { zh: f('zh'), en: f('en') };
}
