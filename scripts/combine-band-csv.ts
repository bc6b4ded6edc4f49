// Combines band figures exported by `moduli study report --figures` from several studies into one figure (SVG
// with legend, CSV of exactly the plotted points, pgfplots), e.g. the scaling study's error-vs-N curve whose
// N = 512 point comes from a second study run at a smaller learning rate (docs/studies/navigation-scaling-quick.md).
// Rows are kept or dropped by configuration and x; each input may rename its configurations.
//   node bin/run-ts.mjs scripts/combine-band-csv.ts --out DIR/NAME --title T --x-name hidden --y-name error_cm \
//     --input a.csv --input b.csv [--drop 'torus DoG⁻¹@512' --from 0] …
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { bandsCsv, bandsPgfplots, buildBandOption } from '../src-main/charts/band-option';
import { optionToSvg } from '../src-main/charts/export';
import type { Band } from '../src-main/engine/study/figures';

const { values: args } = parseArgs({
  options: {
    input: { type: 'string', multiple: true },
    // "configuration@x:inputIndex" — drop that point of that input (e.g. a cell superseded by another study).
    drop: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    title: { type: 'string', default: '' },
    'x-name': { type: 'string', default: 'x' },
    'y-name': { type: 'string', default: 'y' },
  },
});
if (!args.input?.length || !args.out) throw new Error('give --input (one or more CSVs) and --out');

/** Our own CSV (bandsCsv): a field is quoted only when it holds a comma, a quote or a newline. */
function parseCsv(text: string): Array<Record<string, string>> {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const endField = () => {
    record.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      records.push(record);
      record = [];
    } else field += c;
  }
  if (field || record.length) {
    endField();
    records.push(record);
  }
  const [header, ...rows] = records;
  return rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k]])));
}

const drops = new Set(args.drop);
const bands = new Map<string, Band>();
let spread: Band['spread'] = 'std';
args.input.forEach((file, index) => {
  const rows = parseCsv(readFileSync(file, 'utf8'));
  if (rows.length && 'ci95_half_width' in rows[0]) spread = 'ci95';
  for (const r of rows) {
    const x = Number(Object.values(r)[1]);
    if (drops.has(`${r.configuration}@${x}:${index}`)) continue;
    const b = bands.get(r.configuration) ?? { cell: r.configuration, x: [], mean: [], std: [], n: [] };
    b.x.push(x);
    b.mean.push(Number(r.mean));
    b.std.push(Number(r.ci95_half_width ?? r.std));
    b.n.push(Number(r.n));
    bands.set(r.configuration, b);
  }
});
const sorted = [...bands.values()].map((b) => {
  const order = b.x.map((_, i) => i).sort((i, j) => b.x[i] - b.x[j]);
  const pick = (xs: number[]) => order.map((i) => xs[i]);
  return { ...b, x: pick(b.x), mean: pick(b.mean), std: pick(b.std), n: pick(b.n), spread };
});
const s = { title: args.title, xName: args['x-name'], yName: args['y-name'] };
writeFileSync(`${args.out}.svg`, optionToSvg(buildBandOption(sorted, { ...s, dark: false }), 900, 480));
writeFileSync(`${args.out}.csv`, bandsCsv(sorted, s.xName));
writeFileSync(`${args.out}.tex`, bandsPgfplots(sorted, s));
process.stderr.write(`wrote ${args.out}.svg, .csv, .tex (${sorted.length} series)\n`);
