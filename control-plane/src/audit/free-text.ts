/**
 * Characters of one free-text field an operator writes (a reason, a name, a title). Reasons are kept in Postgres
 * and the audit log only; the cap keeps one request from growing either (or a listing of them) by megabytes.
 */
export const FREE_TEXT_MAX = 1024

/** A reason as services keep it: trimmed, non-empty and at most {@link FREE_TEXT_MAX} characters; else why not. */
export function checkReason(
  reason: string | undefined,
): { ok: true; value: string } | { ok: false; error: string } {
  const r = reason?.trim() ?? ''
  if (r === '') return { ok: false, error: 'a reason is required' }
  if (r.length > FREE_TEXT_MAX)
    return {
      ok: false,
      error: `a reason has at most ${FREE_TEXT_MAX} characters (got ${r.length})`,
    }
  return { ok: true, value: r }
}
