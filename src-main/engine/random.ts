// Seeded randomness for everything stochastic in the engine (embeddings, permutations, data, init).
// One `Rng` per purpose, derived from the run seed by name, so adding a new consumer never shifts the
// stream another consumer sees (the reference shares one global numpy/torch stream, docs/method.md
// §8, which is why its repeats are not independent).
import seedrandom from 'seedrandom';

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A 32-bit seed for seeding another generator (e.g. tfjs initialisers). */
  seed32(): number;
}

export function createRng(seed: number | string): Rng {
  const prng = seedrandom.alea(String(seed));
  let spare: number | null = null;
  const rng: Rng = {
    uniform: () => prng(),
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = prng();
      const v = prng();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int: (n) => Math.floor(prng() * n),
    seed32: () => prng.int32() >>> 0,
  };
  return rng;
}

/** A child generator whose stream depends only on (seed, purpose). */
export function deriveRng(seed: number, purpose: string): Rng {
  return createRng(`${seed}:${purpose}`);
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(a: T, rng: Rng): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** Rayleigh(scale) by inverse CDF: scale·sqrt(−2 ln(1−u)). */
export function rayleigh(rng: Rng, scale: number): number {
  return scale * Math.sqrt(-2 * Math.log(1 - rng.uniform()));
}
