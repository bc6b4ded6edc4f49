// The decoding floor: the error a perfect predictor scores through the task's decoder. A network that outputs
// the true place code still decodes each position as the mean centre of its top-3 cells, which is off by the
// place-cell spacing's worth of centimetres; a navigation error is only meaningful above this floor.
import type { NavigationTask } from '../../../schema/experiment';
import { deriveRng } from '../../random';
import { PlaceCells } from './place-cells';
import { generateTrajectories, type TrajectoryBatch } from './trajectories';

/** The decoder's k: the mean centre of the top-3 predicted cells (the reference's). */
export const TOP_K = 3;

/** The trajectories a navigation run is tested on (NavigationTask.test evaluates these very batches). */
export function testTrajectories(config: NavigationTask, seed: number): TrajectoryBatch[] {
  return Array.from({ length: config.validationBatches }, (_, i) =>
    generateTrajectories(config.batchSize, config.sequenceLength, config.boxSize, deriveRng(seed, `test:${i}`)),
  );
}

/** The floor of a run's test set, from its configuration alone (reports of runs recorded before it was). */
export function navigationDecodingFloor(config: NavigationTask, seed: number): DecodingFloor {
  const cells = new PlaceCells({
    count: config.placeCells,
    width: config.placeCellWidth,
    surroundScale: config.surroundScale,
    boxSize: config.boxSize,
    code: config.placeCellCode,
  });
  return decodingFloor(cells, testTrajectories(config, seed), TOP_K);
}

export interface DecodingFloor {
  /** Mean error (cm) of the perfect predictor over the trajectories' positions. */
  meanCm: number;
  /** Its standard error (cm) over trajectories (positions along one trajectory are correlated). */
  standardErrorCm: number;
}

/** Indices of the k largest entries of code[offset .. offset+n) into out[outOffset ..), largest first. */
function topIndices(code: Float32Array, offset: number, n: number, k: number, out: Int32Array, outOffset: number): void {
  const best = new Float64Array(k).fill(-Infinity);
  const idx = new Int32Array(k).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = code[offset + i];
    if (v <= best[k - 1]) continue;
    let j = k - 1;
    while (j > 0 && best[j - 1] < v) {
      best[j] = best[j - 1];
      idx[j] = idx[j - 1];
      j--;
    }
    best[j] = v;
    idx[j] = i;
  }
  out.set(idx, outOffset);
}

/** The floor over these trajectories: each position's true code, decoded from its top-k cells. */
export function decodingFloor(cells: PlaceCells, batches: TrajectoryBatch[], k: number): DecodingFloor {
  const n = cells.opts.count;
  const perTrajectory: number[] = [];
  for (const traj of batches) {
    const rows = traj.steps * traj.batch;
    const codes = new Float32Array(rows * n);
    cells.encodeRows(traj.positions, 0, rows, codes);
    const top = new Int32Array(rows * k);
    for (let r = 0; r < rows; r++) topIndices(codes, r * n, n, k, top, r * k);
    const decoded = cells.decodeTopK(top, k);
    const sums = new Float64Array(traj.batch);
    // Rows are time-major: row r is step ⌊r / B⌋ of trajectory r mod B.
    for (let r = 0; r < rows; r++) sums[r % traj.batch] += Math.hypot(decoded[2 * r] - traj.positions[2 * r], decoded[2 * r + 1] - traj.positions[2 * r + 1]);
    for (const s of sums) perTrajectory.push((100 * s) / traj.steps);
  }
  const m = perTrajectory.length;
  const meanCm = perTrajectory.reduce((a, b) => a + b, 0) / m;
  const variance = m > 1 ? perTrajectory.reduce((a, x) => a + (x - meanCm) ** 2, 0) / (m - 1) : NaN;
  return { meanCm, standardErrorCm: Math.sqrt(variance / m) };
}
