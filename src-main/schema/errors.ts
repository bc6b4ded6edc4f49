// Input that is well formed but not acceptable (an invalid configuration, an unknown config path, a study too
// large, a run that cannot fit in memory). Front ends answer it as the user's mistake: HTTP 400, CLI exit 2.
export class InvalidInputError extends Error {}

interface IssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  issues?: IssueLike[];
}

/**
 * One readable line per zod issue, "path: message". Record keys and unions report the inner issue (zod wraps
 * them as "Invalid key in record" / "Invalid input"), so the user reads what is actually wrong.
 */
export function formatIssue(issue: IssueLike, prefix: PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path];
  const inner = issue.issues?.[0];
  if (inner && (issue.code === 'invalid_key' || issue.code === 'invalid_element')) return formatIssue(inner, path);
  return `${path.map(String).join('.') || '(all)'}: ${issue.message}`;
}
