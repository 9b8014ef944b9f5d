// The WASM package's own surface: loading, schemas, explanations, and errors.
// Every error must be a JS Error named BangfuError with a stable `code`, a
// `loc` and the list of `errors`; and no input, however broken, may kill the
// module (a Rust panic would surface as a WebAssembly RuntimeError and leave
// the instance unusable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleSet, LeanRuleSet, loadRuleSet, bundleBytes } from './wasm-package.mjs';

const rules = loadRuleSet('rules/cn-qingdao-chengyang');
const ON = '2023-09-06';
const household = () => ({
  registered_locally: true,
  financial_assets: '10000',
  members: [
    { birth_date: '1980-01-01', monthly_income: '800' },
    { birth_date: '1982-05-01', monthly_income: '800' },
    { birth_date: '2010-03-01', monthly_income: '800' },
  ],
});

/** Runs `f`, which must throw a BangfuError; returns it. */
function bangfuError(f) {
  try {
    f();
  } catch (error) {
    assert.ok(error instanceof Error, `not an Error: ${error}`);
    assert.equal(error.name, 'BangfuError', `${error.name}: ${error.message}`);
    assert.equal(typeof error.code, 'string');
    assert.equal(typeof error.loc, 'string');
    assert.ok(Array.isArray(error.errors) && error.errors.length > 0);
    for (const e of error.errors) {
      assert.equal(typeof e.code, 'string');
      assert.equal(typeof e.loc, 'string');
      assert.equal(typeof e.msg, 'string');
    }
    return error;
  }
  assert.fail('expected a BangfuError');
}

test('identity: id, version and content hash', () => {
  assert.equal(rules.id, 'cn-qingdao-chengyang');
  assert.match(rules.version, /^\d{4}\.\d+/);
  assert.match(rules.hash, /^sha256:[0-9a-f]{64}$/);
});

test('programs lists the seed programs with their entities', () => {
  const byName = Object.fromEntries(rules.programs().map((p) => [p.program, p]));
  assert.equal(byName.dibao.entity, 'household');
  assert.equal(byName.tekun.entity, 'person');
  assert.equal(byName.meal_subsidy.entity, 'meal');
  assert.equal(typeof byName.dibao.label.zh, 'string');
});

test('schema: types, ranges as decimal strings, labels in both languages, enums, members', () => {
  const dibao = rules.schema('dibao');
  const assets = dibao.fields.find((f) => f.name === 'financial_assets');
  assert.equal(assets.type, 'money');
  assert.equal(assets.min, '0');
  assert.ok(assets.label.zh && assets.label.en && assets.help.zh && assets.help.en);
  const members = dibao.collections.find((c) => c.name === 'members');
  assert.ok(members.min >= 1 && members.max >= members.min);
  const income = members.fields.find((f) => f.name === 'monthly_income');
  assert.equal(income.type, 'money');
  assert.equal(income.required, true);
  // Dibao reads no birth date: the field is listed, unused and not required.
  const unused = members.fields.find((f) => f.name === 'birth_date');
  assert.deepEqual([unused.used, unused.required], [false, false]);
  const birth = rules.schema('tekun').fields.find((f) => f.name === 'birth_date');
  assert.equal(birth.type, 'date');
  assert.equal(birth.required, true);
  const tekun = rules.schema('tekun');
  const kind = tekun.fields.find((f) => f.name === 'disability_kind');
  assert.equal(kind.type, 'enum');
  assert.ok(kind.choices.some((c) => c.id === 'none' && c.label.zh));
  assert.equal(tekun.fields.find((f) => f.name === 'disability_grade').type, 'integer');
  const e = bangfuError(() => rules.schema('housing_subsidy'));
  assert.deepEqual([e.code, e.loc], ['unknown_program', 'program']);
});

