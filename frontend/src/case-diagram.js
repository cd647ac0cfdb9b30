// The case page's diagram: bpmn-js draws the case's version of each diagram and marks
// finished, active and waiting elements. Diagrams without drawing information (BPMN DI)
// are laid out automatically. Everything comes from data attributes and same-origin
// fetches: no inline script (the app's Content-Security-Policy forbids it).
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { layoutProcess } from 'bpmn-auto-layout';

const MARKERS = { completed: 'pf-done', active: 'pf-active', waiting: 'pf-waiting' };

const MIN_READABLE = 0.6;  // below this zoom a diagram's labels cannot be read

// Zoom to a readable scale centred on where the case stands: its active and waiting
// elements, else the last finished ones.
function focusOn(canvas, registry, states) {
  const ids = [...(states.active || []), ...(states.waiting || [])];
  const shapes = (ids.length ? ids : (states.completed || []).slice(-3))
    .map((id) => registry.get(id)).filter((el) => el && el.width !== undefined);
  if (!shapes.length) return;
  const xs = shapes.flatMap((el) => [el.x, el.x + el.width]);
  const ys = shapes.flatMap((el) => [el.y, el.y + el.height]);
  const centre = { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: (Math.min(...ys) + Math.max(...ys)) / 2 };
  canvas.zoom(0.9, centre);
  const box = canvas.viewbox();
  canvas.viewbox({ x: centre.x - box.width / 2, y: centre.y - box.height / 2, width: box.width, height: box.height });
}

function hasDiagram(xml) {
  return /<([a-zA-Z0-9_]+:)?BPMNDiagram[\s>]/.test(xml);
}

async function show(container) {
  const status = container.querySelector('.diagram-status');
  try {
    const response = await fetch(container.dataset.xmlUrl, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(response.status + ' ' + response.statusText);
    let xml = await response.text();
    if (!hasDiagram(xml)) xml = await layoutProcess(xml);
    const canvasEl = container.querySelector('.diagram-canvas');
    const viewer = new NavigatedViewer({ container: canvasEl });
    await viewer.importXML(xml);
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const states = JSON.parse(container.dataset.states || '{}');
    for (const [state, marker] of Object.entries(MARKERS)) {
      for (const id of states[state] || []) {
        if (registry.get(id)) canvas.addMarker(id, marker);
      }
    }
    const focus = () => focusOn(canvas, registry, states);
    const whole = () => canvas.zoom('fit-viewport', 'auto');
    container.querySelector('[data-zoom="focus"]')?.addEventListener('click', focus);
    container.querySelector('[data-zoom="fit"]')?.addEventListener('click', whole);
    whole();
    if (canvas.zoom() < MIN_READABLE) focus();  // a large diagram fitted whole is too small to read
    if (status) status.remove();
    container.classList.add('diagram-ready');
  } catch (err) {
    if (status) status.textContent = (container.dataset.errorText || 'Diagram could not be shown') + ': ' + err.message;
    container.classList.add('diagram-failed');
  }
}

document.querySelectorAll('[data-bpmn-diagram]').forEach(show);
