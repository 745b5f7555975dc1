/**
 * The web UI in headless Chromium (playwright-core driving Debian's
 * chromium) on the example project served by a real `fsql serve`: search by
 * tag and by words, a feature's plot with one bar per non-empty histogram bin
 * and per top value (counted from the CSV data here, not from the API),
 * the diff between two versions, a retired version's reason, the lineage
 * graph's nodes and edges, the monitoring page, and `fsql ui`. Every request
 * the page makes goes to the server itself (no CDN).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../runtime/support.js';
import { chromiumPath } from '../support/services.js';
import { buildUi, exampleProject, launch, RETIRE_REASON, serve, type Served } from './fixture.js';

const EXAMPLE = join(ROOT, 'examples', 'payments');

/** The example's users.csv as rows (no quoted fields in it; an empty field is NULL). */
function users(): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(EXAMPLE, 'data', 'users.csv'), 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

/** docs/semantics.md §5: 10 equal-width bins from min to max, [lower, upper) but the last, which holds max. */
function histogram(values: number[]): number[] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const counts = new Array<number>(10).fill(0);
  for (const v of values) counts[Math.min(9, Math.floor(((v - min) / (max - min)) * 10))]!++;
  return counts;
}

/** The statements of the example's .fsql files (comments dropped): kind, name, description, owner, tags. */
function statements(): { kind: string; name: string; description: string; owner: string; tags: string[] }[] {
  const files = ['entities.fsql', 'sources.fsql', 'views.fsql', 'training.fsql', ...readdirSync(join(EXAMPLE, 'features')).map((f) => join('features', f))];
  const out = [];
  for (const f of files) {
    const text = readFileSync(join(EXAMPLE, f), 'utf8')
      .split('\n')
      .map((l) => l.replace(/--.*$/, ''))
      .join('\n');
    for (const s of text.split(/;\s*\n/)) {
      const m = /CREATE\s+(ENTITY|SOURCE|VIEW|FEATURE|LABEL|TRAINING SET)\s+(\w+)/i.exec(s);
      if (!m) continue;
      out.push({
        kind: m[1]!.toLowerCase().replace(' ', '_'),
        name: m[2]!,
        description: /DESCRIPTION\s+'((?:[^']|'')*)'/i.exec(s)?.[1] ?? '',
        owner: /OWNER\s+'([^']*)'/i.exec(s)?.[1] ?? '',
        tags: [...(/TAGS\s*\(([^)]*)\)/i.exec(s)?.[1] ?? '').matchAll(/'([^']*)'/g)].map((t) => t[1]!),
      });
    }
  }
  return out;
}