test('schema: messages for every problem of every field, in both languages; units; the evaluation date', () => {
  for (const { program } of rules.programs()) {
    const s = rules.schema(program);
    const fields = [s.as_of, ...s.fields, ...s.collections.flatMap((c) => c.fields)];
    for (const f of fields) {
      assert.ok(Object.keys(f.messages).length > 0, `${program}.${f.name}`);
      if (f.required) assert.ok(f.messages.missing, `${program}.${f.name}: missing`);
      for (const [code, text] of Object.entries(f.messages)) {
        assert.ok(text.zh && text.en, `${program}.${f.name}: ${code}`);
      }
    }
  }
  const dibao = rules.schema('dibao');
  assert.deepEqual(dibao.amount_unit_label, { zh: '元', en: 'yuan' });
  assert.deepEqual(dibao.as_of.messages.invalid_date, {
    zh: '请输入完整、有效的日期（年-月-日）。',
    en: 'Enter a complete, valid date (year-month-day).',
  });
  const income = dibao.collections[0].fields.find((f) => f.name === 'monthly_income');
  assert.deepEqual(income.unit_label, { zh: '元', en: 'yuan' });
  assert.deepEqual(income.messages.too_small, { zh: '不能小于 0。', en: 'Must be at least 0.' });
  const months = rules.schema('canteen_operating_grant').fields.find((f) => f.name === 'months_operated_in_year');
  assert.deepEqual([months.integer, months.unit_label.zh, months.messages.too_large.en], [true, '个月', 'Must be at most 12.']);
});

test('checkField: the core check of one field as typed, with the message in the language asked for', () => {
  const check = (collection, field, raw, lang) => rules.checkField('dibao', collection, field, raw, ON, lang);
  assert.equal(check(null, 'financial_assets', '10000.50'), null);
  assert.deepEqual(check(null, 'financial_assets', '12.345', 'en'), {
    code: 'invalid_money',
    message: 'Enter an amount such as 1045 or 1045.50 (at most two decimals).',
  });
  assert.deepEqual(check('members', 'monthly_income', '-1'), { code: 'too_small', message: '不能小于 0。' });
  assert.deepEqual(check('members', 'monthly_income', '-1', 'en'), { code: 'too_small', message: 'Must be at least 0.' });
  assert.equal(check(null, 'financial_assets', '').code, 'missing');
  assert.equal(check(null, 'registered_locally', 'true'), null);
  assert.deepEqual(check(null, 'registered_locally', ''), { code: 'missing', message: '请选择“是”或“否”。' });
  assert.equal(check(null, 'registered_locally', 'yes').code, 'wrong_type');
  // The evaluation date fills in the messages that depend on it, and is a field itself.
  assert.deepEqual(check('members', 'birth_date', '2030-01-01', 'en'), {
    code: 'date_after_as_of',
    message: `Cannot be after the date of the check, ${ON}.`,
  });
  assert.equal(check('members', 'birth_date', '1850-01-01').message, '按此日期，年龄超过 150 岁，请检查。');
  assert.equal(rules.checkField('dibao', 'members', 'birth_date', '2030-01-01', null), null, 'no date: no check against it');
  assert.equal(rules.checkField('dibao', 'members', 'birth_date', '2030-01-01'), null);
  assert.equal(check(null, 'as_of', '2023-02-29').code, 'invalid_date');
  assert.equal(check(null, 'as_of', ON), null);
  const tekun = (field, raw) => rules.checkField('tekun', null, field, raw, ON, 'en');
  assert.equal(tekun('disability_kind', 'nope').code, 'unknown_choice');
  assert.equal(tekun('disability_grade', '1.5').message, 'Enter a whole number.');
  assert.equal(tekun('disability_grade', 'abc').message, 'Enter a whole number such as 3.');
  assert.equal(tekun('disability_grade', '', 'en'), null, 'a field with a default may be left empty');
});

