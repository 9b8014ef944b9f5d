// The widget's own words: its buttons, headings and notes, in Chinese and
// English. Everything about the rules (labels, help, choices, units and the
// message for each problem with a field) comes from the rule set's schema and
// outcome, in both languages, so the widget holds no second copy of them.

const WORDS = {
  zh: {
    loading: '正在加载测算规则…',
    loadFailed: '测算工具加载失败，请刷新页面重试。',
    language: '语言',
    asOfHelp: '按这一天有效的政策测算，默认为今天。',
    submit: '开始测算',
    add: '添加成员',
    remove: (n) => `删除成员 ${n}`,
    member: (n) => `成员 ${n}`,
    yes: '是',
    no: '否',
    choose: '请选择',
    optional: '（选填）',
    eligible: '可能符合条件',
    notEligible: '可能不符合条件',
    resultFor: (label) => `测算结果：${label}`,
    amount: '测算金额',
    reasons: '判断依据',
    passed: '满足：',
    failed: '不满足：',
    parameters: '所用政策参数',
    status: { published: '已公布', derived: '推算', assumption: '假设' },
    source: '来源',
    formula: '公式',
    inForce: '有效期',
    assumptions: '注意：本结果依据以下假设，并非公布的数字',
    fullText: '完整说明（文字）',
    ruleset: '规则集',
    disclaimer: '本测算仅供参考：您填写的信息只在本机计算，不保存也不发送。最终结果以民政部门审核为准。',
    fix: (n) => `有 ${n} 处需要修改：`,
    failedCheck: '无法完成测算：',
  },
  en: {
    loading: 'Loading the rules…',
    loadFailed: 'The self-check could not be loaded. Please reload the page.',
    language: 'Language',
    asOfHelp: 'The rules in force on this day apply; today by default.',
    submit: 'Check',
    add: 'Add a member',
    remove: (n) => `Remove member ${n}`,
    member: (n) => `Member ${n}`,
    yes: 'Yes',
    no: 'No',
    choose: 'Choose…',
    optional: ' (optional)',
    eligible: 'Likely eligible',
    notEligible: 'Likely not eligible',
    resultFor: (label) => `Result: ${label}`,
    amount: 'Estimated amount',
    reasons: 'Why',
    passed: 'Met: ',
    failed: 'Not met: ',
    parameters: 'Policy figures used',
    status: { published: 'published', derived: 'derived', assumption: 'assumption' },
    source: 'Source',
    formula: 'formula',
    inForce: 'in force',
    assumptions: 'Note: this answer rests on assumptions, not on published figures',
    fullText: 'Full explanation (text)',
    ruleset: 'Rule set',
    disclaimer: 'This is an estimate for your information. What you enter is computed on this device only; it is neither stored nor sent. The civil affairs office decides.',
    fix: (n) => `${n} ${n === 1 ? 'field needs' : 'fields need'} correcting:`,
    failedCheck: 'The check could not be completed: ',
  },
};

/** The language of a `lang` attribute: `en`, or `zh` for anything else. */
export function language(attribute) {
  return attribute === 'en' ? 'en' : 'zh';
}

/** The widget's words in `lang`. */
export function words(lang) {
  return WORDS[language(lang)];
}
