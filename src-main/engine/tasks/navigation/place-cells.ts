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
  // Scratch buffers for encodeInto, which runs T·B times per training step.
  private readonly r2: Float64Array;
  private readonly code: Float64Array;

  constructor(readonly opts: PlaceCellOptions) {
    this.r2 = new Float64Array(opts.count);
    this.code = new Float64Array(opts.count);
    const rng = createRng('place-cells');
    this.centres = new Float64Array(opts.count * 2);
    for (let i = 0; i < this.centres.length; i++) this.centres[i] = (rng.uniform() - 0.5) * opts.boxSize;
  }

  /** Writes the DoG code of position (x, y) into out[offset .. offset+Np). */
  encodeInto(x: number, y: number, out: Float32Array, offset: number): void {
    const n = this.opts.count;
    const s1 = 2 * this.opts.width ** 2;
    const s2 = s1 * this.opts.surroundScale;
    const r2 = this.r2;
    let min = Infinity;
    for (let k = 0; k < n; k++) {
      const dx = x - this.centres[2 * k];
      const dy = y - this.centres[2 * k + 1];
      r2[k] = dx * dx + dy * dy;
      if (r2[k] < min) min = r2[k];
    }
    // Softmax with the max logit (−min r²) subtracted for stability. Each exponential is computed once (this
    // runs T·B·Np times per step); with the reference's surround scale 2 the surround term is the square
    // root of the centre term, which is far cheaper than a second exp (unless the centre term underflowed).
    const e1 = this.code;
    const e2 = this.r2;
    const halve = this.opts.surroundScale === 2;
    let z1 = 0;
    let z2 = 0;
    for (let k = 0; k < n; k++) {
      const d = r2[k] - min;
      const c = Math.exp(-d / s1);
      e1[k] = c;
      z1 += c;
      if (this.opts.code === 'dog') {
        const sur = halve && c > 0 ? Math.sqrt(c) : Math.exp(-d / s2);
        e2[k] = sur;
        z2 += sur;
      }
    }
    if (this.opts.code === 'gaussian') {
      for (let k = 0; k < n; k++) out[offset + k] = e1[k] / z1;
      return;
    }
    let lo = Infinity;
    for (let k = 0; k < n; k++) {
      e1[k] = e1[k] / z1 - e2[k] / z2;
      if (e1[k] < lo) lo = e1[k];
    }
    let sum = 0;
    for (let k = 0; k < n; k++) {
      e1[k] += Math.abs(lo);
      sum += e1[k];
    }
    for (let k = 0; k < n; k++) out[offset + k] = e1[k] / sum;
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