test('checkField agrees with evaluate on the same text', () => {
  const values = ['', '0', '800', '-1', '1.5', '12.345', '1,000', '8e2', '１０００', 'abc', '2030-01-01', '1850-01-01', '1980-02-30', '1980-01-01'];
  for (const raw of values) {
    for (const [collection, field] of [[null, 'financial_assets'], ['members', 'monthly_income'], ['members', 'birth_date']]) {
      const input = household();
      const target = collection ? input.members[0] : input;
      if (raw === '') delete target[field];
      else target[field] = raw;
      let fromEvaluate = null;
      try {
        rules.evaluate('dibao', input, ON);
      } catch (error) {
        const loc = collection ? `${collection}[0].${field}` : field;
        fromEvaluate = error.errors.find((e) => e.loc === loc)?.code ?? null;
      }
      assert.equal(rules.checkField('dibao', collection, field, raw, ON)?.code ?? null, fromEvaluate, `${field} = ${JSON.stringify(raw)}`);
    }
  }
});

test('checkField: arguments of the wrong JS type, unknown names and bad dates throw BangfuError', () => {
  const cases = [
    [() => rules.checkField(5, null, 'financial_assets', '1', ON), 'wrong_type', 'program'],
    [() => rules.checkField('dibao', 5, 'monthly_income', '1', ON), 'wrong_type', 'collection'],
    [() => rules.checkField('dibao', null, null, '1', ON), 'wrong_type', 'field'],
    [() => rules.checkField('dibao', null, 'financial_assets', 1000, ON), 'wrong_type', 'raw'],
    [() => rules.checkField('dibao', null, 'financial_assets', undefined, ON), 'wrong_type', 'raw'],
    [() => rules.checkField('dibao', null, 'registered_locally', true, ON), 'wrong_type', 'raw'],
    [() => rules.checkField('dibao', null, 'financial_assets', '1', 20230906), 'wrong_type', 'date'],
    [() => rules.checkField('dibao', null, 'financial_assets', '1', ON, 1), 'wrong_type', 'lang'],
    [() => rules.checkField('dibao', null, 'financial_assets', '1', { on: ON }), 'wrong_type', 'date'],
    [() => rules.checkField(), 'wrong_type', 'program'],
    [() => rules.checkField('housing', null, 'x', '1', ON), 'unknown_program', 'program'],
    [() => rules.checkField('dibao', null, 'hukou', '1', ON), 'unknown_field', 'hukou'],
    [() => rules.checkField('dibao', 'pets', 'name', '1', ON), 'unknown_field', 'pets.name'],
    [() => rules.checkField('dibao', 'members', 'as_of', ON, ON), 'unknown_field', 'members.as_of'],
    [() => rules.checkField('dibao', null, 'financial_assets', '1', '2023-02-30'), 'invalid_date', 'date'],
    [() => rules.checkField('dibao', null, 'financial_assets', '1', ON, 'fr'), 'invalid_lang', 'lang'],
  ];
  for (const [f, code, loc] of cases) {
    const e = bangfuError(f);
    assert.deepEqual([e.code, e.loc], [code, loc], e.message);
  }
  // Any text at all is checked, never a crash.
  for (const raw of ['\u0000', '😀', 'x'.repeat(5000), '1'.repeat(45), '-', '.', '9999-12-31', '0000-00-00']) {
    for (const field of ['financial_assets', 'registered_locally', 'as_of']) {
      const got = rules.checkField('dibao', null, field, raw, ON, 'zh');
      assert.ok(got === null || (typeof got.code === 'string' && typeof got.message === 'string'));
    }
  }
});

test('evaluate by program, by entity and explicitly; money as exact strings', () => {
  const one = rules.evaluate('dibao', household(), ON);
  assert.deepEqual(Object.keys(one.programs), ['dibao']);
  assert.equal(one.programs.dibao.amount, '735.00');
  assert.equal(one.programs.dibao.eligible, true);
  const all = rules.evaluate('household', household(), ON);
  assert.ok(Object.keys(all.programs).length > 1);
  const explicit = rules.evaluate({ entity: 'household', programs: ['dibao'] }, JSON.stringify(household()), ON);
  assert.deepEqual(explicit, one);
  const dibaoStandard = one.parameters.dibao_standard;
  assert.equal(dibaoStandard.value, '1045');
  assert.equal(dibaoStandard.status, 'published');
  assert.ok(dibaoStandard.source.document);
  assert.ok(one.assumptions.length > 0, 'the dibao rounding is an assumption');
  assert.equal(one.ruleset.hash, rules.hash);
});

