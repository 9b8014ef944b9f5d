// <bangfu-check>: a citizen's self-check form for one program of a bangfu
// rule set, or for a household and its members and every program they may
// qualify for, generated from the programs' input schemas and answered by the
// bangfu WASM module in the page. No framework, no network after loading:
// the module and the rule bundle are fetched once, then every check runs
// locally and nothing typed into the form leaves the device.
//
//   <script type="module" src="widget/bangfu-check.js"></script>
//   <bangfu-check program="dibao" lang="zh"></bangfu-check>
//   <bangfu-check entity="household" lang="zh"></bangfu-check>   (every program)
//
// Attributes:
//   program  the program to check, e.g. dibao, tekun, meal_subsidy
//   entity   instead of a program: a household entity (household); the form
//            asks about the household and its members once and answers every
//            program of the household, of each member, and of records about
//            a member (the meal subsidy)
//   lang     zh (default) or en; the form has its own 中文 / English switch
//   rules    URL of the rule bundle (default: ../rules/cn-qingdao-chengyang.bangfu
//            beside this script)
//   as-of    the date whose rules apply, YYYY-MM-DD (default: today); the form
//            shows it as an editable field
//
// Events (bubbling, composed): `bangfu-ready` when the form is built,
// `bangfu-result` with {outcome} after each check, `bangfu-error` with
// {error} when loading fails.
//
// The widget decides nothing about the rules: each field is checked by the
// rule set itself (RuleSet.checkField, the same check evaluation makes), with
// the message it returns in Chinese or English; labels, units and messages
// come from the schema. Money never becomes a JS number: it is sent as the
// text typed and shown exactly as the module returns it.
//
// Nothing typed is stored unless the person ticks "save on this device"; the
// answer prints as a receipt (rule set id, version, content hash, dates).
//
// Modules, by concern: rules.js (loading the module and the rule bundle),
// i18n.js (the widget's own words), model.js (what the form asks, from the
// schemas), form.js (field values as text and as sent), fields.js (rendering
// fields and member rows), element.js (the element: form, checks, events),
// household.js (evaluating a household and each member), result.js (the
// answer), receipt.js (printing it), storage.js (saving on the device, when
// asked), dom.js (building elements), style.js (the stylesheet).

import { BangfuCheck } from './element.js';

export { BangfuCheck };

if (!customElements.get('bangfu-check')) customElements.define('bangfu-check', BangfuCheck);
