// Min/max bucket downsampling: each of ⌈maxPoints/2⌉ equal-width step buckets keeps its minimum and maximum
// (in step order). Unlike plain decimation it never hides a spike (a diverging loss), and it is O(n).
export function minMaxDownsample(steps: Float64Array, values: Float64Array, maxPoints: number): { steps: Float64Array; values: Float64Array } {
  const n = steps.length;
  if (n <= maxPoints) return { steps, values };
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const first = steps[0];
  const span = steps[n - 1] - first || 1;
  const outS: number[] = [];
  const outV: number[] = [];
  let i = 0;
  for (let b = 0; b < buckets && i < n; b++) {
    const end = b === buckets - 1 ? Infinity : first + ((b + 1) * span) / buckets;
    let lo = -1;
    let hi = -1;
    for (; i < n && steps[i] < end; i++) {
      const v = values[i];
      if (Number.isNaN(v)) {
        // A NaN (diverged run) is an extreme worth keeping.
        if (lo < 0 || !Number.isNaN(values[lo])) lo = i;
        continue;
      }
      if (lo < 0 || (!Number.isNaN(values[lo]) && v < values[lo])) lo = i;
      if (hi < 0 || v > values[hi]) hi = i;
    }
    if (lo < 0) continue;
    const pair = hi < 0 || hi === lo ? [lo] : lo < hi ? [lo, hi] : [hi, lo];
    for (const k of pair) {
      outS.push(steps[k]);
      outV.push(values[k]);
    }
  }
  return { steps: Float64Array.from(outS), values: Float64Array.from(outV) };
}