test('explanations in Chinese and English', () => {
  const zh = rules.explain('dibao', household(), ON, 'zh');
  const en = rules.explain('dibao', household(), ON, 'en');
  assert.match(zh, /家庭人均月收入 800 元低于低保标准 1045 元/);
  assert.match(en, /Per-capita monthly income 800 yuan is below the dibao standard of 1045 yuan/);
  assert.equal(rules.explain('dibao', household(), ON), zh, 'Chinese by default');
  const withText = rules.evaluate('dibao', household(), ON, 'en');
  assert.equal(withText.explanation, en);
  const c = withText.programs.dibao.conditions.find((x) => x.id === 'income_below_standard');
  assert.equal(c.explanation.zh, '家庭人均月收入 800 元低于低保标准 1045 元');
});

test('reforms: overrides change the answer and the hash', () => {
  const reform = rules.withOverrides({ dibao_standard: '1100' });
  assert.equal(reform.evaluate('dibao', household(), ON).programs.dibao.amount, '900.00');
  assert.notEqual(reform.hash, rules.hash);
  assert.match(reform.version, /\+reform$/);
  const unknown = bangfuError(() => rules.withOverrides({ no_such_parameter: '1' }));
  assert.deepEqual([unknown.code, unknown.loc], ['invalid_reform', 'overrides.no_such_parameter']);
  const e = bangfuError(() => rules.withOverrides({ dibao_standard: [1] }));
  assert.deepEqual([e.code, e.loc], ['invalid_reform', 'overrides.dibao_standard']);
  const bad = bangfuError(() => rules.withOverrides({ dibao_standard: 'abc' }));
  assert.deepEqual([bad.code, bad.loc], ['invalid_reform', 'overrides.dibao_standard']);
});

test('input errors: every problem, each with its code and path', () => {
  const bad = household();
  bad.financial_assets = '1.001';
  bad.members[1].monthly_income = '-5';
  bad.members[2].birth_date = '2023-02-29';
  const e = bangfuError(() => rules.evaluate('dibao', bad, ON));
  assert.equal(e.code, 'invalid_money');
  assert.equal(e.loc, 'financial_assets');
  const got = e.errors.map((x) => `${x.code}@${x.loc}`).sort();
  assert.deepEqual(got, ['invalid_date@members[2].birth_date', 'invalid_money@financial_assets', 'too_small@members[1].monthly_income']);
  assert.equal(e.errors.find((x) => x.loc === 'financial_assets').input, '1.001');
});

test('argument errors name the argument', () => {
  const cases = [
    [() => rules.evaluate('dibao', household(), '2023-02-30'), 'invalid_date', 'date'],
    [() => rules.evaluate('dibao', household(), 'yesterday'), 'invalid_date', 'date'],
    [() => rules.evaluate('dibao', household(), ON, 'fr'), 'invalid_lang', 'lang'],
    [() => rules.explain('dibao', household(), ON, 'de'), 'invalid_lang', 'lang'],
    [() => rules.evaluate('housing', household(), ON), 'unknown_program', 'program'],
    [() => rules.evaluate({ programs: ['dibao'] }, household(), ON), 'wrong_type', 'target'],
    [() => rules.evaluate({ entity: 'household', programs: 'dibao' }, household(), ON), 'wrong_type', 'target'],
    [() => rules.evaluate({ entity: 'household', programs: ['canteen_setup_grant'] }, household(), ON), 'wrong_entity', 'program'],
    [() => rules.evaluate({ entity: 'hamlet' }, household(), ON), 'unknown_entity', 'entity'],
    [() => rules.evaluate('dibao', '{"registered_locally": tru', ON), 'invalid_json', 'input'],
    [() => rules.evaluate('dibao', undefined, ON), 'wrong_type', 'input'],
    [() => rules.evaluate('dibao', household(), '2016-01-01'), 'no_rules_in_force', 'date'],
    [() => rules.evaluate('dibao', household(), 20230906), 'wrong_type', 'date'],
    [() => rules.evaluate('dibao', household()), 'wrong_type', 'date'],
    [() => rules.evaluate('dibao', household(), ON, 1), 'wrong_type', 'lang'],
    [() => rules.explain('dibao', household(), new Date()), 'wrong_type', 'date'],
    [() => rules.explain('dibao', household(), ON, ['en']), 'wrong_type', 'lang'],
    [() => rules.schema(5), 'wrong_type', 'program'],
    [() => rules.schema(), 'wrong_type', 'program'],
  ];
  for (const [f, code, loc] of cases) {
    const e = bangfuError(f);
    assert.deepEqual([e.code, e.loc], [code, loc], e.message);
  }
});

