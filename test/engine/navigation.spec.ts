import { describe, expect, it } from 'vitest';
import { PlaceCells } from '../../src-main/engine/tasks/navigation/place-cells';
import { BORDER, DT, ROTATION_SIGMA, SPEED_SCALE, generateTrajectories, nearestWall } from '../../src-main/engine/tasks/navigation/trajectories';
import { createRng } from '../../src-main/engine/random';

const BOX = 2.2;

describe('trajectory generator (reference formulas)', () => {
  const traj = generateTrajectories(400, 50, BOX, createRng(1));

  it('velocity inputs are the displacement between consecutive target positions', () => {
    const B = traj.batch;
    for (let k = 1; k < traj.steps; k++) {
      for (let b = 0; b < B; b += 37) {
        const o = (k * B + b) * 2;
        const p = ((k - 1) * B + b) * 2;
        expect(traj.velocity[o]).toBeCloseTo(traj.positions[o] - traj.positions[p], 6);
        expect(traj.velocity[o + 1]).toBeCloseTo(traj.positions[o + 1] - traj.positions[p + 1], 6);
      }
    }
  });

  it('mean step length away from walls matches the Rayleigh mean b·√(π/2)·dt', () => {
    let sum = 0;
    let count = 0;
    const B = traj.batch;
    for (let k = 1; k < traj.steps; k++) {
      for (let b = 0; b < B; b++) {
        const p = ((k - 1) * B + b) * 2;
        const x = traj.positions[p];
        const y = traj.positions[p + 1];
        if (Math.max(Math.abs(x), Math.abs(y)) < BOX / 2 - 0.1) {
          const o = (k * B + b) * 2;
          sum += Math.hypot(traj.velocity[o], traj.velocity[o + 1]);
          count++;
        }
      }
    }
    const expected = SPEED_SCALE * Math.sqrt(Math.PI / 2) * DT;
    expect(sum / count).toBeGreaterThan(0.97 * expected);
    expect(sum / count).toBeLessThan(1.03 * expected);
  });

  it('heading changes away from walls have standard deviation dt·σ_turn', () => {
    const B = traj.batch;
    const turns: number[] = [];
    for (let k = 1; k < traj.steps; k++) {
      for (let b = 0; b < B; b++) {
        const p = ((k - 1) * B + b) * 2;
        if (Math.max(Math.abs(traj.positions[p]), Math.abs(traj.positions[p + 1])) > BOX / 2 - 0.1) continue;
        const o = (k * B + b) * 2;
        const q = ((k - 1) * B + b) * 2;
        if (k < 2) continue;
        const h1 = Math.atan2(traj.velocity[q + 1], traj.velocity[q]);
        const h2 = Math.atan2(traj.velocity[o + 1], traj.velocity[o]);
        let d = h2 - h1;
        d = ((((d + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
        turns.push(d);
      }
    }
    const mean = turns.reduce((a, b) => a + b, 0) / turns.length;
    const sd = Math.sqrt(turns.reduce((a, b) => a + (b - mean) ** 2, 0) / turns.length);
    expect(sd).toBeGreaterThan(0.95 * DT * ROTATION_SIGMA);
    expect(sd).toBeLessThan(1.05 * DT * ROTATION_SIGMA);
  });

  it('walls turn the agent away: positions stay within a few centimetres of the box', () => {
    for (const v of traj.positions) expect(Math.abs(v)).toBeLessThan(BOX / 2 + 0.05);
  });

  it('nearestWall measures the heading against the wall normal, wrapped to [−π, π)', () => {
    const w = nearestWall(1.09, 0, 0, BOX);
    expect(w.distance).toBeCloseTo(0.01, 12);
    expect(w.angle).toBeCloseTo(0, 12);
    expect(nearestWall(1.09, 0, Math.PI, BOX).angle).toBeCloseTo(-Math.PI, 12);
    expect(BORDER).toBe(0.03);
  });

  it('is deterministic in the seed', () => {
    expect(generateTrajectories(4, 5, BOX, createRng(9)).positions).toEqual(generateTrajectories(4, 5, BOX, createRng(9)).positions);
  });
});

describe('place cells', () => {
  const cells = new PlaceCells({ count: 512, width: 0.12, surroundScale: 2, boxSize: BOX, code: 'dog' });

  it('DoG code is non-negative, sums to 1 and has its minimum at exactly 0', () => {
    const out = new Float32Array(512);
    cells.encodeInto(0.3, -0.4, out, 0);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(Math.min(...out)).toBeCloseTo(0, 7);
    for (const v of out) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('the most active cell is the one whose centre is nearest', () => {
    const out = new Float32Array(512);
    const x = -0.7;
    const y = 0.2;
    cells.encodeInto(x, y, out, 0);
    let nearest = 0;
    let best = Infinity;
    for (let k = 0; k < 512; k++) {
      const d = Math.hypot(cells.centres[2 * k] - x, cells.centres[2 * k + 1] - y);
      if (d < best) {
        best = d;
        nearest = k;
      }
    }
    expect(out.indexOf(Math.max(...out))).toBe(nearest);
  });

  it('gaussian code is the plain softmax: sums to 1 and is sharper than the DoG code', () => {
    const g = new PlaceCells({ count: 512, width: 0.12, surroundScale: 2, boxSize: BOX, code: 'gaussian' });
    const a = new Float32Array(512);
    const d = new Float32Array(512);
    g.encodeInto(0.1, 0.1, a, 0);
    cells.encodeInto(0.1, 0.1, d, 0);
    expect(a.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(Math.max(...a)).toBeGreaterThan(Math.max(...d));
  });

  it('centres are the same in every run (fixed seed, as the reference) and lie in the box', () => {
    const again = new PlaceCells({ count: 512, width: 0.12, surroundScale: 2, boxSize: BOX, code: 'dog' });
    expect(again.centres).toEqual(cells.centres);
    for (const c of cells.centres) expect(Math.abs(c)).toBeLessThanOrEqual(BOX / 2);
  });

  it('decodes a position as the mean centre of the top-k cells', () => {
    const dec = cells.decodeTopK(Int32Array.from([0, 1, 2]), 3);
    expect(dec[0]).toBeCloseTo((cells.centres[0] + cells.centres[2] + cells.centres[4]) / 3, 12);
  });
});

describe('place codes on a prefetch thread', () => {
  it('are the in-line codes exactly; another batch’s key gets nothing; a disposed thread gives nothing (the caller encodes in line)', async () => {
    const { PlaceCodeThread } = await import('../../src-main/engine/tasks/navigation/place-code-thread');
    const cells = new PlaceCells({ count: 64, width: 0.12, surroundScale: 2, boxSize: 2.2, code: 'dog' });
    const positions = Float64Array.from({ length: 2 * 50 }, (_, i) => Math.sin(i * 1.7) * 1.1);
    const inline = new Float32Array(50 * 64);
    cells.encodeRows(positions, 0, 50, inline);
    const thread = new PlaceCodeThread(cells.spec(), 60);
    try {
      thread.submit('train:0:1', positions, 50);
      expect(thread.take('train:0:2')).toBeNull();
      expect(Array.from(thread.take('train:0:1')!)).toEqual(Array.from(inline));
      thread.submit('train:0:2', positions, 50);
      thread.dispose();
      expect(thread.take('train:0:2')).toBeNull();
    } finally {
      thread.dispose();
    }
  });
});
