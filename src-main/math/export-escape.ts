// Escaping for the formats the workbench exports (pure string functions: every layer may use them). Study,
// arm, run and series names are user text and reach CSV cells and LaTeX documents; nothing in them may be
// executed by the program that opens the file.

/** A plain decimal number as text ("-1.5", "2e-3"): spreadsheets read it as a number, not a formula. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
/** Spreadsheet formula triggers (OWASP "CSV injection"): =, +, -, @, and a leading tab or carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180 quoting). Text that a spreadsheet would run as a formula gets a leading apostrophe,
 * which spreadsheets show as text; numbers, and text that is just a number, stay as they are.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(cells: ReadonlyArray<string | number | null | undefined>): string {
  return cells.map(csvCell).join(',');
}

const TEX_SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '#': '\\#',
  '%': '\\%',
  _: '\\_',
  '^': '\\textasciicircum{}',
  '~': '\\textasciitilde{}',
  '±': '$\\pm$',
  '↓': '$\\downarrow$',
  '↑': '$\\uparrow$',
  '−': '$-$',
};
/** Line breaks and other control characters: a newline would end a `%` comment and start live TeX. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g;

/** User text as LaTeX text: every special character escaped, so no name can run a command (\input, \write18). */
export function texText(text: string): string {
  return text
    .replace(CONTROL, ' ')
    .split('⁻¹')
    .map((part) => part.replace(/[\\{}$&#%_^~±↓↑−]/g, (c) => TEX_SPECIAL[c]))
    .join('$^{-1}$');
}

/** User text inside a `%` comment line: on one line, whatever it holds. */
export function texComment(text: string): string {
  return text.replace(CONTROL, ' ');
}
