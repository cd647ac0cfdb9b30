// The properties panel groups for what the product's diagrams use, in the engine's dialect:
// lanes (= role ids), a user task's form file and instructions, timers (Python expressions),
// scripts, pre/post scripts, sequence-flow conditions, a business rule task's decision and a
// call activity's called process. The stock BPMN provider keeps name, id and documentation;
// its timer group (which suggests bare ISO values, wrong here) is replaced by ours.
import { Group, SelectEntry, TextAreaEntry, isSelectEntryEdited, isTextAreaEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import {
  FORM_PROPERTY, getExtensionText, getProperty, laneOf, lanesOf, moveToLane, setExpression, setExtensionText, setProperty,
} from './extensions';

const TIMER_TYPES = ['timeDuration', 'timeDate', 'timeCycle'];

function useServices() {
  return {
    bpmnFactory: useService('bpmnFactory'),
    commandStack: useService('commandStack'),
    translate: useService('translate'),
    debounce: useService('debounceInput'),
    pkg: useService('pfPackage'),
  };
}

function withCurrent(options, current, translate) {
  if (current && !options.some((o) => o.value === current)) {
    options.push({ value: current, label: current + ' ' + translate('(not in this package)') });
  }
  return options;
}

function RoleEntry({ element, id }) {
  const { translate, pkg } = useServices();
  const modeling = useService('modeling');
  const current = getBusinessObject(element).get('name') || '';
  return SelectEntry({
    element, id, translate, label: translate('Role'),
    description: translate('The lane name is the role id: its tasks go to the staff holding this role.'),
    getValue: () => current,
    setValue: (value) => modeling.updateProperties(element, { name: value }),
    getOptions: () => withCurrent([{ value: '', label: translate('<none>') },
      ...pkg.roles.map((r) => ({ value: r.id, label: `${r.title} (${r.id})` }))], current, translate),
  });
}

function LaneEntry({ element, id }) {
  const services = useServices();
  const registry = useService('elementRegistry');
  const { translate, pkg } = services;
  const lanes = lanesOf(element);
  const drawn = lanes.some((lane) => registry.get(lane.id));
  const title = (name) => (pkg.roles.find((r) => r.id === name) || {}).title || name;
  return SelectEntry({
    element, id, translate, label: translate('Lane (role)'), disabled: drawn,
    description: drawn ? translate('Drag the shape into another lane to change who does it.') : null,
    getValue: () => (laneOf(element, lanes) || { id: '' }).id,
    setValue: (value) => moveToLane(element, lanes.find((l) => l.id === value), lanes, services),
    getOptions: () => [{ value: '', label: translate('<none>') },
      ...lanes.map((lane) => ({ value: lane.id, label: `${title(lane.get('name'))} (${lane.get('name') || lane.id})` }))],
  });
}

function FormEntry({ element, id }) {
  const services = useServices();
  const { translate, pkg } = services;
  const current = getProperty(element, FORM_PROPERTY);
  return SelectEntry({
    element, id, translate, label: translate('Form file'),
    description: translate('A JSON Schema file of this package (edit it in its tab).'),
    getValue: () => current,
    setValue: (value) => setProperty(element, FORM_PROPERTY, value, services),
    getOptions: () => withCurrent([{ value: '', label: translate('<none>') },
      ...pkg.forms().map((f) => ({ value: f, label: f }))], current, translate),
  });
}

function textEntry(type, label, { rows = 3, monospace = false, description } = {}) {
  return function Entry({ element, id }) {
    const services = useServices();
    const { translate, debounce } = services;
    return TextAreaEntry({
      element, id, translate, label: translate(label), rows, monospace, debounce, autoResize: true,
      description: description && translate(description),
      getValue: () => getExtensionText(element, type),
      setValue: (value) => setExtensionText(element, type, value, services),
    });
  };
}

const InstructionsEntry = textEntry('spiffworkflow:InstructionsForEndUser', 'Instructions for the user');
const PreScriptEntry = textEntry('spiffworkflow:PreScript', 'Pre-script (Python, before the step)', { monospace: true });
const PostScriptEntry = textEntry('spiffworkflow:PostScript', 'Post-script (Python, after the step)', { monospace: true });

function ScriptEntry({ element, id }) {
  const { translate, debounce, commandStack } = useServices();
  const bo = getBusinessObject(element);
  return TextAreaEntry({
    element, id, translate, label: translate('Script (Python)'), rows: 6, monospace: true, debounce, autoResize: true,
    description: translate('Runs in the restricted sandbox; variables it sets go into the case data.'),
    getValue: () => bo.get('script') || '',
    setValue: (value) => commandStack.execute('element.updateModdleProperties', { element, moddleElement: bo, properties: { script: value } }),
  });
}

function timerOf(element) {
  return (getBusinessObject(element).get('eventDefinitions') || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

function timerType(timer) {
  return TIMER_TYPES.find((t) => timer.get(t) !== undefined) || '';
}

function TimerTypeEntry({ element, id }) {
  const services = useServices();
  const { translate } = services;
  const timer = timerOf(element);
  return SelectEntry({
    element, id, translate, label: translate('Timer type'),
    getValue: () => timerType(timer),
    setValue: (value) => {
      const old = timerType(timer);
      const body = old ? timer.get(old).get('body') : '';
      const properties = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
      if (value) {
        properties[value] = services.bpmnFactory.create('bpmn:FormalExpression', { body: body || '' });
        properties[value].$parent = timer;
      }
      services.commandStack.execute('element.updateModdleProperties', { element, moddleElement: timer, properties });
    },
    getOptions: () => [{ value: '', label: translate('<none>') },
      { value: 'timeDuration', label: translate('Duration (after it starts waiting)') },
      { value: 'timeDate', label: translate('Date and time') },
      { value: 'timeCycle', label: translate('Cycle (repeats)') }],
  });
}

function TimerValueEntry({ element, id }) {
  const services = useServices();
  const { translate, debounce } = services;
  const timer = timerOf(element);
  const type = timerType(timer);
  return TextAreaEntry({
    element, id, translate, label: translate('Timer expression (Python)'), rows: 2, monospace: true, debounce, autoResize: true,
    description: translate('A Python expression: quote ISO values ("PT24H", "R3/PT1H"); working_days(3) gives a date 3 working days on; params holds the property\'s parameters.'),
    getValue: () => (timer.get(type) && timer.get(type).get('body')) || '',
    setValue: (value) => setExpression(element, timer, type, value, services),
  });
}

function ConditionEntry({ element, id }) {
  const services = useServices();
  const { translate, debounce } = services;
  const bo = getBusinessObject(element);
  const isDefault = bo.sourceRef && bo.sourceRef.get('default') === bo;
  return TextAreaEntry({
    element, id, translate, label: translate('Condition (Python expression)'), rows: 2, monospace: true, debounce,
    disabled: isDefault, autoResize: true,
    description: isDefault ? translate('The default flow: taken when no other condition holds.')
      : translate('For example: level == "emergency"'),
    getValue: () => (bo.get('conditionExpression') && bo.get('conditionExpression').get('body')) || '',
    setValue: (value) => setExpression(element, bo, 'conditionExpression', value, services),
  });
}

function DecisionEntry({ element, id }) {
  const services = useServices();
  const { translate, pkg } = services;
  const current = getExtensionText(element, 'spiffworkflow:CalledDecisionId').trim();
  return SelectEntry({
    element, id, translate, label: translate('Decision table'),
    description: translate('A DMN decision of this package; its outputs go into the case data.'),
    getValue: () => current,
    setValue: (value) => setExtensionText(element, 'spiffworkflow:CalledDecisionId', value, services),
    getOptions: () => withCurrent([{ value: '', label: translate('<none>') },
      ...pkg.decisions().map((d) => ({ value: d.id, label: d.name ? `${d.name} (${d.id})` : d.id }))], current, translate),
  });
}

function CalledElementEntry({ element, id }) {
  const { translate, pkg, commandStack } = useServices();
  const bo = getBusinessObject(element);
  const current = bo.get('calledElement') || '';
  return SelectEntry({
    element, id, translate, label: translate('Called process'),
    description: translate('Its package must be listed in the manifest\'s "calls".'),
    getValue: () => current,
    setValue: (value) => commandStack.execute('element.updateModdleProperties', { element, moddleElement: bo, properties: { calledElement: value || undefined } }),
    getOptions: () => withCurrent([{ value: '', label: translate('<none>') },
      ...pkg.processes.map((p) => ({ value: p.id, label: `${p.name} (${p.id})` }))], current, translate),
  });
}

function group(id, label, entries) {
  return { id, label, component: Group, entries };
}

function groupsFor(element, translate) {
  const bo = getBusinessObject(element);
  const groups = [];
  const select = (id, component) => ({ id, component, isEdited: isSelectEntryEdited });
  const text = (id, component) => ({ id, component, isEdited: isTextAreaEntryEdited });
  if (is(element, 'bpmn:Lane')) groups.push(group('pf-role', translate('Role'), [select('pf-role-name', RoleEntry)]));
  if (is(element, 'bpmn:FlowNode') && !is(element, 'bpmn:BoundaryEvent') && lanesOf(element).length) {  // a border's event goes with its task
    groups.push(group('pf-lane', translate('Lane'), [select('pf-lane-ref', LaneEntry)]));
  }
  if (is(element, 'bpmn:UserTask')) {
    groups.push(group('pf-form', translate('Form'), [select('pf-form-file', FormEntry), text('pf-instructions', InstructionsEntry)]));
  }
  if (is(element, 'bpmn:ScriptTask')) groups.push(group('pf-script', translate('Script'), [text('pf-script-text', ScriptEntry)]));
  if (is(element, 'bpmn:BusinessRuleTask')) groups.push(group('pf-decision', translate('Decision'), [select('pf-decision-id', DecisionEntry)]));
  if (is(element, 'bpmn:CallActivity')) groups.push(group('pf-call', translate('Called process'), [select('pf-called-element', CalledElementEntry)]));
  if (is(element, 'bpmn:Event') && timerOf(element)) {
    const entries = [select('pf-timer-type', TimerTypeEntry)];
    if (timerType(timerOf(element))) entries.push(text('pf-timer-value', TimerValueEntry));
    groups.push(group('pf-timer', translate('Timer'), entries));
  }
  if (is(element, 'bpmn:SequenceFlow') && bo.sourceRef && (is(bo.sourceRef, 'bpmn:ExclusiveGateway') || is(bo.sourceRef, 'bpmn:InclusiveGateway'))) {
    groups.push(group('pf-condition', translate('Condition'), [text('pf-condition-text', ConditionEntry)]));
  }
  if (is(element, 'bpmn:Activity')) {
    groups.push(group('pf-scripts', translate('Pre- and post-script'), [text('pf-prescript', PreScriptEntry), text('pf-postscript', PostScriptEntry)]));
  }
  return groups;
}

export default function SpiffPropertiesProvider(propertiesPanel, translate) {
  this.getGroups = (element) => (groups) => {
    const kept = groups.filter((g) => g.id !== 'timer');
    const at = kept.findIndex((g) => g.id === 'general') + 1;
    kept.splice(at, 0, ...groupsFor(element, translate));
    // a group's own controls (its toggle, the edited mark) speak the page's language too: the stock groups
    // are not handed the translate service
    return kept.map((g) => ({ ...g, translate }));
  };
  propertiesPanel.registerProvider(500, this);
}

SpiffPropertiesProvider.$inject = ['propertiesPanel', 'translate'];
