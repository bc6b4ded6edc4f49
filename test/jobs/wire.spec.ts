// Host ↔ worker messages over Node's JSON IPC: typed arrays (Buffers included) and non-finite numbers
// survive the round trip through JSON text exactly.
import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from '../../src-main/jobs/wire';

const roundTrip = (v: unknown) => decodeWire(JSON.parse(JSON.stringify(encodeWire(v))));

describe('wire encoding', () => {
  it('typed arrays, Buffers and odd offsets come back as the same type and values', () => {
    const big = Float32Array.from({ length: 100_003 }, (_, i) => Math.sin(i));
    const offset = new Float32Array(new Float32Array([9, 1.5, -2, 3]).buffer, 4, 2);
    const msg = { type: 'event', event: { type: 'snapshot', matrices: [{ weights: big, mask: null, order: Int32Array.of(2, 0, 1) }] }, bytes: Buffer.from([1, 2, 255]), offset };
    const back = roundTrip(msg) as typeof msg;
    expect(back.event.matrices[0].weights).toBeInstanceOf(Float32Array);
    expect(back.event.matrices[0].weights).toEqual(big);
    expect(back.event.matrices[0].order).toEqual(Int32Array.of(2, 0, 1));
    expect(back.event.matrices[0].mask).toBeNull();
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.bytes)).toEqual([1, 2, 255]);
    expect(Array.from(back.offset)).toEqual([1.5, -2]);
  });

  it('NaN and ±Infinity stay numbers (JSON alone would make them null); undefined fields are dropped', () => {
    const back = roundTrip({ values: { loss: NaN, up: Infinity, down: -Infinity, ok: 0.5 }, gone: undefined }) as Record<string, Record<string, number>>;
    expect(back.values.loss).toBeNaN();
    expect(back.values.up).toBe(Infinity);
    expect(back.values.down).toBe(-Infinity);
    expect(back.values.ok).toBe(0.5);
    expect('gone' in back).toBe(false);
  });
});