test('numbers a JavaScript number cannot hold exactly are refused where they are; text keeps every digit', () => {
  const big = household();
  big.financial_assets = 2 ** 53 + 2;
  big.members[1].monthly_income = -1e300;
  const e = bangfuError(() => rules.evaluate('dibao', big, ON));
  assert.deepEqual([e.code, e.loc], ['unsafe_number', 'financial_assets'], e.message);
  const members = household();
  members.members[1].monthly_income = -1e300;
  assert.deepEqual(
    [bangfuError(() => rules.evaluate('dibao', members, ON)).code, bangfuError(() => rules.evaluate('dibao', members, ON)).loc],
    ['unsafe_number', 'members[1].monthly_income'],
  );
  // The largest exact integer is an ordinary number (here refused by the rules, not by JavaScript).
  const safe = household();
  safe.financial_assets = Number.MAX_SAFE_INTEGER;
  const answer = (() => { try { return rules.evaluate('dibao', safe, ON); } catch (error) { return error; } })();
  assert.notEqual(answer.code, 'unsafe_number');
  // As text, a large figure keeps every digit and reaches the rules unchanged.
  const text = household();
  text.financial_assets = '9007199254740993';
  const checked = (() => { try { return rules.evaluate('dibao', text, ON); } catch (error) { return error; } })();
  assert.notEqual(checked.code, 'unsafe_number');
  // A reform's overrides obey the same rule.
  assert.equal(bangfuError(() => rules.withOverrides({ dibao_standard: 2 ** 60 })).code, 'unsafe_number');
});

test('loading errors: diagnostics with codes and file:line:col', () => {
  const e = bangfuError(() => RuleSet.fromFiles({ 'ruleset.toml': '[ruleset]\nid = 1\n' }));
  assert.equal(e.code, 'rule_set_invalid');
  assert.match(e.errors[0].code, /^E\d{4}$/);
  assert.equal(e.errors[0].loc, 'ruleset.toml:2:6');
  assert.equal(e.errors[0].line, 2);
  assert.match(e.message, /ruleset\.toml:2:6/);
  assert.equal(bangfuError(() => RuleSet.fromFiles('not json')).code, 'invalid_json');
  assert.equal(bangfuError(() => RuleSet.fromFiles({ 'a.toml': 5 })).code, 'wrong_type');
  assert.equal(bangfuError(() => RuleSet.fromFiles([])).code, 'wrong_type');
});

test('bundle errors: coded, at `bundle`, in Chinese and English', () => {
  const bytes = bundleBytes();
  const cases = [
    [new TextEncoder().encode('[ruleset]\nid = "x"\n'), 'bundle_not_a_bundle'],
    [bytes.slice(0, 100), 'bundle_length'],
    [bytes.slice(0, 8), 'bundle_length'],
    [Uint8Array.from(bytes, (b, i) => (i === bytes.length - 1 ? b ^ 1 : b)), 'bundle_checksum'],
    [Uint8Array.from(bytes, (b, i) => (i === 8 ? 9 : b)), 'bundle_version'],
  ];
  for (const Module of [RuleSet, LeanRuleSet]) {
    for (const [input, code] of cases) {
      const e = bangfuError(() => Module.fromBundle(input));
      assert.deepEqual([e.code, e.loc], [code, 'bundle'], e.message);
      assert.match(e.errors[0].message.zh, /规则包|文件/);
      assert.match(e.errors[0].message.en, /bundle/);
    }
  }
});

