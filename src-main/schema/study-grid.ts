// Study expansion: arms × axis combinations × seeds → validated run configs, each labelled by its cell.
import { ExperimentConfig } from './experiment';
import { setPath } from './paths';
import { InvalidInputError } from './errors';
import { StudySpec, type Overrides, type StudySpecInput } from './study';

export interface StudyCell {
  /** Stable label: arm name and axis values, e.g. "torus DoG⁻¹ · λ=0.01". */
  label: string;
  overrides: Overrides;
}

export interface StudyRun {
  cell: string;
  seed: number;
  config: ExperimentConfig;
}

function shortName(path: string): string {
  return path.split('.').pop()!;
}

export function studyCells(spec: StudySpec): StudyCell[] {
  const arms = spec.arms.length ? spec.arms : [{ name: '', overrides: {} }];
  let combos: Array<{ label: string[]; overrides: Overrides }> = [{ label: [], overrides: {} }];
  for (const [path, values] of Object.entries(spec.axes)) {
    combos = combos.flatMap((c) =>
      values.map((v) => ({ label: [...c.label, `${shortName(path)}=${JSON.stringify(v)}`], overrides: { ...c.overrides, [path]: v } })),
    );
  }
  return arms.flatMap((arm) =>
    combos.map((c) => ({ label: [arm.name, ...c.label].filter(Boolean).join(' · ') || 'base', overrides: { ...arm.overrides, ...c.overrides } })),
  );
}

/** Every run of the study, validated; throws naming the cell whose configuration is invalid. */
export function expandStudy(input: StudySpecInput): { spec: StudySpec; cells: StudyCell[]; runs: StudyRun[] } {
  const spec = StudySpec.parse(input);
  const cells = studyCells(spec);
  const labels = new Set<string>();
  const runs: StudyRun[] = [];
  for (const cell of cells) {
    if (labels.has(cell.label)) throw new InvalidInputError(`study '${spec.name}': two cells are both labelled '${cell.label}'`);
    labels.add(cell.label);
    for (const seed of spec.seeds) {
      const raw = structuredClone(spec.base) as Record<string, unknown>;
      for (const [path, v] of Object.entries(cell.overrides)) setPath(raw, path, v);
      raw.seed = seed;
      raw.name = `${spec.name} / ${cell.label}`;
      const parsed = ExperimentConfig.safeParse(raw);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new InvalidInputError(`study '${spec.name}', cell '${cell.label}': ${i.path.join('.')}: ${i.message}`);
      }
      runs.push({ cell: cell.label, seed, config: parsed.data });
    }
  }
  return { spec, cells, runs };
}
