// Output helpers shared by CLI commands: JSON lines for machines, aligned tables and CSV for people.
import { csvRow } from '../math/export-escape';
import { writeOutputFile } from '../store/output-file';
import { defaultDbPath } from '../store/paths';

export function toCsv(header: string[], rows: Array<Array<string | number>>): string {
  return [header, ...rows].map(csvRow).join('\n') + '\n';
}

export function toTable(header: string[], rows: Array<Array<string | number>>): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  return (
    all
      .map((r) =>
        r
          .map((v, c) => String(v).padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function matrixCsv(values: ArrayLike<number>, rows: number, cols: number, digits = 6): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const row: string[] = [];
    for (let j = 0; j < cols; j++) row.push(Number(values[i * cols + j]).toPrecision(digits));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** Writes to a file when given (never over a database; over an existing file only with `force`), else to stdout. */
export function emit(text: string, file?: string, force = false): void {
  if (file) writeOutputFile(file, text, { overwrite: force, protect: [defaultDbPath()] });
  else process.stdout.write(text);
}
