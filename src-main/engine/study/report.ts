// Study reports like the paper's tables: per cell, final metric and sparsity as mean ± std over seeds, the
// lottery-ticket metric, diverged/NaN runs (the paper's stability claim), and Welch t-tests against the
// no-regulariser and L1 controls. Pure: rows in, tables out.
import { csvRow, texComment, texText } from '../../math/export-escape';
import { meanSpread } from '../../math/summary';
import { fisherExact } from './stats';
import type { TaskName } from '../../schema/experiment';
import type { ReportFormat } from '../../schema/report-format';
import { AUTHORS, authorsCell, judgeClaims, NO_AUTHORS_NUMBERS } from './paper';
import { joinCell, marker, splitCell, type CellSummary } from './summary';

export { joinCell, marker, splitCell, summarizeStudy, type CellSummary, type Comparison, type StudyRow } from './summary';

const fmt = (x: number, d = 4) => (Number.isFinite(x) ? x.toPrecision(d) : '–');
const spread = (m: { mean: number; std: number; n: number } | null, d = 4) => (m ? meanSpread(m.mean, m.std, m.n, d) : '–');

/** Fisher's exact test on runs worse than the trivial baseline, each arm against each control it was compared with. */
function failureTests(summaries: CellSummary[]): string[] {
  const byCell = new Map(summaries.map((s) => [s.cell, s]));
  return summaries.flatMap((s) => {
    const { group } = splitCell(s.cell);
    return Object.keys(s.vs).flatMap((control) => {
      const c = byCell.get(joinCell(control, group));
      const a = s.worseThanBaseline;
      const b = c?.worseThanBaseline;
      if (!a || !b || a.count + b.count === 0) return [];
      return [
        `${s.cell} vs ${control}: ${a.count}/${a.of} vs ${b.count}/${b.of} worse than trivial, Fisher exact p = ${fmt(fisherExact(a.count, a.of, b.count, b.of), 2)}`,
      ];
    });
  });
}

