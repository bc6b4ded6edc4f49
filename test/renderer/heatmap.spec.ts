import { describe, expect, it } from 'vitest';
import { rasterize } from '../../src-renderer/src/charts/heatmap';
import { buildLineOption, ema, seriesCsv } from '../../src-main/charts/line-option';

const pixel = (r: ReturnType<typeof rasterize>, x: number, y: number) => Array.from(r.pixels.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4));

describe('weight heatmap raster', () => {
  const values = Float32Array.from([0, 1, -1, 0]); // W[0][1] = 1 (red), W[1][0] = −1 (blue)

  it('draws positive weights red, negative blue and zero white on a symmetric scale', () => {
    const r = rasterize({ rows: 2, cols: 2, gates: 1, values, order: null }, 'weights');
    expect(pixel(r, 1, 0)[0]).toBe(255);
    expect(pixel(r, 1, 0)[2]).toBeLessThan(60);
    expect(pixel(r, 0, 1)[2]).toBe(255);
    expect(pixel(r, 0, 1)[0]).toBeLessThan(60);
    expect(pixel(r, 0, 0)).toEqual([255, 255, 255, 255]);
  });

  it('permutes rows and columns by the embedding order', () => {
    const r = rasterize({ rows: 2, cols: 2, gates: 1, values, order: [1, 0] }, 'weights');
    // Ordered matrix: W'[i][j] = W[order[i]][order[j]] → W'[0][1] = W[1][0] = −1.
    expect(pixel(r, 1, 0)[2]).toBe(255);
    expect(pixel(r, 0, 1)[0]).toBe(255);
  });

  it('applies the order within every gate block of an LSTM matrix', () => {
    const n = 2;
    const v = new Float32Array(4 * n * n);
    v[(2 * n + 1) * n + 0] = 5; // gate block 2, row 1, col 0
    const r = rasterize({ rows: 4 * n, cols: n, gates: 4, values: v, order: [1, 0] }, 'weights');
    expect(pixel(r, 1, 2 * n)[0]).toBe(255);
  });

  it('downsamples by block max-|w| so a single strong weight survives', () => {
    const n = 2048;
    const big = new Float32Array(n * n);
    big[1234 * n + 777] = -3;
    const r = rasterize({ rows: n, cols: n, gates: 1, values: big, order: null }, 'weights', 512);
    expect(r.width).toBe(512);
    expect(pixel(r, Math.floor(777 / 4), Math.floor(1234 / 4))[2]).toBe(255);
    expect(pixel(r, Math.floor(777 / 4), Math.floor(1234 / 4))[0]).toBeLessThan(60);
  });

  it('mask mode shows pruned entries light and kept entries dark', () => {
    const r = rasterize({ rows: 1, cols: 2, gates: 1, values: [0, 1], order: null }, 'mask');
    expect(pixel(r, 0, 0)[0]).toBeGreaterThan(200);
    expect(pixel(r, 1, 0)[0]).toBeLessThan(60);
  });
});

describe('line chart option', () => {
  const series = [{ name: 'loss', steps: [1, 2, 3], values: [3, 2, 1] }];
  it('plots [step, value] pairs per series with a legend and zoom', () => {
    const o = buildLineOption(series, { title: 'Loss', yName: 'loss', smoothing: 0, logY: false, dark: false }) as {
      series: Array<{ data: number[][] }>;
      legend: unknown;
      dataZoom: unknown[];
    };
    expect(o.series[0].data).toEqual([
      [1, 3],
      [2, 2],
      [3, 1],
    ]);
    expect(o.legend).toBeDefined();
    expect(o.dataZoom).toHaveLength(2);
  });
  it('EMA smoothing is debiased (the first point is kept) and 0 is the identity', () => {
    expect(ema([4, 4, 4], 0.9)).toEqual([4, 4, 4].map((x) => expect.closeTo(x, 9)));
    // Debiased: the second point is (0.9·0.1·4 + 0.1·0) / (1 − 0.9²) = 0.36 / 0.19, not 0.36 (the biased EMA).
    const [first, second] = ema([4, 0], 0.9);
    expect(first).toBeCloseTo(4, 12);
    expect(second).toBeCloseTo(0.36 / 0.19, 12);
    expect(ema([1, 2], 0)).toEqual([1, 2]);
  });
  it('CSV holds exactly the plotted (smoothed) values aligned by step', () => {
    const csv = seriesCsv([...series, { name: 'b, quoted', steps: [2], values: [7] }], 0);
    expect(csv).toBe('step,loss,"b, quoted"\n1,3,\n2,2,7\n3,1,\n');
  });
});

describe('seed statistics', () => {
  it('mean ± sample std (n − 1) against hand-computed values', async () => {
    const { meanStd } = await import('../../src-renderer/src/stats');
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample variance 32/7.
    const r = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(r.mean).toBe(5);
    expect(r.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(meanStd([3]).std).toBe(0);
  });
});
