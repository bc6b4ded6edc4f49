// Place cells (docs/method.md §6.1): Np centres uniform in the box, drawn from a fixed
// seed so every run shares them (as the reference's np.random.seed(0)); DoG code
//   a = softmax(−r²/2σ²) − softmax(−r²/(2·s·σ²)),  a ← a + |min a|,  a ← a / Σa.
import { createRng } from '../../random';

export interface PlaceCellOptions {
  count: number;
  width: number;
  surroundScale: number;
  boxSize: number;
  code: 'dog' | 'gaussian';
}

export class PlaceCells {
  /** Row-major [Np, 2] centres. */
  readonly centres: Float64Array;
  // Scratch buffers for the encoder, which runs T·B times per training step.
  private readonly r2: Float64Array;
  private readonly code: Float64Array;
  private readonly xy = new Float64Array(2);

  constructor(readonly opts: PlaceCellOptions) {
    this.r2 = new Float64Array(opts.count);
    this.code = new Float64Array(opts.count);
    const rng = createRng('place-cells');
    this.centres = new Float64Array(opts.count * 2);
    for (let i = 0; i < this.centres.length; i++) this.centres[i] = (rng.uniform() - 0.5) * opts.boxSize;
  }

  /** Writes the DoG code of position (x, y) into out[offset .. offset+Np). */
  encodeInto(x: number, y: number, out: Float32Array, offset: number): void {
    this.xy[0] = x;
    this.xy[1] = y;
    encodePlaceCodes(this.spec(), this.xy, 0, 1, out, offset, this.r2, this.code);
  }

  /** Codes of `rows` positions (x, y pairs from `positions[2·from]`) into consecutive rows of `out`. */
  encodeRows(positions: Float64Array, from: number, rows: number, out: Float32Array, offset = 0): void {
    encodePlaceCodes(this.spec(), positions, from, rows, out, offset, this.r2, this.code);
  }

  /** What encodePlaceCodes needs, as plain data (it also runs on a prefetch thread: place-code-thread.ts). */
  spec(): PlaceCodeSpec {
    return { centres: this.centres, count: this.opts.count, width: this.opts.width, surroundScale: this.opts.surroundScale, dog: this.opts.code === 'dog' };
  }

  /**
   * Decoded position: the mean centre of the top-k cells of each row of `logits` ([rows, Np], the reference
   * uses k = 3). Returns [rows, 2].
   */
  decodeTopK(topIndices: Int32Array, k: number): Float64Array {
    const rows = topIndices.length / k;
    const out = new Float64Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      let x = 0;
      let y = 0;
      for (let j = 0; j < k; j++) {
        const c = topIndices[r * k + j];
        x += this.centres[2 * c];
        y += this.centres[2 * c + 1];
      }
      out[2 * r] = x / k;
      out[2 * r + 1] = y / k;
    }
    return out;
  }
}

export interface PlaceCodeSpec {
  centres: Float64Array;
  count: number;
  width: number;
  surroundScale: number;
  dog: boolean;
}

/**
 * The place-cell code of `rows` positions: for position (x, y) and centres c_k,
 *   a_k = softmax_k(−r²/2σ²) − softmax_k(−r²/(2sσ²)),  a ← a + |min a|,  a ← a / Σa   (dog; gaussian: the first term)
 * Softmax with the max logit (−min r²) subtracted for stability; each exponential is computed once (this runs
 * T·B·Np times per step), and with the reference's surround scale 2 the surround term is the square root of the
 * centre term. Σa = Σ(a before the shift) + Np·|min a| saves a pass. Self-contained (no imports, no closures):
 * the prefetch thread runs this very function from its source text.
 */
export function encodePlaceCodes(
  spec: PlaceCodeSpec,
  positions: Float64Array,
  from: number,
  rows: number,
  out: Float32Array,
  offset: number,
  r2: Float64Array,
  e1: Float64Array,
): void {
  const n = spec.count;
  const c = spec.centres;
  const inv1 = 1 / (2 * spec.width * spec.width);
  const inv2 = inv1 / spec.surroundScale;
  const halve = spec.surroundScale === 2;
  for (let row = 0; row < rows; row++) {
    const x = positions[2 * (from + row)];
    const y = positions[2 * (from + row) + 1];
    const o = offset + row * n;
    let min = Infinity;
    for (let k = 0; k < n; k++) {
      const dx = x - c[2 * k];
      const dy = y - c[2 * k + 1];
      const v = dx * dx + dy * dy;
      r2[k] = v;
      if (v < min) min = v;
    }
    let z1 = 0;
    let z2 = 0;
    for (let k = 0; k < n; k++) {
      const d = r2[k] - min;
      const centre = Math.exp(-d * inv1);
      e1[k] = centre;
      z1 += centre;
      if (spec.dog) {
        const surround = halve && centre > 0 ? Math.sqrt(centre) : Math.exp(-d * inv2);
        r2[k] = surround;
        z2 += surround;
      }
    }
    if (!spec.dog) {
      for (let k = 0; k < n; k++) out[o + k] = e1[k] / z1;
      continue;
    }
    const i1 = 1 / z1;
    const i2 = 1 / z2;
    let lo = Infinity;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const a = e1[k] * i1 - r2[k] * i2;
      e1[k] = a;
      sum += a;
      if (a < lo) lo = a;
    }
    const shift = Math.abs(lo);
    const inv = 1 / (sum + n * shift);
    for (let k = 0; k < n; k++) out[o + k] = (e1[k] + shift) * inv;
  }
}
