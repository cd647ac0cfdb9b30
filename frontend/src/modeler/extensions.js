// Reading and writing the spiffworkflow: extension elements the engine understands, as
// undoable commands on the modeler's command stack (one undo step per edit).
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const FORM_PROPERTY = 'formJsonSchemaFilename';

export function extensionValues(bo) {
  const ext = bo.get('extensionElements');
  return (ext && ext.get('values')) || [];
}

export function findExtension(bo, type) {
  return extensionValues(bo).find((v) => is(v, type));
}

// Commands that make sure `bo` has extensionElements; returns [commands, extensionElements].
function ensureExtensions(element, bo, bpmnFactory) {
  let ext = bo.get('extensionElements');
  if (ext) return [[], ext];
  ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
  ext.$parent = bo;
  return [[{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: bo, properties: { extensionElements: ext } } }], ext];
}

function run(commandStack, commands) {
  if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
}

// Set the text of a single-valued extension element (spiffworkflow:preScript, ...); '' removes it.
export function setExtensionText(element, type, text, { bpmnFactory, commandStack }) {
  const bo = getBusinessObject(element);
  const existing = findExtension(bo, type);
  const value = (text || '').trim() ? text : '';
  if (existing && !value) {
    const ext = bo.get('extensionElements');
    run(commandStack, [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: ext, properties: { values: ext.get('values').filter((v) => v !== existing) } } }]);
  } else if (existing) {
    run(commandStack, [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: existing, properties: { value } } }]);
  } else if (value) {
    const [commands, ext] = ensureExtensions(element, bo, bpmnFactory);
    const created = bpmnFactory.create(type, { value });
    created.$parent = ext;
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: ext, properties: { values: [...ext.get('values'), created] } } });
    run(commandStack, commands);
  }
}

export function getExtensionText(element, type) {
  const found = findExtension(getBusinessObject(element), type);
  return (found && found.get('value')) || '';
}

// spiffworkflow:properties/property name=... value=...
export function getProperty(element, name) {
  const props = findExtension(getBusinessObject(element), 'spiffworkflow:Properties');
  const found = props && props.get('values').find((p) => p.get('name') === name);
  return (found && found.get('value')) || '';
}

export function setProperty(element, name, value, { bpmnFactory, commandStack }) {
  const bo = getBusinessObject(element);
  let props = findExtension(bo, 'spiffworkflow:Properties');
  const existing = props && props.get('values').find((p) => p.get('name') === name);
  if (existing && !value) {
    run(commandStack, [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: props, properties: { values: props.get('values').filter((p) => p !== existing) } } }]);
  } else if (existing) {
    run(commandStack, [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: existing, properties: { value } } }]);
  } else if (value) {
    const [commands, ext] = ensureExtensions(element, bo, bpmnFactory);
    if (!props) {
      props = bpmnFactory.create('spiffworkflow:Properties', { values: [] });
      props.$parent = ext;
      commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: ext, properties: { values: [...ext.get('values'), props] } } });
    }
    const created = bpmnFactory.create('spiffworkflow:Property', { name, value });
    created.$parent = props;
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: props, properties: { values: [...props.get('values'), created] } } });
    run(commandStack, commands);
  }
}

// A bpmn:FormalExpression-valued property (a condition, a timer's value).
export function setExpression(element, moddleElement, property, body, { bpmnFactory, commandStack }) {
  let expression;
  if (body !== undefined && body !== null && body !== '') {
    expression = bpmnFactory.create('bpmn:FormalExpression', { body });
    expression.$parent = moddleElement;
  }
  commandStack.execute('element.updateModdleProperties', { element, moddleElement, properties: { [property]: expression } });
}

// Lanes of the process an element belongs to (nested lane sets included).
export function lanesOf(element) {
  let bo = getBusinessObject(element);
  let process = bo.$parent;
  while (process && !is(process, 'bpmn:Process')) process = process.$parent;
  const lanes = [];
  const walk = (laneSet) => {
    for (const lane of (laneSet && laneSet.get('lanes')) || []) {
      lanes.push(lane);
      walk(lane.get('childLaneSet'));
    }
  };
  for (const laneSet of (process && process.get('laneSets')) || []) walk(laneSet);
  return lanes;
}

export function laneOf(element, lanes) {
  const bo = getBusinessObject(element);
  return lanes.filter((lane) => (lane.get('flowNodeRef') || []).includes(bo)).pop();
}

// Move a flow node to another lane by its flowNodeRef (for lanes that are not drawn).
export function moveToLane(element, target, lanes, { commandStack }) {
  const bo = getBusinessObject(element);
  const commands = [];
  for (const lane of lanes) {
    const refs = lane.get('flowNodeRef') || [];
    if (lane !== target && refs.includes(bo)) {
      commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: lane, properties: { flowNodeRef: refs.filter((r) => r !== bo) } } });
    }
  }
  if (target && !(target.get('flowNodeRef') || []).includes(bo)) {
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: target, properties: { flowNodeRef: [...(target.get('flowNodeRef') || []), bo] } } });
  }
  run(commandStack, commands);
}
