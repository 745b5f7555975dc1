import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagramsHtml } from './diagrams.js';

const target = fileURLToPath(new URL('./diagrams.html', import.meta.url));
writeFileSync(target, diagramsHtml());
console.log(`wrote ${target}`);
