// Chinese for the modeler's palette, context pad, replace menu and properties panel (the UI
// speaks Chinese by default; the page's <html lang> decides). Unknown texts stay English: the browser test
// (test_webapp__browser_modeler) reads the panel of each kind of element for English.
const ZH = {
  // palette and context pad
  'Activate hand tool': '抓手工具', 'Activate lasso tool': '框选工具',
  'Activate create/remove space tool': '插入/删除空白', 'Activate global connect tool': '连线工具',
  'Create start event': '开始事件', 'Create intermediate/boundary event': '中间/边界事件',
  'Create end event': '结束事件', 'Create gateway': '网关', 'Create task': '任务',
  'Create data object reference': '数据对象', 'Create data store reference': '数据存储',
  'Create expanded sub-process': '子流程', 'Create pool/participant': '池', 'Create group': '分组',
  'Append end event': '接结束事件', 'Append gateway': '接网关', 'Append task': '接任务',
  'Append intermediate/boundary event': '接中间事件', 'Append timer intermediate catch event': '接定时等待',
  'Append text annotation': '添加注释', 'Add text annotation': '添加注释',
  'Change element': '更改类型', 'Change type': '更改类型', 'Delete': '删除', 'Connect to other element': '连线到其他元素',
  'Add lane above': '上方加泳道', 'Add lane below': '下方加泳道',
  'Divide into two lanes': '分为两个泳道', 'Divide into three lanes': '分为三个泳道', 'Search in diagram': '在图中查找',
  // replace menu
  'Task': '任务', 'User task': '用户任务', 'Script task': '脚本任务', 'Service task': '服务任务',
  'Business rule task': '业务规则任务', 'Manual task': '手工任务', 'Send task': '发送任务', 'Receive task': '接收任务',
  'Call activity': '调用活动', 'Sub-process (collapsed)': '子流程(折叠)', 'Sub-process (expanded)': '子流程(展开)',
  'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关', 'Inclusive gateway': '包容网关',
  'Event-based gateway': '事件网关', 'Start event': '开始事件', 'End event': '结束事件',
  'Timer start event': '定时开始事件', 'Timer intermediate catch event': '定时等待事件',
  'Timer boundary event': '定时边界事件', 'Timer boundary event (non-interrupting)': '定时边界事件(不中断)',
  'Message start event': '消息开始事件', 'Intermediate throw event': '中间抛出事件',
  'Sequence flow': '顺序流', 'Default flow': '默认流', 'Conditional flow': '条件流',
  // the properties panel's header
  'User Task': '用户任务', 'Script Task': '脚本任务', 'Service Task': '服务任务', 'Business Rule Task': '业务规则任务',
  'Call Activity': '调用活动', 'Exclusive Gateway': '排他网关', 'Parallel Gateway': '并行网关', 'Start Event': '开始事件',
  'End Event': '结束事件', 'Sequence Flow': '顺序流', 'Default Flow': '默认流', 'Conditional Flow': '条件流',
  'Timer Boundary Event': '定时边界事件', 'Timer Boundary Event (Non Interrupting)': '定时边界事件(不中断)',
  'Timer Intermediate Catch Event': '定时等待事件', 'Timer Start Event': '定时开始事件',
  'Manual Task': '手工任务', 'Collapsed Sub Process': '子流程(折叠)', 'Expanded Sub Process': '子流程(展开)', 'Text Annotation': '注释',
  // stock properties panel
  'General': '常规', 'Name': '名称', 'ID': '编号', 'Documentation': '说明', 'Element documentation': '元素说明',
  'Process documentation': '流程说明', 'Executable': '可执行', 'Process': '流程', 'Process name': '流程名称',
  'Process ID': '流程编号', '<none>': '(无)', 'Participant': '池', 'Version tag': '版本标签',
  'ID must be unique.': '编号必须唯一。', 'ID must not be empty.': '编号不能为空。',
  'ID must not contain spaces.': '编号不能含空格。',
  'ID must be a valid QName.': '编号须以字母或下划线开头,只含字母、数字、_ 和 -。',
  // this product's properties (provider.js)
  'Role': '角色', 'Lane': '泳道', 'Lane (role)': '所在泳道(角色)',
  'The lane name is the role id: its tasks go to the staff holding this role.': '泳道名称即角色编号:泳道中的任务派给持有该角色的员工。',
  'Drag the shape into another lane to change who does it.': '把图形拖到另一泳道即可更换处理角色。',
  'Form': '表单', 'Form file': '表单文件', 'A JSON Schema file of this package (edit it in its tab).': '本流程包中的 JSON Schema 文件(在其标签页中编辑)。',
  'Instructions for the user': '给处理人的说明',
  'Script': '脚本', 'Script (Python)': '脚本(Python)',
  'Runs in the restricted sandbox; variables it sets go into the case data.': '在受限沙箱中运行;脚本设置的变量写入工单数据。',
  'Pre- and post-script': '前置/后置脚本', 'Pre-script (Python, before the step)': '前置脚本(Python,步骤开始前)',
  'Post-script (Python, after the step)': '后置脚本(Python,步骤完成后)',
  'Timer': '定时器', 'Timer type': '定时类型', 'Duration (after it starts waiting)': '时长(从开始等待起)',
  'Date and time': '日期时间', 'Cycle (repeats)': '循环(重复)', 'Timer expression (Python)': '定时表达式(Python)',
  'A Python expression: quote ISO values ("PT24H", "R3/PT1H"); working_days(3) gives a date 3 working days on; params holds the property\'s parameters.':
    'Python 表达式:ISO 值要加引号("PT24H"、"R3/PT1H");working_days(3) 为 3 个工作日后;params 是物业项目的参数。',
  'Condition': '条件', 'Condition (Python expression)': '条件(Python 表达式)',
  'The default flow: taken when no other condition holds.': '默认流:其他条件都不成立时走这条。',
  'For example: level == "emergency"': '例如:level == "emergency"',
  'Decision': '决策', 'Decision table': '决策表', 'A DMN decision of this package; its outputs go into the case data.': '本流程包中的 DMN 决策;其输出写入工单数据。',
  'Called process': '调用的流程', 'Its package must be listed in the manifest\'s "calls".': '其流程包须列在 manifest 的 "calls" 中。',
  '(not in this package)': '(不在本流程包中)',
  // the properties panel's own controls (@bpmn-io/properties-panel)
  'Toggle section': '展开/收起', 'Section contains edits': '本节已填写', 'Section contains an error': '本节有错误',
  'Open pop-up editor': '在大窗口中编辑', 'Opened in editor': '正在大窗口中编辑', 'Save and close': '保存并关闭',
  'Close popup': '关闭', 'Toggle list item': '展开/收起', 'Delete item': '删除', 'Create new list item': '新增一项',
  'Create': '新增', '<empty>': '(空)', 'Open documentation': '打开说明',
  // header types the words below would compose wrongly
  'Event Based Gateway': '事件网关',
  'Collapsed Ad Hoc Sub Process': '自由子流程(折叠)', 'Expanded Ad Hoc Sub Process': '自由子流程(展开)',
};

