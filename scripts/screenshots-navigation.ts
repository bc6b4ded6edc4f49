// Regenerates the README's navigation screenshots deliberately (never run by `npm test`): trains the quick
// navigation preset with the torus DoG⁻¹ penalty and its permuted control (seed 1, two workers), then shows
// the torus run (heatmap in embedding order, distance profile) and the comparison of the two in Chromium.
//   npm run build && node bin/run-ts.mjs scripts/screenshots-navigation.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createService } from '../src-main/api/service';
import { nodeForkHost } from '../src-main/jobs/host';
import { JobRunner } from '../src-main/jobs/runner';
import { presetConfig } from '../src-main/schema/presets';
import { startServer } from '../src-main/server/http';
import { RunStore } from '../src-main/store/run-store';

const root = resolve(import.meta.dirname, '..');
const shots = join(root, 'docs/screenshots');
const dir = mkdtempSync(join(tmpdir(), 'shots-'));
const store = RunStore.open(join(dir, 'runs.sqlite'));
const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 2 });
const server = await startServer({ service: createService(store, runner), events: runner.events, staticDir: join(root, 'out/renderer'), port: 0 });
const torus = runner.enqueue(presetConfig('navigation', 'quick', { seed: 1, backend: 'wasm' }));
const permuted = runner.enqueue(
  presetConfig('navigation', 'quick', { seed: 1, backend: 'wasm', regularization: { penalty: { space: 'torus', permute: true } } }),
);
process.stderr.write(`training ${torus} (torus) and ${permuted} (permuted), about two minutes…\n`);
await runner.waitAll();

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] });
// Tall enough for the whole run view: the status bar is fixed to the bottom of the viewport.
const page = await browser.newPage({ viewport: { width: 1400, height: 1900 } });
const base = server.url.split('?')[0];
await page.goto(server.url);
await page.goto(`${base}#/run/${torus}`);
await page.waitForSelector('[data-test="distance-profile"] canvas', { timeout: 60_000 });
await page.waitForSelector('canvas[data-order="embedding"]');
const heat = (await (await page.$('[data-test="heatmap"]'))!.boundingBox())!;
await page.mouse.move(heat.x + heat.width * 0.5, heat.y + heat.height * 0.52);
await page.waitForTimeout(500);
await page.screenshot({ path: join(shots, 'navigation-run.png') });
await page.goto(`${base}#/compare/${torus},${permuted}`);
await page.waitForSelector('[data-test="compare-profile"] canvas', { timeout: 60_000 });
await page.waitForTimeout(500);
await page.screenshot({ path: join(shots, 'navigation-compare.png') });
for (const id of [torus, permuted]) {
  const r = store.getRun(id)!;
  process.stderr.write(`${r.name}: error ${r.finalMetric?.toFixed(2)} cm, sparsity ${(100 * (r.finalSparsity ?? 0)).toFixed(1)} %\n`);
}
await browser.close();
runner.dispose();
await server.close();
store.close();
