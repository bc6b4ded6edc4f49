// End to end in Debian's Chromium (playwright-core, never a downloaded browser) against `moduli serve`'s
// server with a temporary database: form → live run → charts → heatmap ordering → compare → PNG export.
// Needs `npm run build` (out/renderer) and /usr/bin/chromium; .ci/run provides both.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src-main/api/service';
import { nodeForkHost } from '../../src-main/jobs/host';
import { JobRunner } from '../../src-main/jobs/runner';
import { startServer } from '../../src-main/server/http';
import { RunStore } from '../../src-main/store/run-store';

const ROOT = resolve(__dirname, '../..');
const RENDERER = join(ROOT, 'out/renderer');
const dir = mkdtempSync(join(tmpdir(), 'e2e-'));
// Screenshots go to a temporary folder; `npm run screenshots` sets MODULI_SCREENSHOTS=docs/screenshots to
// regenerate the README's pictures deliberately (a test run never rewrites committed files).
const SHOTS = process.env.MODULI_SCREENSHOTS ? resolve(ROOT, process.env.MODULI_SCREENSHOTS) : join(dir, 'screenshots');
mkdirSync(SHOTS, { recursive: true });

let browser: Browser;
let page: Page;
let store: RunStore;
let runner: JobRunner;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('out/renderer is missing: run `npm run build` before the e2e test');
  if (!existsSync('/usr/bin/chromium')) throw new Error('Debian chromium is missing: apt-get install chromium');
  store = RunStore.open(join(dir, 'runs.sqlite'));
  // One run at a time: the test shares 2 cores with the browser and the server.
  runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: 1, metricsEvery: 2 });
  server = await startServer({ service: createService(store, runner), events: runner.events, staticDir: RENDERER, port: 0 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runner?.waitAll();
  await server?.close();
  store?.close();
});

