/**
 * A failed validation gate: which artifact, which check, and the values that broke it
 * (docs/control-plane.md#registry-and-gates).
 */
export interface GateFailure {
  /** `<kind>/<name>@<sha256 prefix>`, or `release` for checks across artifacts. */
  artifact: string
  /** Stable check id: schema, unknown_items, tombstoned_items, duplicates, slate_size, fallback_empty, … */
  check: string
  message: string
  /** The first offending values (ids, paths, line numbers). */
  offending: string[]
  /** How many offending values there were in all. */
  count: number
}
