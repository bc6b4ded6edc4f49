// Statistics for study reports: mean ± sample std, and Welch's unequal-variance t-test with a two-sided p-value
// from the Student t distribution (regularized incomplete beta by Lentz's continued fraction).

import { mean, sampleStd } from '../../math/summary';

export { mean, sampleStd };

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with df degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

export interface WelchResult {
  t: number;
  df: number;
  p: number;
}

/** Welch's t-test of mean(a) vs mean(b); needs ≥ 2 values in each group. */
export function welchTTest(a: number[], b: number[]): WelchResult | null {
  if (a.length < 2 || b.length < 2) return null;
  const va = sampleStd(a) ** 2 / a.length;
  const vb = sampleStd(b) ** 2 / b.length;
  if (va + vb === 0) return null;
  const t = (mean(a) - mean(b)) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { t, df, p: studentTwoSidedP(t, df) };
}

/** Two-sided critical value t* with P(|T| > t*) = alpha for Student's t with df degrees of freedom (bisection). */
export function studentCritical(df: number, alpha = 0.05): number {
  let lo = 0;
  let hi = 1e3;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Difference extends WelchResult {
  /** mean(a) − mean(b) and its Welch 95 % confidence interval. */
  diff: number;
  ci: [number, number];
  /** Cohen's d with the pooled standard deviation. */
  d: number;
  n: [number, number];
}

/** Welch's test with the effect: difference of means, its 95 % CI, and Cohen's d. */
export function compareMeans(a: number[], b: number[]): Difference | null {
  const w = welchTTest(a, b);
  if (!w) return null;
  const se = Math.sqrt(sampleStd(a) ** 2 / a.length + sampleStd(b) ** 2 / b.length);
  const diff = mean(a) - mean(b);
  const half = studentCritical(w.df) * se;
  const pooled = Math.sqrt(((a.length - 1) * sampleStd(a) ** 2 + (b.length - 1) * sampleStd(b) ** 2) / (a.length + b.length - 2));
  return { ...w, diff, ci: [diff - half, diff + half], d: pooled > 0 ? diff / pooled : NaN, n: [a.length, b.length] };
}

/**
 * Brown–Forsythe test of equal spread (Levene's test centred on the median, as scipy's
 * levene(center='median')): a pooled t-test on each value's distance from its group's median. Robust to the
 * occasional failed seed that makes the classic F-test of variances claim a difference from one outlier.
 * ratio is var(a) / var(b) for the reader; the direction of the verdict comes from the mean distances.
 */
export function brownForsythe(a: number[], b: number[]): { ratio: number; p: number; steadierA: boolean; n: [number, number] } | null {
  // With two values both lie equally far from their median: no spread of the distances to test.
  if (a.length < 3 || b.length < 3) return null;
  const median = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const za = a.map((x) => Math.abs(x - median(a)));
  const zb = b.map((x) => Math.abs(x - median(b)));
  const df = a.length + b.length - 2;
  const pooled = ((a.length - 1) * sampleStd(za) ** 2 + (b.length - 1) * sampleStd(zb) ** 2) / df;
  const vb = sampleStd(b) ** 2;
  if (pooled === 0 || vb === 0) return null;
  const t = (mean(za) - mean(zb)) / Math.sqrt(pooled * (1 / a.length + 1 / b.length));
  return { ratio: sampleStd(a) ** 2 / vb, p: studentTwoSidedP(t, df), steadierA: t < 0, n: [a.length, b.length] };
}

export interface Equivalence {
  /** mean(a) − mean(b), its 90 % CI (the TOST interval) and the larger of the two one-sided p-values. */
  diff: number;
  ci90: [number, number];
  p: number;
  margin: number;
  /**
   * equivalent: the 90 % CI lies within ±margin (TOST p < 0.05); different: the Welch 95 % CI excludes 0;
   * inconclusive: neither (the study cannot tell at this n).
   */
  verdict: 'equivalent' | 'different' | 'inconclusive';
}

/**
 * Equivalence within ±margin by two one-sided Welch tests (Schuirmann's TOST): H0 diff ≤ −margin and H0
 * diff ≥ +margin, both rejected at α = 0.05. Needs ≥ 2 values per group.
 */
export function equivalenceTest(a: number[], b: number[], margin: number): Equivalence | null {
  const w = compareMeans(a, b);
  if (!w || !(margin > 0)) return null;
  const se = Math.sqrt(sampleStd(a) ** 2 / a.length + sampleStd(b) ** 2 / b.length);
  const oneSided = (t: number) => (t > 0 ? studentTwoSidedP(t, w.df) / 2 : 1 - studentTwoSidedP(t, w.df) / 2);
  const p = Math.max(oneSided((w.diff + margin) / se), oneSided((margin - w.diff) / se));
  const half = studentCritical(w.df, 0.1) * se;
  const verdict = p < 0.05 ? 'equivalent' : w.p < 0.05 ? 'different' : 'inconclusive';
  return { diff: w.diff, ci90: [w.diff - half, w.diff + half], p, margin, verdict };
}

/** Two-sided Fisher exact test on the 2×2 table [[a, n − a], [b, m − b]] (e.g. failed runs per arm). */
export function fisherExact(a: number, n: number, b: number, m: number): number {
  const logFactorial = (k: number) => {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  };
  const total = n + m;
  const failures = a + b;
  const logP = (x: number) =>
    logFactorial(failures) +
    logFactorial(total - failures) +
    logFactorial(n) +
    logFactorial(m) -
    (logFactorial(x) + logFactorial(failures - x) + logFactorial(n - x) + logFactorial(m - failures + x) + logFactorial(total));
  const observed = logP(a);
  let p = 0;
  for (let x = Math.max(0, failures - m); x <= Math.min(n, failures); x++) {
    const lp = logP(x);
    // Tables as likely as the observed one or less (with a relative tolerance, as R's fisher.test).
    if (lp <= observed + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}
