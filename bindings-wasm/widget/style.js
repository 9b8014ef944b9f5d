// The widget's stylesheet, set in its shadow root (so the host page's styles
// neither leak in nor out). Targets are at least 44 px; the layout works at
// 360 px wide; errors are marked by colour, a border and a sign; text meets
// WCAG AA contrast. In print, only the answer is left, as a receipt: the
// form and the buttons are left out, and the receipt's head is shown.

export const STYLE = `
:host { display: block; max-width: 40rem; color: #1b1b1b; font: 16px/1.5 system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
* { box-sizing: border-box; }
.card { border: 1px solid #c9ccd1; border-radius: 8px; padding: 1rem; background: #fff; }
header { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-start; justify-content: space-between; }
h2 { font-size: 1.25rem; margin: 0; flex: 1 1 12rem; }
h3 { font-size: 1.125rem; margin: 0 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
.desc, .help { color: #4a4f57; font-size: .9375rem; margin: .25rem 0; }
.langs { display: flex; gap: .25rem; }
button { font: inherit; min-height: 44px; padding: .5rem 1rem; border-radius: 6px; border: 1px solid #1d4ed8; background: #fff; color: #1d4ed8; cursor: pointer; }
button[aria-pressed="true"], button.primary { background: #1d4ed8; color: #fff; }
button:disabled { border-color: #9aa0a6; color: #6b7178; background: #f1f3f4; cursor: not-allowed; }
.langs button { padding: .5rem .75rem; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.field { margin: 1rem 0; }
label, legend { font-weight: 600; display: block; }
fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
.members > ol { list-style: none; margin: 0; padding: 0; }
.member { border: 1px solid #c9ccd1; border-radius: 6px; padding: .75rem; margin: .75rem 0; }
.member > legend { padding: 0 .25rem; }
input, select { font: inherit; width: 100%; min-height: 44px; padding: .5rem; border: 1px solid #6b7178; border-radius: 6px; background: #fff; color: inherit; }
.suffixed { display: flex; align-items: center; gap: .5rem; }
.suffix { color: #4a4f57; white-space: nowrap; }
.choices { display: flex; gap: 1.5rem; margin-top: .25rem; }
.choices label { font-weight: 400; display: flex; align-items: center; gap: .5rem; min-height: 44px; }
.choices input { width: 1.25rem; min-height: 1.25rem; margin: 0; }
[aria-invalid="true"] { border: 2px solid #b3261e; }
.err { color: #b3261e; font-weight: 600; margin: .25rem 0 0; }
.err::before { content: "⚠ "; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: 1rem; }
.result { margin-top: 1rem; }
.result:empty { display: none; }
.verdict { border-radius: 6px; padding: .75rem; border: 2px solid; }
.verdict.yes { border-color: #15803d; background: #f0fdf4; }
.verdict.no { border-color: #9a3412; background: #fff7ed; }
.amount { font-size: 1.25rem; font-weight: 700; margin: .25rem 0 0; }
.computation { margin: .25rem 0 0; font-variant-numeric: tabular-nums; }
.staleness { border-left: 4px solid #9a3412; padding: .25rem .5rem; background: #fff7ed; }
.reasons, .params, .assumptions ul, .summary ul { margin: .25rem 0; padding-left: 1.25rem; }
.reasons li { margin: .25rem 0; }
.mark { font-weight: 700; }
.pass .mark { color: #15803d; }
.fail .mark { color: #b3261e; }
.params li { margin: .5rem 0; overflow-wrap: anywhere; }
.badge { display: inline-block; font-size: .8125rem; padding: 0 .375rem; border-radius: 4px; border: 1px solid #6b7178; margin-left: .25rem; }
.badge.assumption { border-color: #9a3412; color: #9a3412; background: #fff7ed; }
.cite { color: #4a4f57; font-size: .875rem; display: block; }
.assumptions { border-left: 4px solid #d97706; background: #fffbeb; padding: .5rem .75rem; margin-top: 1rem; }
.assumptions h4 { margin-top: 0; }
.summary { border-left: 4px solid #b3261e; background: #fef2f2; padding: .5rem .75rem; }
.summary a { color: #b3261e; }
.stamp { color: #4a4f57; font-size: .8125rem; overflow-wrap: anywhere; display: grid; grid-template-columns: auto 1fr; gap: 0 .5rem; margin: 1rem 0 0; }
.stamp dd { margin: 0; }
.group { border: 1px solid #c9ccd1; border-radius: 6px; padding: .75rem; margin: 1rem 0; }
.group > legend { padding: 0 .25rem; }
.section { border-left: 4px solid #c9ccd1; padding: 0 0 0 .75rem; margin: 1rem 0; }
.section > legend { font-weight: 700; color: #1b1b1b; float: left; width: 100%; margin-bottom: .25rem; }
.section > legend + * { clear: both; }
.programs { margin: .25rem 0 0; padding-left: 1.25rem; }
.keep { display: grid; grid-template-columns: auto 1fr; gap: 0 .5rem; align-items: center; margin-top: 1rem; }
.keep input { width: 1.5rem; height: 1.5rem; min-height: 0; margin: 0; }
.keep label { font-weight: 600; display: flex; align-items: center; min-height: 44px; }
.keep .help { grid-column: 2; }
.overview { border: 2px solid #1d4ed8; border-radius: 6px; padding: .75rem; }
.overview ul { margin: .25rem 0; padding-left: 1.25rem; }
.program { margin-top: 1.5rem; }
.figures { margin-top: .5rem; }
.not-in-force { color: #4a4f57; }
.print-only { display: none; }
.receipt-title { font-size: 1.25rem; font-weight: 700; margin: 0; }
.receipt-sub { font-weight: 700; margin: .5rem 0 0; }
.entered { display: grid; grid-template-columns: auto 1fr; gap: 0 .75rem; margin: .25rem 0; }
.entered dd { margin: 0; }
@media print {
  :host { max-width: none; color: #000; }
  .card { border: 0; padding: 0; }
  form, .langs, .no-print, .desc, .full-text { display: none; }
  summary { padding: 0; }
  .print-only { display: block; }
  .verdict, .program, .params li, .assumptions { break-inside: avoid; }
}
.disclaimer { font-size: .875rem; color: #4a4f57; }
details { margin-top: 1rem; }
summary { cursor: pointer; padding: .625rem 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .8125rem; background: #f6f7f8; padding: .5rem; border-radius: 6px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