// The panel's header names an element's type as bpmn-js spells it ("Timer Boundary Event (Non Interrupting)",
// "Collapsed Sub Process", "Message Intermediate Catch Event"): without an entry above, the Chinese is composed
// from these words, which read in the same order.
const TYPE_WORDS = {
  Timer: '定时', Message: '消息', Signal: '信号', Error: '错误', Escalation: '升级', Conditional: '条件', Link: '链接',
  Compensation: '补偿', Compensate: '补偿', Terminate: '终止', Cancel: '取消', Multiple: '多重', Parallel: '并行',
  Start: '开始', End: '结束', Intermediate: '中间', Catch: '捕获', Throw: '抛出', Boundary: '边界', Event: '事件',
  Task: '任务', User: '用户', Script: '脚本', Service: '服务', Business: '业务', Rule: '规则', Manual: '手工',
  Send: '发送', Receive: '接收', Call: '调用', Activity: '活动', Collapsed: '折叠', Expanded: '展开', Sub: '子',
  Process: '流程', Transaction: '事务', Exclusive: '排他', Inclusive: '包容', Complex: '复杂', Gateway: '网关',
  Sequence: '顺序', Default: '默认', Flow: '流', Association: '关联', Data: '数据', Object: '对象', Store: '存储',
  Reference: '引用', Input: '输入', Output: '输出', Group: '分组', Participant: '池', Lane: '泳道',
  Collaboration: '协作',
};

function composedType(text) {
  const match = /^([A-Z][a-z]+(?: [A-Z][a-z]+)*)( \(Non Interrupting\))?$/.exec(text);
  if (!match) return null;
  const words = match[1].split(' ').map((word) => TYPE_WORDS[word]);
  if (words.some((word) => word === undefined)) return null;
  return words.join('') + (match[2] ? '(不中断)' : '');
}

// A plain lookup (no placeholders), for texts the panel renders without the translate service.
export function lookup(lang) {
  const zh = lang && lang.startsWith('zh');
  return (text) => (zh && (ZH[text] || composedType(text))) || text;
}

export function makeTranslate(lang) {
  const find = lookup(lang);
  return function translate(template, replacements) {
    const text = find(template);
    return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
  };
}