/** A small deterministic generator (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('broken input never kills the module', () => {
  const next = random(20230906);
  const junk = [
    '', ' ', '-', '.', '1e3', '1,000', '１０００', '0x10', 'NaN', 'Infinity', '99999999999999999999999999999999',
    '-0.001', '12.345', '2023-13-01', '0000-00-00', '9999-12-31', '1799-12-31', null, true, false, 0, -1,
    1e308, 0.1, [], {}, [[]], { a: 1 }, 'x'.repeat(5000), '\u0000', '😀', '<script>', '1'.repeat(45),
  ];
  const pick = (list) => list[Math.floor(next() * list.length)];
  let errors = 0;
  for (let i = 0; i < 600; i++) {
    const input = household();
    const mutations = 1 + Math.floor(next() * 3);
    for (let m = 0; m < mutations; m++) {
      const where = next();
      if (where < 0.3) input[pick(['registered_locally', 'financial_assets', 'extra'])] = pick(junk);
      else if (where < 0.5) input.members = pick([junk, [], null, 'members', Array(25).fill({})]);
      else {
        const members = Array.isArray(input.members) ? input.members : [];
        const member = members[Math.floor(next() * members.length)];
        if (member && typeof member === 'object') member[pick(['birth_date', 'monthly_income', 'x'])] = pick(junk);
      }
    }
    const program = pick(['dibao', 'household', 'low_income_edge', 'tekun']);
    try {
      const out = rules.evaluate(program, input, pick([ON, '2017-05-01', '2024-02-29']), pick([undefined, 'zh', 'en']));
      assert.equal(typeof out.programs, 'object');
    } catch (error) {
      assert.equal(error.name, 'BangfuError', `case ${i}: ${error.name}: ${error.message} for ${JSON.stringify(input)}`);
      errors++;
    }
  }
  assert.ok(errors > 100, 'most broken cases are refused');
  // Deeply nested JSON text is refused, not a stack overflow.
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  assert.equal(bangfuError(() => rules.evaluate('dibao', deep, ON)).code, 'invalid_json');
  // The module still answers.
  assert.equal(rules.evaluate('dibao', household(), ON).programs.dibao.amount, '735.00');
});

test('decide: the outcome\'s eligibility and amounts, without the explanation', () => {
  const rules = LeanRuleSet.fromBundle(bundleBytes());
  const household = {
    registered_locally: true,
    financial_assets: '10000',
    members: [
      { birth_date: '1980-01-01', monthly_income: '800' },
      { birth_date: '1982-05-01', monthly_income: '800' },
      { birth_date: '2010-03-01', monthly_income: '800' },
    ],
  };
  for (const target of ['dibao', 'household']) {
    const decided = rules.decide(target, household, '2023-09-06');
    const outcome = rules.evaluate(target, household, '2023-09-06');
    assert.deepEqual(
      decided.map((d) => d.program),
      Object.keys(outcome.programs),
    );
    for (const d of decided) {
      assert.equal(d.eligible, outcome.programs[d.program].eligible, d.program);
      assert.equal(d.amount, outcome.programs[d.program].amount, d.program);
    }
  }
  assert.deepEqual(rules.decide('dibao', household, '2023-09-06'), [{ program: 'dibao', eligible: true, amount: '735.00' }]);
  const e = bangfuError(() => rules.decide('dibao', { ...household, financial_assets: 'x' }, '2023-09-06'));
  assert.equal(e.loc, 'financial_assets');
});