export function renderReport(summaries: CellSummary[], format: ReportFormat, o: { title: string; primary: string; task?: TaskName }): string {
  const controls = [...new Set(summaries.flatMap((s) => Object.keys(s.vs)))];
  const authors = o.task ? AUTHORS[o.task] : undefined;
  const verdicts = o.task ? judgeClaims(o.task, summaries) : [];
  if (format === 'json') {
    return (
      JSON.stringify(
        {
          title: o.title,
          primary: o.primary,
          task: o.task,
          cells: summaries,
          authors: authors ?? null,
          verdicts: verdicts.map((v) => ({ claim: v.claim.text, arms: [v.claim.a, v.claim.b], group: v.group, verdict: v.verdict, evidence: v.evidence })),
        },
        null,
        2,
      ) + '\n'
    );
  }
  const withLocality = summaries.some((s) => s.locality);
  const withBaseline = summaries.some((s) => s.worseThanBaseline);
  const withFloor = summaries.some((s) => s.floor);
  // The endpoint is its own column only where later epochs (recovery, stabiliser) moved the metric.
  const withEndpoint = summaries.some((s) => s.endpoint && Math.abs(s.endpoint.mean - s.metric.mean) > 1e-9);
  const withPerMatrix = summaries.some((s) => s.perMatrix);
  const header = [
    'configuration',
    'runs',
    `${o.primary} (mean ± std)`,
    ...(withFloor ? ['decoding floor', `${o.primary} − floor`] : []),
    ...(withEndpoint ? [`${o.primary} at the last pruning epoch`] : []),
    'sparsity',
    `lottery ${o.primary}`,
    'diverged',
    ...(withBaseline ? ['worse than trivial'] : []),
    ...(withPerMatrix ? ['pruned per matrix'] : []),
    ...(withLocality ? ['kept-length ratio'] : []),
    ...controls.map((c) => `vs ${c}`),
    ...(authors ? ['authors, mean (population std)'] : []),
  ];
  const rows = summaries.map((s) => [
    s.cell,
    `${s.finished}/${s.runs}`,
    meanSpread(s.metric.mean, s.metric.std, s.metric.values.length),
    ...(withFloor ? [spread(s.floor, 3), spread(s.aboveFloor)] : []),
    ...(withEndpoint ? [spread(s.endpoint)] : []),
    Number.isFinite(s.sparsity) ? `${(100 * s.sparsity).toFixed(1)} %` : '–',
    s.lottery ? `${fmt(s.lottery.mean)} ± ${fmt(s.lottery.std, 2)}` : '–',
    String(s.diverged),
    ...(withBaseline ? [s.worseThanBaseline ? `${s.worseThanBaseline.count}/${s.worseThanBaseline.of}` : '–'] : []),
    ...(withPerMatrix
      ? [
          s.perMatrix
            ? Object.entries(s.perMatrix)
                .map(([k, v]) => `${k} ${(100 * v).toFixed(1)}`)
                .join(' · ') + ' %'
            : '–',
        ]
      : []),
    ...(withLocality ? [s.locality ? `${s.locality.mean.toFixed(3)} ± ${s.locality.std.toFixed(3)}` : '–'] : []),
    ...controls.map((c) => (s.vs[c] ? `${marker(s.vs[c])} (p=${fmt(s.vs[c]!.p, 2)})` : '–')),
    ...(authors && o.task ? [authorsCell(o.task, splitCell(s.cell).arm)] : []),
  ]);
  if (format === 'csv') {
    return [header, ...rows].map(csvRow).join('\n') + '\n';
  }
  if (format === 'latex') {
    return (
      [
        `% ${texComment(o.title)} — Moduli Workbench study report`,
        `\\begin{tabular}{l${'r'.repeat(header.length - 1)}}`,
        '\\hline',
        header.map(texText).join(' & ') + ' \\\\',
        '\\hline',
        ...rows.map((r) => r.map(texText).join(' & ') + ' \\\\'),
        '\\hline',
        '\\end{tabular}',
      ].join('\n') + '\n'
    );
  }
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  const paper = o.task
    ? [
        '',
        '### Against the paper',
        '',
        authors
          ? `Authors' column: ${authors.source}; ${authors.scale}. Their "L1" is C ≡ 0 (no penalty), so it is listed with no regulariser; this study's L1 is C = ones.`
          : `No authors' column: ${NO_AUTHORS_NUMBERS[o.task] ?? 'no published numbers'}.`,
        '',
        ...(verdicts.length
          ? verdicts.map((v) => `- **${v.verdict}**${v.group ? ` at ${v.group}` : ''} — ${v.claim.text} (${v.claim.a} vs ${v.claim.b}): ${v.evidence}.`)
          : ['- no claim of the paper compares two arms of this study']),
        '',
        'Verdicts: holds = p < 0.05 in the claimed direction; does not hold = p < 0.05 against it; equivalent = p ≥ 0.05 and the 90 % CI of the difference lies within the task’s equivalence margin (TOST; navigation ±1 cm); not shown at this scale = p ≥ 0.05 and not equivalent (the study cannot tell); not testable here = too few finished runs.',
      ]
    : [];
  return [
    `## ${o.title}`,
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
    'Markers: Welch t-test on the final metric; * p < 0.05, ** p < 0.01; ↓ lower than the control.',
    ...(withBaseline
      ? [
          'Worse than trivial: finished runs whose final metric is worse than the task’s trivial baseline (navigation: predicting the start position; adding: predicting the mean sum; language model: the unigram model), or that diverged.',
        ]
      : []),
    ...(withFloor
      ? [
          'Decoding floor: the error a perfect predictor of the place code scores through the same top-3 decoder on the run’s test trajectories; the metric can only be read above it.',
        ]
      : []),
    ...(withEndpoint
      ? [
          'At the last pruning epoch: test metric at the end of the last epoch that pruned (the reference evaluates there), before later epochs could heal the damage.',
        ]
      : []),
    ...(withPerMatrix
      ? [
          'Pruned per matrix: how the cut was shared among the pruned matrices (mean over finished runs; with the reference’s global threshold, small-weight matrices such as W_hh lose most).',
        ]
      : []),
    ...failureTests(summaries).map((l) => `- ${l}`),
    ...(withLocality
      ? [
          'Kept-length ratio: mean geodesic length of the surviving W_hh connections over the mean of all pairs, in the run’s embedding (the torus for runs without one); 1 is what a geometry-blind mask keeps.',
        ]
      : []),
    ...paper,
    '',
  ].join('\n');
}
