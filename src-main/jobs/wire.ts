// JSON-safe encoding of host ↔ worker messages for Node child processes. Node's 'advanced' (structured clone)
// IPC framing can stall for good: when a read ends within the next message's 4-byte length header, the
// receiver only ever re-checks that short first chunk (nodejs/node#55834). Seen here as a language-model run
// whose host recorded nothing after its first 19 MB checkpoint while the worker trained on. The default
// 'json' framing (newline-delimited) has no such state, so typed arrays travel as base64 and non-finite
// numbers (a diverged loss) as tags — JSON would turn NaN into null.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const TYPED = { Float32Array, Int32Array, Uint8Array, Float64Array } as const;
type TypedName = keyof typeof TYPED;

export function encodeWire(value: unknown): Json {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { __n: String(value) };
  if (value === null || typeof value !== 'object') return (value ?? null) as Json;
  if (ArrayBuffer.isView(value)) {
    // instanceof, not constructor.name: a Buffer (better-sqlite3's blobs) is a Uint8Array.
    const name = (Object.keys(TYPED) as TypedName[]).find((n) => value instanceof TYPED[n]);
    if (!name) throw new Error(`wire: cannot encode ${value.constructor.name}`);
    return { __t: name, b64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(encodeWire);
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeWire(v);
  return out;
}

export function decodeWire(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeWire);
  const o = value as Record<string, unknown>;
  if (typeof o.__n === 'string' && Object.keys(o).length === 1) return Number(o.__n);
  if (typeof o.__t === 'string' && typeof o.b64 === 'string' && o.__t in TYPED) {
    const bytes = Buffer.from(o.b64, 'base64');
    const Ctor = TYPED[o.__t as TypedName];
    // Copy into a fresh, aligned buffer (Buffer pool slices need not be aligned for Float32/64).
    const aligned = new Uint8Array(bytes.length);
    aligned.set(bytes);
    return new Ctor(aligned.buffer, 0, bytes.length / Ctor.BYTES_PER_ELEMENT);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decodeWire(v);
  return out;
}
