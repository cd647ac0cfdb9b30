// The process owner's editor: every file of a package in a tab — diagrams in the bpmn-js
// modeler with a properties panel for the engine's dialect, forms and decision tables as
// text (or uploaded) — and one Save that the server validates exactly as loading a
// process folder. On problems nothing is saved: they are listed, the elements they name
// are marked on the diagram, and the edits stay on the page. No inline script (CSP):
// everything comes from data attributes and same-origin fetches.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import { layoutProcess } from 'bpmn-auto-layout';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { options as preactOptions } from '@bpmn-io/properties-panel/preact';

import spiffModdle from './modeler/spiffworkflow.json';
import SpiffPropertiesProvider from './modeler/provider';
import { lookup, makeTranslate } from './modeler/translate';

const app = document.getElementById('modeler-app');
const translate = makeTranslate(app.dataset.lang);

// bpmn-js-properties-panel 6 renders a few of its own texts without the translate service (the stock name and
// documentation entries' pop-up button and "opened in editor" note, the pop-up's close button): translate those
// as they are rendered. Only controls' tooltips and that note: never text a user typed.
const stockText = lookup(app.dataset.lang);
const beforeVnode = preactOptions.vnode;
preactOptions.vnode = (vnode) => {
  const props = typeof vnode.type === 'string' && vnode.props;
  if (props) {
    for (const key of ['title', 'placeholder']) {
      if (typeof props[key] === 'string') props[key] = stockText(props[key]);
    }
    if (props.class === 'bio-properties-panel-textarea__open-popup-placeholder' && typeof props.children === 'string') {
      props.children = stockText(props.children);
    }
  }
  if (beforeVnode) beforeVnode(vnode);
};
const T = JSON.parse(app.dataset.texts);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const tabs = app.querySelector('.file-tabs');
const panes = app.querySelector('.file-panes');
const problemsBox = app.querySelector('.problems');
const statusLine = app.querySelector('.save-status');
const files = new Map(); // path -> { kind: 'bpmn'|'text', tab, pane, modeler?, textarea?, overlays: [] }
let dirty = false;

const pkg = {
  roles: JSON.parse(app.dataset.roles),
  processes: JSON.parse(app.dataset.processes),
  forms: () => [...files.keys()].filter((p) => p.endsWith('.json') && p !== 'manifest.json').sort(),
  decisions: () => [...files.entries()].filter(([p]) => p.endsWith('.dmn')).flatMap(([, f]) => decisionsIn(f.textarea.value)),
};

function decisionsIn(text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  return [...doc.getElementsByTagNameNS('*', 'decision')].map((d) => ({ id: d.getAttribute('id'), name: d.getAttribute('name') }));
}

function lanesNotDrawn(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const drawn = new Set([...doc.getElementsByTagNameNS('*', 'BPMNShape')].map((s) => s.getAttribute('bpmnElement')));
  return [...doc.getElementsByTagNameNS('*', 'lane')].some((lane) => !drawn.has(lane.getAttribute('id')));
}

function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, k) => values[k]);
}

function kindOf(path) {
  if (path.endsWith('.bpmn')) return 'bpmn';
  return 'text';
}

function select(path) {
  for (const [p, f] of files) {
    const on = p === path;
    f.tab.setAttribute('aria-selected', String(on));
    f.pane.hidden = !on;
    if (on && f.modeler) {
      f.modeler.get('canvas').resized();
      if (!f.fitted) { fit(f.modeler.get('canvas')); f.fitted = true; }
    }
  }
}

// The automatic layout packs shapes tightly: spread them out so that a new step can be
// dropped on a flow, then forget the moves (they are layout, not an edit).
function spread(modeler, factor = 1.6) {
  const registry = modeler.get('elementRegistry');
  const root = modeler.get('canvas').getRootElement();
  const shapes = registry.filter((e) => e.parent === root && !e.waypoints && !e.labelTarget && !e.host);
  const modeling = modeler.get('modeling');
  for (const shape of shapes.sort((a, b) => b.x - a.x)) {
    const dx = Math.round((shape.x + shape.width / 2) * (factor - 1));
    if (dx) modeling.moveElements([shape], { x: dx, y: 0 });
  }
  modeler.get('commandStack').clear();
}

// The whole diagram in view, clear of the palette on the left.
function fit(canvas) {
  canvas.zoom('fit-viewport', 'auto');
  const vb = canvas.viewbox();
  const left = 110 / vb.scale;
  const margin = 24 / vb.scale;
  canvas.viewbox({ x: vb.x - left, y: vb.y - margin, width: vb.width + left + margin, height: vb.height + 2 * margin });
}

function addTab(path) {
  const tab = document.createElement('button');
  tab.type = 'button';
  tab.className = 'file-tab';
  tab.setAttribute('role', 'tab');
  tab.dataset.path = path;
  tab.textContent = path;
  tab.addEventListener('click', () => select(path));
  tabs.appendChild(tab);
  const pane = document.createElement('div');
  pane.className = 'file-pane';
  pane.setAttribute('role', 'tabpanel');
  pane.setAttribute('aria-label', path);
  pane.hidden = true;
  panes.appendChild(pane);
  return { tab, pane };
}

