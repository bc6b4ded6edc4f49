// The formats a study report is written in: one list for the API's schema, the CLI's choices and the app's buttons.
export const REPORT_FORMATS = ['md', 'csv', 'latex', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The file extension of each format (LaTeX tables are .tex). */
export const REPORT_EXTENSION: Record<ReportFormat, string> = { md: 'md', csv: 'csv', latex: 'tex', json: 'json' };
