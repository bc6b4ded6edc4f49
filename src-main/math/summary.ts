// Summary statistics shared by the engine's study reports and the renderer's compare view (one definition:
// sample standard deviation with the n − 1 denominator, 0 for a single value). Pure: imports nothing.

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/**
 * "mean ± std" for n ≥ 2; one value has no spread to show ("mean (n = 1)"), none is "–". Tables in the app,
 * reports and exports write summaries through this, so "± 0.0" never claims a spread that was not measured.
 */
export function meanSpread(m: number, std: number, n: number, digits = 4): string {
  if (n < 1 || !Number.isFinite(m)) return '–';
  if (n === 1) return `${m.toPrecision(digits)} (n = 1)`;
  return `${m.toPrecision(digits)} ± ${Number.isFinite(std) ? std.toPrecision(2) : '–'}`;
}