async function addDiagram(path, xml) {
  const { tab, pane } = addTab(path);
  pane.classList.add('bpmn-pane');
  pane.innerHTML = '<div class="modeler-canvas"></div><div class="modeler-props"></div>';
  const laidOut = !/<([a-zA-Z0-9_]+:)?BPMNDiagram[\s>]/.test(xml);
  if (laidOut) xml = await layoutProcess(xml);
  // Lanes that are not drawn must keep their members: bpmn-js would recompute every
  // lane's flowNodeRef from the drawn lane shapes (none) on the first move. Such lanes
  // are edited in the properties panel instead.
  const keepLanes = lanesNotDrawn(xml) ? [{ updateFlowNodeRefsBehavior: ['value', {}] }] : [];
  const modeler = new BpmnModeler({
    container: pane.querySelector('.modeler-canvas'),
    propertiesPanel: { parent: pane.querySelector('.modeler-props'), layout: { groups: OPEN_GROUPS } },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
      { __init__: ['spiffPropertiesProvider'], spiffPropertiesProvider: ['type', SpiffPropertiesProvider] },
      { translate: ['value', translate], pfPackage: ['value', pkg] },
      ...keepLanes,
    ],
    moddleExtensions: { spiffworkflow: spiffModdle },
  });
  // a text entry's pop-up editor is titled by the element's name and the entry's label (bpmn-js puts the
  // element's BPMN type there, "bpmn:UserTask / …")
  modeler.get('eventBus').on('propertiesPanelPopup.open', 2000, ({ config }) => {
    const name = config.element && getBusinessObject(config.element).get('name');
    config.title = [name, config.label].filter(Boolean).join(' / ');
  });
  const entry = { kind: 'bpmn', tab, pane, modeler, overlays: [], laidOut };
  files.set(path, entry);
  const { warnings } = await modeler.importXML(xml);
  if (warnings.length) console.warn(path, warnings);
  if (entry.laidOut) spread(modeler);
  modeler.on('commandStack.changed', () => { dirty = true; });
  return entry;
}

function addText(path, text) {
  const { tab, pane } = addTab(path);
  pane.classList.add('text-pane');
  const label = document.createElement('label');
  label.className = 'sr-only';
  label.textContent = path;
  const textarea = document.createElement('textarea');
  textarea.className = 'file-text';
  textarea.spellcheck = false;
  textarea.value = text;
  textarea.setAttribute('aria-label', path);
  const hint = document.createElement('p');
  hint.className = 'file-hint';
  const check = () => {
    hint.textContent = '';
    if (path.endsWith('.json')) {
      try { JSON.parse(textarea.value); } catch (err) { hint.textContent = T.not_json + ' ' + err.message; }
    }
  };
  textarea.addEventListener('input', () => { dirty = true; check(); });
  pane.append(textarea, hint);
  if (path !== 'manifest.json' && !path.endsWith('.bpmn')) {
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'link remove-file';
    remove.textContent = format(T.remove_file, { file: path });
    remove.addEventListener('click', () => {
      tab.remove(); pane.remove(); files.delete(path); dirty = true;
      select(files.keys().next().value);
    });
    pane.append(remove);
  }
  const entry = { kind: 'text', tab, pane, textarea, overlays: [] };
  files.set(path, entry);
  return entry;
}

const OPEN_GROUPS = Object.fromEntries(['general', 'pf-role', 'pf-lane', 'pf-form', 'pf-script', 'pf-decision', 'pf-call',
  'pf-timer', 'pf-condition'].map((id) => [id, { open: true }]));
const ORDER = (p) => (p.endsWith('.bpmn') ? 0 : p.endsWith('.dmn') ? 1 : p === 'manifest.json' ? 3 : 2);

