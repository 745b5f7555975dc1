import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagramsHtml } from '../../grammar/diagrams.js';

describe('railroad diagrams', () => {
  it('grammar/diagrams.html is up to date with the parser (run `npm run diagrams`)', () => {
    const committed = readFileSync(new URL('../../grammar/diagrams.html', import.meta.url), 'utf8');
    expect(committed === diagramsHtml(), 'grammar/diagrams.html is stale: run `npm run diagrams`').toBe(true);
  });

  it('draws every statement rule', () => {
    const html = diagramsHtml();
    for (const rule of ['statement', 'entity', 'source', 'view', 'feature', 'label', 'trainingSet', 'select', 'expression']) {
      expect(html).toContain(`"name": "${rule}"`);
    }
    expect(html).not.toMatch(/<script src=/);
  });
});
