// Random-walk trajectories in a square box (docs/method.md §6.1, after Sorscher et al.):
// dt = 0.02 s, rotation velocity N(0, 11.52 rad/s), forward speed Rayleigh(0.13·2π m/s); within 0.03 m of a
// wall and heading into it, turn away and slow to 25 %. Positions are not clamped (as the reference).
import { rayleigh, type Rng } from '../../random';

export const DT = 0.02;
export const ROTATION_SIGMA = 11.52;
export const SPEED_SCALE = 0.13 * 2 * Math.PI;
export const BORDER = 0.03;

export interface TrajectoryBatch {
  batch: number;
  steps: number;
  /** [T, B, 2] time-major velocity inputs (= pos[t+2] − pos[t+1]). */
  velocity: Float32Array;
  /** [T, B, 2] target positions pos[t+2]. */
  positions: Float64Array;
  /** [B, 2] start positions pos[1]. */
  start: Float64Array;
}

function wrapAngle(a: number): number {
  return ((((a + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
}

/** Distance to the nearest wall and the heading relative to that wall's normal, wrapped to [−π, π). */
export function nearestWall(x: number, y: number, heading: number, box: number): { distance: number; angle: number } {
  const half = box / 2;
  const dists = [half - x, half - y, half + x, half + y];
  let w = 0;
  for (let i = 1; i < 4; i++) if (dists[i] < dists[w]) w = i;
  const hd = ((heading % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  return { distance: dists[w], angle: wrapAngle(hd - (w * Math.PI) / 2) };
}

export function generateTrajectories(batch: number, steps: number, box: number, rng: Rng): TrajectoryBatch {
  const samples = steps + 2;
  const velocity = new Float32Array(steps * batch * 2);
  const positions = new Float64Array(steps * batch * 2);
  const start = new Float64Array(batch * 2);
  const px = new Float64Array(samples);
  const py = new Float64Array(samples);
  const hd = new Float64Array(samples);
  const stepLen = new Float64Array(samples);
  for (let b = 0; b < batch; b++) {
    px[0] = (rng.uniform() - 0.5) * box;
    py[0] = (rng.uniform() - 0.5) * box;
    hd[0] = rng.uniform() * 2 * Math.PI;
    for (let t = 0; t < samples - 1; t++) {
      let v = rayleigh(rng, SPEED_SCALE);
      let turn = 0;
      const wall = nearestWall(px[t], py[t], hd[t], box);
      if (wall.distance < BORDER && Math.abs(wall.angle) < Math.PI / 2) {
        turn = Math.sign(wall.angle) * (Math.PI / 2 - Math.abs(wall.angle));
        v *= 0.25;
      }
      turn += DT * ROTATION_SIGMA * rng.normal();
      stepLen[t] = v * DT;
      px[t + 1] = px[t] + stepLen[t] * Math.cos(hd[t]);
      py[t + 1] = py[t] + stepLen[t] * Math.sin(hd[t]);
      hd[t + 1] = wrapAngle(hd[t] + turn);
    }
    start[2 * b] = px[1];
    start[2 * b + 1] = py[1];
    for (let k = 0; k < steps; k++) {
      const o = (k * batch + b) * 2;
      velocity[o] = px[k + 2] - px[k + 1];
      velocity[o + 1] = py[k + 2] - py[k + 1];
      positions[o] = px[k + 2];
      positions[o + 1] = py[k + 2];
    }
  }
  return { batch, steps, velocity, positions, start };
}
