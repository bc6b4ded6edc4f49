// ECharts renders a tooltip formatter's string as HTML: every user-supplied string in it (run, arm and cell
// names, metric names, axis names) is escaped, so a name like "<img onerror=…>" shows as text.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
