// The paper's experiment sets as study templates (reference navigation/ and word_example/ multiruns.sh,
// docs/method.md §9.2), with the controls fixed as that section says: "L1" is a real all-ones penalty
// (the reference's standard + invert is a zero penalty) and "no regulariser" is λ = 0.
import type { TaskName } from '../../schema/experiment';
import { presetConfig, type PresetName } from '../../schema/presets';
import type { StudySpecInput } from '../../schema/study';

const DOG_INVERTED = { 'regularization.penalty.weighting': 'dog', 'regularization.penalty.invert': true, 'regularization.penalty.permute': false };

export const CONTROL_ARMS = { none: 'no regulariser', l1: 'L1' } as const;

/** Every named configuration the templates use, as dotted-path overrides of a preset. */
export const ARMS = {
  'torus square': { 'regularization.penalty.space': 'torus', 'regularization.penalty.weighting': 'square', 'regularization.penalty.invert': false },
  'torus DoG⁻¹': { 'regularization.penalty.space': 'torus', ...DOG_INVERTED },
  [CONTROL_ARMS.l1]: { 'regularization.penalty.space': 'standard', 'regularization.penalty.weighting': 'distance', 'regularization.penalty.invert': false },
  [CONTROL_ARMS.none]: { 'regularization.penalty.space': 'none', 'regularization.lambda': 0 },
  'permuted DoG⁻¹': { 'regularization.penalty.space': 'torus', ...DOG_INVERTED, 'regularization.penalty.permute': true },
  'Klein DoG⁻¹': { 'regularization.penalty.space': 'klein', ...DOG_INVERTED },
  'sphere DoG⁻¹': { 'regularization.penalty.space': 'sphere', ...DOG_INVERTED },
  'circle DoG⁻¹': { 'regularization.penalty.space': 'circle', ...DOG_INVERTED },
  '6-torus DoG⁻¹': { 'regularization.penalty.space': 'torus6', ...DOG_INVERTED },
} as const;

export type ArmName = keyof typeof ARMS;

const SETS: Record<string, { task: TaskName; arms: ArmName[]; axes?: Record<string, unknown[]>; description: string }> = {
  'navigation-paper': { task: 'navigation', arms: Object.keys(ARMS) as ArmName[], description: 'all nine navigation configurations of the paper' },
  'navigation-controls': {
    task: 'navigation',
    arms: ['torus DoG⁻¹', 'permuted DoG⁻¹', CONTROL_ARMS.l1, CONTROL_ARMS.none, 'Klein DoG⁻¹'],
    description: 'the navigation claim: torus vs controls, and the Klein bottle',
  },
  // Issue #16: where does the geometry beat its permuted control? The quick preset at growing N, λ fixed
  // (docs/studies/lambda-across-sizes.md measures why a fixed λ is comparable across N). The quick lr 1e-2
  // trains every seed up to N = 256 only: larger sizes need `--axis task.hidden=512 --set
  // task.learningRate=0.005` (lr ∝ 1/N; docs/studies/navigation-scaling-quick.md), on a GPU or overnight.
  'navigation-scaling': {
    task: 'navigation',
    arms: ['torus DoG⁻¹', 'permuted DoG⁻¹', CONTROL_ARMS.l1],
    axes: { 'task.hidden': [128, 256] },
    description: 'torus vs its permuted control (and L1) at N = 128 and 256 (--axis for more sizes)',
  },
  // The decisive test at the paper's regime (docs/studies/paper-regime.md): run with --scale paper-regime.
  'navigation-paper-regime': {
    task: 'navigation',
    arms: ['torus DoG⁻¹', 'permuted DoG⁻¹', CONTROL_ARMS.none],
    description: 'torus vs its permuted control and no regulariser, for --scale paper-regime (pruning that bites, endpoint metric)',
  },
  'adding-controls': {
    task: 'adding',
    arms: ['torus DoG⁻¹', 'permuted DoG⁻¹', CONTROL_ARMS.l1, CONTROL_ARMS.none],
    description: 'adding problem: torus vs controls',
  },
  'language-controls': {
    task: 'language',
    arms: ['torus DoG⁻¹', 'permuted DoG⁻¹', CONTROL_ARMS.l1, CONTROL_ARMS.none],
    description: 'language model: torus vs controls',
  },
};

export const STUDY_TEMPLATES = Object.keys(SETS);

export interface TemplateInfo {
  name: string;
  task: TaskName;
  arms: ArmName[];
  axes?: Record<string, unknown[]>;
  description: string;
}

export function templateInfos(): TemplateInfo[] {
  return Object.entries(SETS).map(([name, s]) => ({ name, ...s }));
}

export function describeTemplate(name: string): string {
  return SETS[name]?.description ?? '';
}

export function studyTemplate(name: string, scale: PresetName, seeds: number[]): StudySpecInput {
  const set = SETS[name];
  if (!set) throw new Error(`unknown study template '${name}': expected one of ${STUDY_TEMPLATES.join(', ')}`);
  return {
    name: `${name} (${scale})`,
    base: presetConfig(set.task, scale) as unknown as Record<string, unknown>,
    arms: set.arms.map((a) => ({ name: a, overrides: { ...ARMS[a] } })),
    axes: structuredClone(set.axes ?? {}),
    seeds,
  };
}
