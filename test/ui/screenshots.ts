/**
 * `npm run screenshots`: the main pages of the web UI on the example project
 * (test/ui/fixture.ts: served by a real `fsql serve`), as PNGs in
 * docs/images/ for the README and docs/ui.md. Chromium: $FSQL_TEST_CHROMIUM,
 * else /usr/bin/chromium.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../runtime/support.js';
import { exampleProject, launch, serve } from './fixture.js';

const OUT = join(ROOT, 'docs', 'images');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  process.stderr.write('preparing the example project…\n');
  const project = await exampleProject('fsql-screenshots-');
  const server = await serve(project.dir);
  const browser = await launch(process.env['FSQL_TEST_CHROMIUM'] || '/usr/bin/chromium');
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 }, deviceScaleFactor: 1 });
    const shot = async (file: string, hash: string, ready: string, options: { element?: string; fullPage?: boolean } = {}) => {
      await page.goto(`${server.url}/${hash}`);
      await page.waitForSelector(ready);
      // Plots and highlighting settle; fonts are local.
      await page.waitForTimeout(400);
      const path = join(OUT, file);
      if (options.element) await page.locator(options.element).screenshot({ path });
      else await page.screenshot({ path, fullPage: options.fullPage === true });
      process.stderr.write(`wrote ${path}\n`);
    };
    await shot('ui-search.png', '#/', '.results .result');
    await shot('ui-feature.png', '#/object/avg_amount_7d?version=2', '#definition pre.code[data-highlighted="true"]', { fullPage: true });
    await shot('ui-statistics.png', '#/object/user_age?version=2', '[data-plot="history"] svg, [data-plot="histogram"] svg', { element: '#statistics' });
    await shot('ui-lineage.png', '#/object/fraud_detection', 'svg.lineage', { element: '#lineage' });
    await shot('ui-monitoring.png', '#/monitoring', '#freshness tr[data-entity]', { fullPage: true });
  } finally {
    await browser.close();
    await server.stop();
    project.cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
