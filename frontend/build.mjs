// Build the case page's diagram viewer into ../webapp/static/build/ (committed, so the app
// runs without node). Run: cd frontend && npm ci && npm run build
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const out = new URL('../webapp/static/build/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

await build({
  entryPoints: ['src/case-diagram.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  outfile: out + 'case-diagram.js',
  legalComments: 'linked',
  logLevel: 'info',
});

const assets = new URL('./node_modules/bpmn-js/dist/assets/', import.meta.url).pathname;
cpSync(assets + 'diagram-js.css', out + 'diagram-js.css');
cpSync(assets + 'bpmn-js.css', out + 'bpmn-js.css');
console.log('copied bpmn-js styles to', out);