async function load() {
  const response = await fetch(app.dataset.filesUrl, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(response.status + ' ' + response.statusText);
  const { files: content } = await response.json();
  const paths = Object.keys(content).sort((a, b) => ORDER(a) - ORDER(b) || a.localeCompare(b));
  for (const path of paths) {
    if (kindOf(path) === 'bpmn') await addDiagram(path, content[path]);
    else addText(path, content[path]);
  }
  select(paths[0]);
  app.classList.add('modeler-ready');
  app.querySelector('.modeler-loading').remove();
}

async function collect() {
  const out = {};
  for (const [path, f] of files) {
    out[path] = f.modeler ? (await f.modeler.saveXML({ format: true })).xml : f.textarea.value;
  }
  return out;
}

// Centre the view on an element at a zoom where its label can be read.
function focusOn(modeler, element) {
  const canvas = modeler.get('canvas');
  canvas.zoom(Math.max(canvas.zoom(), 0.9));
  const box = canvas.viewbox();
  canvas.viewbox({ x: element.x + element.width / 2 - box.width / 2, y: element.y + element.height / 2 - box.height / 2,
    width: box.width, height: box.height });
}

function clearProblems() {
  for (const f of files.values()) {
    f.tab.classList.remove('has-problems');
    if (f.modeler) {
      const canvas = f.modeler.get('canvas');
      for (const id of f.marked || []) canvas.removeMarker(id, 'pf-invalid');
      f.modeler.get('overlays').remove({ type: 'pf-problem' });
    }
    f.marked = [];
  }
  problemsBox.hidden = true;
  problemsBox.querySelector('ul').replaceChildren();
}

function showProblems(problems) {
  clearProblems();
  const list = problemsBox.querySelector('ul');
  let first = null;
  let firstElement = null;
  for (const problem of problems) {
    const f = files.get(problem.file);
    const item = document.createElement('li');
    const where = document.createElement(f ? 'button' : 'span');
    where.className = f ? 'link problem-where' : 'problem-where';
    where.textContent = problem.file + (problem.element_id ? ' › ' + problem.element_id : '');
    item.append(where, document.createTextNode(': ' + problem.message));
    list.appendChild(item);
    for (const [path, other] of files) {  // a problem of a form a task names: mark the form's tab too
      if (path !== problem.file && problem.message.includes(path)) other.tab.classList.add('has-problems');
    }
    if (!f) continue;
    f.tab.classList.add('has-problems');
    first = first || problem.file;
    const element = f.modeler && problem.element_id && f.modeler.get('elementRegistry').get(problem.element_id);
    if (element && element.businessObject.name) where.textContent = problem.file + ' › ' + element.businessObject.name;
    if (element) {
      f.modeler.get('canvas').addMarker(element.id, 'pf-invalid');
      f.marked.push(element.id);
      const badge = document.createElement('div');
      badge.className = 'pf-problem-badge';
      badge.title = problem.message;
      badge.textContent = '!';
      f.modeler.get('overlays').add(element.id, 'pf-problem', { position: { top: -10, right: 10 }, html: badge });
      if (!firstElement) firstElement = [f, element];
    }
    where.addEventListener('click', () => {
      select(problem.file);
      if (element) { f.modeler.get('selection').select(element); focusOn(f.modeler, element); }
      else if (f.textarea) f.textarea.focus();
    });
  }
  problemsBox.querySelector('.problems-title').textContent = format(T.problems, { n: problems.length });
  problemsBox.hidden = false;
  if (firstElement) {
    select(firstElement[0].tab.dataset.path);
    focusOn(firstElement[0].modeler, firstElement[1]);
  } else if (first) select(first);
}

async function save(force) {
  const message = app.querySelector('#version-message');
  if (!message.value.trim()) { message.reportValidity(); return; }
  statusLine.textContent = T.saving;
  statusLine.className = 'save-status';
  app.querySelector('.conflict').hidden = true;
  const body = { base: Number(app.dataset.base), message: message.value, files: await collect(), force: !!force };
  const response = await fetch(app.dataset.saveUrl, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf, Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  let answer = {};
  try { answer = await response.json(); } catch (err) { /* an HTML error page */ }
  if (response.status === 201 || response.status === 200) {
    clearProblems();
    dirty = false;
    statusLine.className = 'save-status ok';
    statusLine.textContent = format(answer.created ? T.saved : T.unchanged, { n: answer.number });
    window.location.assign(answer.url);
  } else if (response.status === 422) {
    statusLine.className = 'save-status error';
    statusLine.textContent = T.not_saved;
    showProblems(answer.problems || []);
  } else if (response.status === 409) {
    statusLine.className = 'save-status error';
    statusLine.textContent = answer.message || T.failed;
    app.querySelector('.conflict').hidden = false;
  } else {
    statusLine.className = 'save-status error';
    statusLine.textContent = T.failed + ' (' + response.status + ')';
  }
}

app.querySelector('.save-form').addEventListener('submit', (event) => { event.preventDefault(); save(false); });
app.querySelector('.save-anyway').addEventListener('click', () => save(true));

app.querySelector('.add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = event.target.querySelector('input');
  let name = input.value.trim();
  if (!name) return;
  if (!name.endsWith('.json')) name += '.json';
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || files.has(name)) { input.setCustomValidity(T.bad_name); input.reportValidity(); return; }
  input.setCustomValidity('');
  addText(name, JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: '', type: 'object', required: [], properties: {} }, null, 2) + '\n');
  dirty = true;
  input.value = '';
  select(name);
});

app.querySelector('.upload-file').addEventListener('change', async (event) => {
  for (const file of event.target.files) {
    const text = await file.text();
    const existing = files.get(file.name);
    if (existing && existing.textarea) existing.textarea.value = text;
    else if (existing && existing.modeler) await existing.modeler.importXML(text);
    else if (file.name.endsWith('.bpmn')) await addDiagram(file.name, text);
    else addText(file.name, text);
    dirty = true;
    select(file.name);
  }
  event.target.value = '';
});

window.addEventListener('beforeunload', (event) => { if (dirty) { event.preventDefault(); event.returnValue = ''; } });

load().catch((err) => {
  app.querySelector('.modeler-loading').textContent = T.load_failed + ': ' + err.message;
});
