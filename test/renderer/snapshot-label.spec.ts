import { describe, expect, it } from 'vitest';
import { initialSnapshot, prunedFraction, snapshotLabel } from '../../src-renderer/src/charts/snapshot-label';

const snap = (id: number, step: number, matrix: string, phase = 'train') => ({ id, phase, epoch: step / 100, step, matrix });

describe('snapshot naming and choice', () => {
  it('names the matrix, phase, epoch and step', () => {
    expect(snapshotLabel(snap(1, 300, 'W_hh'))).toBe('W_hh · train epoch 3, step 300');
    expect(snapshotLabel(snap(1, 300, 'W_hh', 'lottery'))).toContain('lottery epoch 3');
  });

  it('counts pruned entries from the mask; no mask is no number', () => {
    expect(prunedFraction([1, 0, 0, 1, 1, 1, 1, 0])).toBe('37.5 %');
    expect(prunedFraction(null)).toBeNull();
    expect(prunedFraction(new Uint8Array(0))).toBeNull();
  });

  it('opens on the first or newest snapshot of the first matrix, not another layer', () => {
    const list = [snap(1, 100, 'W_hh_l0'), snap(2, 100, 'W_hh_l1'), snap(3, 200, 'W_hh_l0'), snap(4, 200, 'W_hh_l1')];
    expect(initialSnapshot(list, 'first')!.id).toBe(1);
    expect(initialSnapshot(list, 'latest')!.id).toBe(3);
    expect(initialSnapshot([], 'latest')).toBeNull();
  });
});