describe('workbench UI in a browser', () => {
  it('runs an adding-problem experiment from the form and shows it live, ordered, compared and exported', async () => {
    await page.goto(server.url);
    await page.waitForSelector('text=No runs yet');
    // The token left the address bar for this origin's storage; no cookie exists for other local servers to receive.
    expect(page.url()).not.toContain(server.token!);
    expect(await page.evaluate("localStorage.getItem('moduli_token')")).toBe(server.token);
    expect(await page.context().cookies()).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'runs-empty.png') });

    await page.click('text=New experiment');
    await page.selectOption('select[name="task"]', 'adding');
    await page.fill('input[name="seeds"]', '1, 2');
    await page.fill('input[name="target"]', '0.9');
    // A field outside the curated top, from the schema-drawn "All settings": it reaches the run's config.
    await page.click('[data-test="all-settings"] summary');
    await page.fill('[data-test="all-settings"] input[name="task.testSamples"]', '500');
    await expect.poll(async () => page.textContent('[data-test="departures"]')).toMatch(/task\.testSamples 500/);
    await page.waitForSelector('canvas[data-order]');
    await page.screenshot({ path: join(SHOTS, 'new-experiment.png') });
    await page.click('[data-test="run"]');

    await page.waitForSelector('tr[data-status="running"]', { timeout: 60_000 });
    await page.waitForSelector('tr[data-status="queued"]', { timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'runs-running.png') });
    const ids = await page.$$eval('tbody tr a', (as) => as.map((a) => a.textContent!.trim()));
    expect(ids).toHaveLength(2);
    for (const id of ids) expect((store.getRun(id)!.config.task as { testSamples: number }).testSamples).toBe(500);
    // One run at a time: open the one that is training (the other waits in the queue).
    const running = await page.$eval('tr[data-status="running"] a', (a) => a.textContent!.trim());
    ids.sort((a, b) => (a === running ? -1 : b === running ? 1 : 0));

    await page.click(`text=${ids[0]}`);
    await page.waitForSelector('[data-test="chart-loss"] canvas');
    // The loss chart receives points while the run trains, and sparsity rises as pruning proceeds.
    await expect.poll(async () => store.series(ids[0], 'loss').total, { timeout: 60_000 }).toBeGreaterThan(20);
    await expect.poll(async () => store.latestMetrics(ids[0]).sparsity ?? 0, { timeout: 90_000 }).toBeGreaterThan(0.2);
    await page.waitForSelector('canvas[data-order="embedding"]', { timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, 'run-detail.png') });
    await page.click('[data-test="order-toggle"]');
    await page.waitForSelector('canvas[data-order="natural"]');

    await expect.poll(async () => store.getRun(ids[0])!.status, { timeout: 120_000 }).toBe('finished');
    // The heatmap followed the live run to its last snapshot (the page was open the whole time).
    const last = store
      .snapshots(ids[0])
      .filter((s) => s.phase === 'train')
      .at(-1)!;
    await expect.poll(async () => page.textContent('.lower h3'), { timeout: 20_000 }).toContain(`epoch ${last.epoch}, step ${last.step}`);
    await page.click('[data-test="order-toggle"]');
    await page.waitForSelector('canvas[data-order="embedding"]');
    // Hover names the connection and its values; the colour bar and the distance profile are there.
    const heat = (await page.$('[data-test="heatmap"]'))!;
    const b = (await heat.boundingBox())!;
    await page.mouse.move(b.x + b.width * 0.3, b.y + b.height * 0.6);
    await expect.poll(async () => page.textContent('[data-test="heatmap-hover"]')).toMatch(/connection \d+ → \d+ · w = -?[\d.e-]+ · (kept|pruned)/);
    await page.waitForSelector('[data-test="colour-bar"]');
    await page.waitForSelector('[data-test="distance-profile"] canvas', { timeout: 30_000 });
    // Pruning steps are marked on the training charts; the x axis switches to epochs and wall time.
    expect(Number(await page.getAttribute('[data-test="chart-loss"]', 'data-markers'))).toBeGreaterThan(0);
    expect(Number(await page.getAttribute('[data-test="chart-sparsity"]', 'data-markers'))).toBeGreaterThan(0);
    await page.selectOption('[data-test="x-axis"]', 'epoch');
    await expect.poll(() => page.getAttribute('[data-test="chart-loss"]', 'data-x-name')).toBe('epoch');
    await page.selectOption('[data-test="x-axis"]', 'time');
    await expect.poll(() => page.getAttribute('[data-test="chart-loss"]', 'data-x-name')).toBe('wall time (s)');
    const [timeCsv] = await Promise.all([page.waitForEvent('download'), page.click('[data-test="chart-loss"] >> text=CSV')]);
    expect(readFileSync(await timeCsv.path(), 'utf8').split('\n')[0]).toMatch(/^wall time \(s\),/);
    await page.selectOption('[data-test="x-axis"]', 'step');
    // Two snapshots side by side: the first and the newest, each with its own choice and pruned fraction.
    await page.click('[data-test="side-by-side"]');
    await expect.poll(async () => (await page.$$('[data-test="snapshot-pair"] canvas[data-test="heatmap"]')).length, { timeout: 20_000 }).toBe(2);
    const snaps = store.snapshots(ids[0]).filter((s) => s.matrix === store.snapshots(ids[0])[0].matrix);
    const picked = await page.$$eval('[data-test="snapshot-pair"] [data-test="snapshot-choice"]', (ss) =>
      ss.map((s) => Number((s as unknown as { value: string }).value)),
    );
    expect(picked).toEqual([snaps[0].id, snaps.at(-1)!.id]);
    await expect.poll(async () => page.textContent('[data-test="snapshot-pair"]')).toMatch(/\d+\.\d % pruned/);
    await page.locator('[data-test="snapshot-pair"]').screenshot({ path: join(SHOTS, 'run-snapshots-side-by-side.png') });
    await expect.poll(async () => store.getRun(ids[1])!.status, { timeout: 120_000 }).toBe('finished');

    await page.goto(`${new URL(server.url).origin + '/'}#/compare/${ids.join(',')}`);
    await page.waitForSelector('[data-test="chart-compare"] canvas');
    await page.waitForSelector('text=± ');
    // Each run's newest recurrent weights side by side.
    await expect.poll(async () => (await page.$$('[data-test="compare-weights"] canvas[data-test="heatmap"]')).length, { timeout: 20_000 }).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'compare.png') });
    await page.locator('[data-test="compare-weights"]').screenshot({ path: join(SHOTS, 'compare-weights.png') });
    // The status bar names the backend the runs actually loaded, with its fallbacks.
    // (webgpu's reason depends on the machine's Vulkan drivers; auto never takes a software adapter.)
    await expect
      .poll(async () => page.textContent('[data-test="status-bar"]'), { timeout: 10_000 })
      .toMatch(
        /backend: wasm on (OpenBLAS [\d.]+, )?\d+ CPU threads? \(3 fallbacks: webgpu: [^;]+; tensorflow-gpu: not installed; tensorflow: not installed\)/,
      );

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test="chart-compare"] >> text=PNG')]);
    const file = join(dir, 'chart.png');
    await download.saveAs(file);
    const png = readFileSync(file);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    // pixelRatio 2 of the on-screen chart.
    const box = (await page.$('[data-test="chart-compare"] canvas'))!;
    const shown = (await box.boundingBox())!;
    expect(width).toBe(Math.round(shown.width * 2));
    expect(height).toBe(Math.round(shown.height * 2));
  }, 300_000);

  it('creates a study from the form (run count before launch) and shows its grid, report and seed-band figures live', async () => {
    // The token URL stores the token in this origin's localStorage (when this test runs alone), then the studies view.
    await page.goto(server.url);
    await page.goto(`${new URL(server.url).origin + '/'}#/studies`);
    await page.waitForSelector('text=No studies yet');
    await page.click('[data-test="new-study"]');
    await page.waitForSelector('select[name="template"] option[value="adding-controls"]', { state: 'attached' });
    await page.selectOption('select[name="template"]', 'adding-controls');
    await page.fill('input[name="seeds"]', '1-2');
    await expect.poll(() => page.textContent('[data-test="run-count"]')).toMatch(/4 configurations × 2 seeds = 8 runs/);
    // Multi-selects: drop two configurations (keep the geometry and its permuted control), one seed, two tiny
    // hidden sizes (an N axis: a scaling study from the form).
    await page.uncheck('input[name="arms"][value="L1"]');
    await page.uncheck('input[name="arms"][value="no regulariser"]');
    await page.fill('input[name="seeds"]', '1');
    await page.fill('input[name="hidden"]', '12, 16');
    await expect.poll(() => page.textContent('[data-test="run-count"]')).toMatch(/4 configurations × 1 seed = 4 runs/);
    await page.fill('input[name="seeds"]', '3-1');
    await expect.poll(() => page.textContent('[data-test="study-error"]')).toMatch(/seeds: .*backwards/);
    expect(await page.isDisabled('[data-test="launch-study"]')).toBe(true);
    await page.fill('input[name="seeds"]', '1');
    await page.screenshot({ path: join(SHOTS, 'study-form.png') });
    await page.click('[data-test="launch-study"]');

    await page.waitForSelector('[data-test="study-grid"]', { timeout: 30_000 });
    const studyId = page.url().split('#/study/')[1];
    await expect.poll(async () => (await page.$$('[data-test="study-grid"] td.finished')).length, { timeout: 240_000 }).toBe(4);
    // The report fills in as runs finish: every cell 1/1 with the structure column, the figures drawn.
    await expect.poll(() => page.textContent('[data-test="study-report"]'), { timeout: 30_000 }).toMatch(/torus DoG⁻¹ · hidden=161\/1/);
    expect(await page.textContent('[data-test="study-report"]')).toMatch(/permuted DoG⁻¹ · hidden=121\/1/);
    expect(await page.textContent('[data-test="study-report"] thead')).toContain('kept-length ratio');
    // Against the paper: the adding problem has no authors' numbers; one seed per arm cannot test a claim.
    expect(await page.textContent('[data-test="study-verdicts"]')).toMatch(/not testable here at hidden=12 — the torus beats its permuted control/);
    await page.waitForSelector('[data-test="chart-metric-vs-sparsity"] canvas');
    // The distance profile of each configuration's pruned W_hh (one chart per hidden size), measured in a worker
    // process, and the final metric against the N axis.
    await page.waitForSelector('[data-test="chart-distance-profile"] canvas', { timeout: 30_000 });
    expect(await page.$$('[data-test="chart-distance-profile"]')).toHaveLength(2);
    await page.waitForSelector('[data-test="chart-metric-vs-axis"] canvas');
    await page.screenshot({ path: join(SHOTS, 'study.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test="chart-metric-vs-sparsity"] >> text=CSV')]);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\n')[0]).toBe('configuration,global sparsity (%),mean,std,n');
    // x in the plotted unit (percent): the first point is before pruning, the last at the preset's 95 %.
    expect(csv).toMatch(/^torus DoG⁻¹ · hidden=12,0,/m);
    expect(csv).toMatch(/^torus DoG⁻¹ · hidden=16,9[45](\.\d+)?,/m);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM runs WHERE study_id = ?').get(studyId)).toEqual({ n: 4 });
    // The permuted control's run page draws its distance profile too (beside the geometry-blind reference).
    const permuted = store.db
      .prepare("SELECT id FROM runs WHERE study_id = ? AND json_extract(config_json, '$.regularization.penalty.permute') = 1")
      .get(studyId) as { id: string };
    await page.goto(`${new URL(server.url).origin + '/'}#/run/${permuted.id}`);
    await page.waitForSelector('[data-test="distance-profile"] canvas', { timeout: 30_000 });
  }, 300_000);

  it('says when the server is gone, reconnects when it is back, and a reload works without a new token', async () => {
    const base = new URL(server.url).origin + '/';
    const port = Number(new URL(base).port);
    const token = server.token;
    await page.goto(`${base}#/runs`);
    await page.waitForSelector('tr[data-status="finished"]');
    await server.close();
    await page.waitForSelector('[data-test="disconnected"]', { timeout: 20_000 });
    // The same installation restarts: same port, the persisted token.
    server = await startServer({ service: createService(store, runner), events: runner.events, staticDir: RENDERER, port, token });
    await page.waitForSelector('[data-test="disconnected"]', { state: 'detached', timeout: 20_000 });
    await page.reload();
    await page.waitForSelector('tr[data-status="finished"]');
    expect(await page.$('text=missing or wrong token')).toBeNull();
  }, 120_000);
});
