// Names runs carry when the user gives none, read from what distinguishes them:
// "navigation · torus DoG⁻¹ · λ 0.01 · N 128 · 90 % · seed 1".
import { penaltyActive, type ExperimentConfig } from './experiment';

const WEIGHTING_LABEL: Record<string, string> = { dog: 'DoG', gauss: 'Gauss', square: 'd²', distance: 'd', ripple: 'ripple', mean: 'mean' };

export function penaltyLabel(config: ExperimentConfig): string {
  const p = config.regularization.penalty;
  if (!penaltyActive(config.regularization)) return 'no regulariser';
  if (p.space === 'standard') return config.regularization.power === 2 ? 'L2' : 'L1';
  return `${p.permute ? 'permuted ' : ''}${p.space} ${WEIGHTING_LABEL[p.weighting] ?? p.weighting}${p.invert ? '⁻¹' : ''}${config.regularization.learnEmbedding ? ' (learned)' : ''}`;
}

/**
 * Fields that tell replicates of one configuration apart without changing the experiment: its name, its seed
 * and the thread count (results do not depend on it). Run names' config key and Compare's grouping leave them out.
 */
export const REPLICATE_FIELDS = ['name', 'seed', 'threads'] as const;

/** The configuration without REPLICATE_FIELDS: equal for exactly the replicates of one experiment. */
export function seedlessConfig(config: ExperimentConfig): Omit<ExperimentConfig, (typeof REPLICATE_FIELDS)[number]> {
  const rest: Record<string, unknown> = { ...config };
  for (const k of REPLICATE_FIELDS) delete rest[k];
  return rest as Omit<ExperimentConfig, (typeof REPLICATE_FIELDS)[number]>;
}

/**
 * A 4-hex key of seedlessConfig: two runs share it exactly when they are replicates of one configuration
 * (FNV-1a over the parsed config's JSON; pure, runs in the renderer).
 */
export function configKey(config: ExperimentConfig): string {
  let h = 0x811c9dc5;
  for (const ch of JSON.stringify(seedlessConfig(config))) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h >>> 16).toString(16).padStart(4, '0');
}

/**
 * "navigation · torus DoG⁻¹ · λ 0.01 · N 128 · 90 % linear · cfg 3fa2 · seed 1": the usual distinctions in
 * words, and the config key so that names differ wherever configurations do (lr, epochs, layout, …).
 */
export function defaultRunName(config: ExperimentConfig): string {
  const parts = [config.task.task, penaltyLabel(config)];
  const r = config.regularization;
  if (penaltyLabel(config) !== 'no regulariser') parts.push(r.lambdaExponent ? `λ ${r.lambda}·(N/${r.lambdaReferenceN})^${r.lambdaExponent}` : `λ ${r.lambda}`);
  parts.push(
    `N ${config.task.hidden}`,
    `${+(100 * config.pruning.target).toFixed(1)} % ${config.pruning.schedule}`,
    `cfg ${configKey(config)}`,
    `seed ${config.seed}`,
  );
  return parts.join(' · ');
}

/**
 * A seed list as people type it: "1, 2, 5-8" → [1, 2, 5, 6, 7, 8]. Throws with what is wrong; at most
 * `max` seeds, each 0 … 2^31 − 1, no duplicates.
 */
export function parseSeedList(text: string, max = 100): number[] {
  const seeds: number[] = [];
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`'${part}' is not a seed or a range like 5-8`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) throw new Error(`range '${part}' runs backwards`);
    if (b > 2 ** 31 - 1) throw new Error(`seed ${b} is larger than 2^31 − 1`);
    if (seeds.length + (b - a + 1) > max) throw new Error(`at most ${max} seeds`);
    for (let s = a; s <= b; s++) seeds.push(s);
  }
  if (!seeds.length) throw new Error('give at least one seed, e.g. 1 or 1, 2, 3 or 1-5');
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new Error(`seed ${dup} is listed twice`);
  return seeds;
}
