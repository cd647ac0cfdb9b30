// The case page's diagram: bpmn-js draws the case's version of each diagram and marks
// finished, active and waiting elements. Diagrams without drawing information (BPMN DI)
// are laid out automatically. Everything comes from data attributes and same-origin
// fetches: no inline script (the app's Content-Security-Policy forbids it).
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { layoutProcess } from 'bpmn-auto-layout';

const MARKERS = { completed: 'pf-done', active: 'pf-active', waiting: 'pf-waiting' };

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
    canvas.zoom('fit-viewport', 'auto');
    if (status) status.remove();
    container.classList.add('diagram-ready');
  } catch (err) {
    if (status) status.textContent = (container.dataset.errorText || 'Diagram could not be shown') + ': ' + err.message;
    container.classList.add('diagram-failed');
  }
}

document.querySelectorAll('[data-bpmn-diagram]').forEach(show);
