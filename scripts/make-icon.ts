// Generates resources/icon.png (512×512): the inverted-DoG penalty matrix of 64 neurons on a torus lattice,
// in embedding order — the method's own picture. Run: node bin/run-ts.mjs scripts/make-icon.ts
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { PenaltySpec } from '../src-main/schema/penalty';
import { buildPenalty } from '../src-main/engine/geometry/penalty';
import { rasterize } from '../src-renderer/src/charts/heatmap';

const SIZE = 512;
const n = 64;
const p = buildPenalty(PenaltySpec.parse({ space: 'torus', layout: 'lattice', weighting: 'dog', invert: true }), n, 1);
const r = rasterize({ rows: n, cols: n, gates: 1, values: p.C, order: p.embedding.order }, 'penalty');

const CRC = new Int32Array(256).map((_, k) => {
  let c = k;
  for (let i = 0; i < 8; i++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf: Buffer): number {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0;
  for (let x = 0; x < SIZE; x++) {
    const sx = Math.floor((x * r.width) / SIZE);
    const sy = Math.floor((y * r.height) / SIZE);
    const src = (sy * r.width + sx) * 4;
    const dst = y * (SIZE * 4 + 1) + 1 + x * 4;
    for (let k = 0; k < 4; k++) raw[dst + k] = r.pixels[src + k];
  }
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr.set([8, 6, 0, 0, 0], 8);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw)),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync('resources/icon.png', png);
console.log(`resources/icon.png ${SIZE}×${SIZE}, ${png.length} bytes`);
