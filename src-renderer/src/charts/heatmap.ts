// Weight matrices as a canvas raster (ECharts' heatmap series is too slow past ~20k cells; a 4096² W_hh has
// 16.8M). Pure functions: (matrix, order, mode, size) → RGBA pixels, unit-tested and benchmarked without a DOM.

export type HeatmapMode = 'weights' | 'mask' | 'penalty';

export interface MatrixInput {
  rows: number;
  cols: number;
  /** Gate blocks stacked along the rows (LSTM 4): each block is permuted by the same order. */
  gates: number;
  values: ArrayLike<number>;
  /** Embedding order of the neurons (columns; and rows within each gate block); null = natural order. */
  order: ArrayLike<number> | null;
}

export interface Raster {
  width: number;
  height: number;
  /** RGBA, row-major. */
  pixels: Uint8ClampedArray;
  /** Symmetric colour-scale limit: values are drawn on [−scale, scale]. */
  scale: number;
}

/** Diverging blue–white–red (RdBu-like), t in [−1, 1]. */
export function divergingColour(t: number, out: Uint8ClampedArray, o: number): void {
  const x = Math.max(-1, Math.min(1, t));
  if (x >= 0) {
    out[o] = 255;
    out[o + 1] = Math.round(255 * (1 - 0.85 * x));
    out[o + 2] = Math.round(255 * (1 - 0.9 * x));
  } else {
    out[o] = Math.round(255 * (1 + 0.9 * x));
    out[o + 1] = Math.round(255 * (1 + 0.7 * x));
    out[o + 2] = 255;
  }
  out[o + 3] = 255;
}

/** Index permutation for rows: the order applied within each gate block. */
function rowIndex(r: number, m: MatrixInput): number {
  if (!m.order) return r;
  const n = m.cols;
  const block = Math.floor(r / n);
  return block * n + m.order[r - block * n];
}

// Odd, so that zero falls exactly on the middle entry (white).
const LUT_SIZE = 257;

/** RGBA words (little-endian ABGR) for each mode, so the hot loop writes one Uint32 per pixel. */
function lookupTable(mode: HeatmapMode): Uint32Array {
  const lut = new Uint32Array(LUT_SIZE);
  const px = new Uint8ClampedArray(4);
  const view = new Uint32Array(px.buffer);
  for (let k = 0; k < LUT_SIZE; k++) {
    const u = k / (LUT_SIZE - 1);
    if (mode === 'weights') divergingColour(2 * u - 1, px, 0);
    else if (mode === 'penalty') px.set([Math.round(255 * u), Math.round(204 * u), 255 - Math.round(153 * u), 255]);
    else px.set(k === 0 ? [235, 235, 235, 255] : [40, 40, 40, 255]);
    lut[k] = view[0];
  }
  return lut;
}

/** 99th percentile of |x| from an evenly strided sample of at most 65,536 entries. */
function robustScale(values: Float32Array): number {
  const stride = Math.max(1, Math.floor(values.length / 65536));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += stride) sample.push(Math.abs(values[i]));
  sample.sort((a, b) => a - b);
  return sample[Math.min(sample.length - 1, Math.floor(0.99 * sample.length))] || 1;
}

/**
 * Rasterises the matrix permuted by the embedding order into at most maxSide × maxSide pixels. When the
 * matrix is larger, each pixel shows the entry of largest magnitude in its block (block max-|w|), so isolated
 * strong weights stay visible. The colour scale is symmetric at the 99th percentile of |w| (weights) or the
 * max (mask, penalty).
 */
export function rasterize(m: MatrixInput, mode: HeatmapMode, maxSide = 1024): Raster {
  const width = Math.min(m.cols, maxSide);
  const height = Math.min(m.rows, maxSide);
  const colFor = new Int32Array(m.cols);
  for (let c = 0; c < m.cols; c++) colFor[c] = m.order ? m.order[c] : c;
  const block = new Float32Array(width * height);
  const bx = m.cols / width;
  const by = m.rows / height;
  // Column ranges per pixel, computed once.
  const c0s = new Int32Array(width);
  const c1s = new Int32Array(width);
  for (let px = 0; px < width; px++) {
    c0s[px] = Math.floor(px * bx);
    c1s[px] = Math.max(c0s[px] + 1, Math.floor((px + 1) * bx));
  }
  const values = m.values;
  for (let py = 0; py < height; py++) {
    const r0 = Math.floor(py * by);
    const r1 = Math.max(r0 + 1, Math.floor((py + 1) * by));
    const out = py * width;
    for (let r = r0; r < r1; r++) {
      const src = rowIndex(r, m) * m.cols;
      if (bx === 1) {
        for (let px = 0; px < width; px++) {
          const v = values[src + colFor[px]];
          const cur = block[out + px];
          if ((v < 0 ? -v : v) > (cur < 0 ? -cur : cur)) block[out + px] = v;
        }
        continue;
      }
      for (let px = 0; px < width; px++) {
        let best = block[out + px];
        let bestAbs = best < 0 ? -best : best;
        for (let c = c0s[px], end = c1s[px]; c < end; c++) {
          const v = values[src + colFor[c]];
          const a = v < 0 ? -v : v;
          if (a > bestAbs) {
            best = v;
            bestAbs = a;
          }
        }
        block[out + px] = best;
      }
    }
  }
  let scale: number;
  if (mode === 'weights') scale = robustScale(block);
  else {
    scale = 0;
    for (const v of block) scale = Math.max(scale, Math.abs(v));
    scale ||= 1;
  }
  const lut = lookupTable(mode);
  const pixels = new Uint8ClampedArray(width * height * 4);
  const words = new Uint32Array(pixels.buffer);
  const top = LUT_SIZE - 1;
  for (let i = 0; i < block.length; i++) {
    const v = block[i];
    let k: number;
    if (mode === 'mask') k = v === 0 ? 0 : top;
    else if (mode === 'penalty') k = Math.round(top * Math.min(1, Math.abs(v) / scale));
    else k = Math.round((top * (Math.max(-1, Math.min(1, v / scale)) + 1)) / 2);
    words[i] = lut[k];
  }
  return { width, height, pixels, scale };
}
