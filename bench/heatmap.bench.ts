// Heatmap raster benchmark: a 2048×2048 W_hh in embedding order to a 1024² and a full-size canvas image.
import { rasterize } from '../src-renderer/src/charts/heatmap';

const n = 2048;
const values = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i) * (i % 7 === 0 ? 0 : 1));
const order = Array.from({ length: n }, (_, i) => (i * 7919) % n);
for (const maxSide of [1024, 2048]) {
  const times: number[] = [];
  for (let k = 0; k < 7; k++) {
    const t = performance.now();
    rasterize({ rows: n, cols: n, gates: 1, values, order }, 'weights', maxSide);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ bench: 'heatmap_raster', matrix: `${n}x${n}`, pixels: `${maxSide}x${maxSide}`, medianMs: +times[3].toFixed(1) }));
}