describe('the web UI in Chromium', { timeout: 180_000 }, () => {
  let project: { dir: string; cleanup: () => void };
  let server: Served;
  let browser: Browser;
  let page: Page;
  const foreign: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    await buildUi();
    project = await exampleProject();
    server = await serve(project.dir);
    browser = await launch(chromiumPath());
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on('request', (r) => {
      if (!r.url().startsWith(`${server.url}/`) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    project?.cleanup();
  });

  const names = async () => (await page.$$eval('.results .result', (els) => els.map((e) => e.getAttribute('data-name')!))).sort();

  it('search finds features by tag (the chip), as the API filter does', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('.chip[data-tag="spend"]');
    await page.click('.chip[data-tag="spend"]');
    await page.waitForURL(/#\/\?tag=spend$/);
    await page.locator('.result-count', { hasText: 'tagged spend' }).waitFor();
    const expected = [...new Set(statements().filter((s) => s.tags.includes('spend')).map((s) => s.name))].sort();
    expect(expected).toEqual(['avg_amount_7d', 'spend_30d']);
    // The count line can show before the list is re-rendered (as below): wait for the list itself.
    await expect.poll(() => names(), { timeout: 10_000 }).toEqual(expected);
    const api = (await (await fetch(`${server.url}/v1/registry/objects?tag=SPEND`)).json()) as { objects: { name: string }[] };
    expect([...new Set(api.objects.map((o) => o.name))].sort()).toEqual(expected);
  });

  it('search finds objects by words in names, descriptions, owners and tags', async () => {
    await page.goto(`${server.url}/#/`);
    await page.fill('#search', 'chargeback');
    await page.locator('.result-count', { hasText: 'chargeback' }).waitFor();
    const expected = statements()
      .filter((s) => [s.name, s.description, s.owner, ...s.tags].some((x) => x.toLowerCase().includes('chargeback')))
      .map((s) => s.name)
      .sort();
    expect(expected.length).toBeGreaterThanOrEqual(2);
    await expect.poll(() => names(), { timeout: 10_000 }).toEqual(expected);
    // An owner filter narrows the same list.
    await page.goto(`${server.url}/#/?owner=identity-team&kind=feature`);
    await page.locator('.result-count', { hasText: 'owned by' }).waitFor();
    // The count line can show before the list is re-rendered: wait for the list itself.
    const owned = statements().filter((s) => s.kind === 'feature' && s.owner === 'identity-team').map((s) => s.name).sort();
    await expect.poll(() => names(), { timeout: 10_000 }).toEqual(owned);
  });

  it('a feature page draws one histogram bar per non-empty bin of the data', async () => {
    const ages = users()
      .map((u) => u['age']!)
      .filter((a) => a !== '')
      .map(Number);
    const bins = histogram(ages).filter((c) => c > 0);
    await page.goto(`${server.url}/#/object/user_age?version=1`);
    await page.waitForSelector('[data-plot="histogram"] svg');
    const bars = await page.$$eval('[data-plot="histogram"] svg g[aria-label="rect"] rect', (rects) =>
      rects.map((r) => ({ x: Number(r.getAttribute('x')), title: r.querySelector('title')?.textContent ?? '' })).sort((a, b) => a.x - b.x),
    );
    expect(bars).toHaveLength(bins.length);
    expect(bars.map((b) => Number(/: ([\d,]+)$/.exec(b.title)![1]!.replace(/,/g, '')))).toEqual(bins);
    // Values and NULLs: the rows without an age are the NULLs.
    const completeness = page.locator('.completeness');
    expect(await completeness.getAttribute('data-nulls')).toBe(String(users().length - ages.length));
    expect(await completeness.getAttribute('data-distinct')).toBe(String(new Set(ages).size));
    // The definition is highlighted with the project's TextMate grammar.
    await page.waitForSelector('#definition pre.code[data-highlighted="true"]');
    expect(await page.locator('#definition .tm-create').first().textContent()).toMatch(/^CREATE/);
    expect(await page.locator('#definition .tm-transform').allTextContents()).toEqual(expect.arrayContaining(['FILL', 'SCALE']));
    // Fitted parameters in words.
    expect(await page.locator('#fitted').textContent()).toContain(`on ${ages.length} non-NULL values`);
  });

  it('a text feature draws one bar per top value, with the counts of the data', async () => {
    const counts = new Map<string, number>();
    for (const u of users()) if (u['country'] !== '') counts.set(u['country']!, (counts.get(u['country']!) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
    await page.goto(`${server.url}/#/object/home_country`);
    await page.waitForSelector('[data-plot="top-values"] svg');
    const bars = await page.$$eval('[data-plot="top-values"] svg g[aria-label="bar"] rect', (rects) =>
      rects.map((r) => ({ y: Number(r.getAttribute('y')), title: r.querySelector('title')?.textContent ?? '' })).sort((a, b) => a.y - b.y),
    );
    expect(bars.map((b) => b.title)).toEqual(top.map(([v, n]) => `${v}: ${n}`));
  });

  it('shows the diff between two versions, and a retired version with its reason', async () => {
    await page.goto(`${server.url}/#/object/user_age?version=2`);
    await page.waitForSelector('#versions .diff');
    expect(await page.locator('#versions tr[data-version]').count()).toBe(2);
    const diff = page.locator('#versions .diff');
    // VERSION 1 → 2 changes three lines of the definition: the header, FILL and SCALE.
    expect(await diff.getAttribute('data-removed')).toBe('3');
    expect(await diff.getAttribute('data-added')).toBe('3');
    const removed = (await diff.locator('.diff-del').allTextContents()).map((t) => t.replace(/^−/, '').trim());
    const added = (await diff.locator('.diff-add').allTextContents()).map((t) => t.replace(/^\+/, '').trim());
    expect(removed).toEqual(['CREATE FEATURE user_age VERSION 1', 'FILL MEDIAN', 'SCALE STANDARD']);
    expect(added).toEqual(['CREATE FEATURE user_age VERSION 2', 'FILL MEAN', 'SCALE MINMAX']);
    // Any two: the same version against itself is no change.
    await page.selectOption('#diff-from', '2');
    await page.locator('#versions .diff[data-removed="0"]').waitFor();
    expect(await diff.getAttribute('data-added')).toBe('0');

    await page.goto(`${server.url}/#/object/avg_amount_7d?version=2`);
    await page.waitForSelector('#versions tr[data-version="1"] .retired-reason');
    expect(await page.locator('#versions tr[data-version="1"] .retired-reason').textContent()).toContain(RETIRE_REASON);
  });

  it('draws the lineage graph both ways with the expected nodes and edges', async () => {
    await page.goto(`${server.url}/#/object/enriched_transactions`);
    await page.waitForSelector('svg.lineage');
    const nodes = (await page.$$eval('svg.lineage [data-node]', (els) => els.map((e) => e.getAttribute('data-node')!))).sort();
    const edges = (await page.$$eval('svg.lineage [data-edge]', (els) => els.map((e) => e.getAttribute('data-edge')!))).sort();
    // From views.fsql and the features: transactions, users and merchants → enriched_transactions → cross_border_spend_30d → fraud_detection.
    expect(nodes).toEqual(['feature:cross_border_spend_30d@1', 'source:merchants@1', 'source:transactions@1', 'source:users@1', 'training_set:fraud_detection@1', 'view:enriched_transactions@1']);
    expect(edges).toEqual([
      'feature:cross_border_spend_30d@1->training_set:fraud_detection@1',
      'source:merchants@1->view:enriched_transactions@1',
      'source:transactions@1->view:enriched_transactions@1',
      'source:users@1->view:enriched_transactions@1',
      'view:enriched_transactions@1->feature:cross_border_spend_30d@1',
    ]);
    // Upstream to the left of the root, downstream to its right.
    const x = async (key: string) => Number(await page.locator(`svg.lineage [data-node="${key}"] rect`).first().getAttribute('x'));
    expect(await x('source:users@1')).toBeLessThan(await x('view:enriched_transactions@1'));
    expect(await x('view:enriched_transactions@1')).toBeLessThan(await x('feature:cross_border_spend_30d@1'));
    expect(await x('feature:cross_border_spend_30d@1')).toBeLessThan(await x('training_set:fraud_detection@1'));
    // A node leads to its page.
    await page.click('svg.lineage [data-node="source:merchants@1"]');
    await page.waitForSelector('.object-page[data-name="merchants"]');
  });

  it('shows drift and freshness from the monitoring endpoints', async () => {
    const drift = (await (await fetch(`${server.url}/v1/monitoring/drift`)).json()) as { features: unknown[] };
    const freshness = (await (await fetch(`${server.url}/v1/monitoring/freshness`)).json()) as { entities: unknown[]; sources: unknown[] };
    await page.goto(`${server.url}/#/monitoring`);
    await page.waitForSelector('#drift [data-drifted]');
    await page.waitForSelector('#freshness tr[data-entity]');
    expect(await page.locator('#drift tr[data-feature]').count()).toBe(drift.features.length);
    expect(drift.features.length).toBeGreaterThan(0);
    expect(await page.locator('#freshness tr[data-entity]').count()).toBe(freshness.entities.length);
    expect(await page.locator('#freshness tr[data-source]').count()).toBe(freshness.sources.length);
  });

  it('loaded nothing from anywhere but the server, and raised no error', () => {
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('`fsql ui` serves the UI and the registry without lookups', async () => {
    const ui = await serve(project.dir, 'ui');
    try {
      const index = await fetch(`${ui.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await index.text()).toContain('<div id="app">');
      expect((await fetch(`${ui.url}/v1/registry/objects?kind=feature&tag=spend`)).status).toBe(200);
      const lookup = await fetch(`${ui.url}/v1/features/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"keys":[["u0001"]]}' });
      expect(lookup.status).toBe(404);
      const p = await browser.newPage();
      await p.goto(`${ui.url}/#/object/user_age`);
      await p.waitForSelector('[data-plot="histogram"] svg');
      await p.close();
    } finally {
      await ui.stop();
    }
  });
});
