// Build the case page's diagram viewer, the process owner's modeler and the promise board's chart into
// ../webapp/static/build/ (committed, so the app runs without node).
// Run: cd frontend && npm ci && npm run build
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const out = new URL('../webapp/static/build/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  legalComments: 'linked',
  logLevel: 'info',
};
await build({ ...common, entryPoints: ['src/case-diagram.js'], outfile: out + 'case-diagram.js' });
await build({ ...common, entryPoints: ['src/modeler.js'], outfile: out + 'modeler.js' });
await build({ ...common, entryPoints: ['src/figures-chart.js'], outfile: out + 'figures-chart.js' });

const modules = new URL('./node_modules/', import.meta.url).pathname;
const assets = modules + 'bpmn-js/dist/assets/';
cpSync(assets + 'diagram-js.css', out + 'diagram-js.css');
cpSync(assets + 'bpmn-js.css', out + 'bpmn-js.css');
// the palette's icon font as files (the CSP allows no data: fonts), and the properties panel's styles
cpSync(assets + 'bpmn-font/css/bpmn.css', out + 'bpmn-font/css/bpmn.css');
for (const ext of ['eot', 'svg', 'ttf', 'woff', 'woff2']) {
  cpSync(assets + `bpmn-font/font/bpmn.${ext}`, out + `bpmn-font/font/bpmn.${ext}`);
}
cpSync(modules + '@bpmn-io/properties-panel/dist/assets/properties-panel.css', out + 'properties-panel.css');
console.log('copied bpmn-js and properties-panel styles to', out);
