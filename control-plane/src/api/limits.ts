/**
 * How much one operator API request may carry or start. Bodies over their limit are answered 413
 * (`PAYLOAD_TOO_LARGE`) before a handler parses them; free text over `FREE_TEXT_MAX` (audit/free-text.ts) and pipeline runs over
 * {@link ApiLimits.pipelineInteractions} are answered 400. See docs/security-control-plane.md.
 */
export interface ApiLimits {
  /** Bytes of a JSON body, for every route without a limit of its own. */
  jsonBytes: number
  /** Bytes of one catalog import (JSON or NDJSON), counted as the body streams in. */
  catalogBytes: number
  /** Bytes of one artifact registration. */
  artifactBytes: number
  /**
   * `users × interactions_per_user` of one synthetic pipeline run or evaluation requested over the API: the run
   * holds the whole dataset in the control plane's memory while requests are served beside it.
   */
  pipelineInteractions: number
}

const MiB = 1024 * 1024

export const DEFAULT_LIMITS: ApiLimits = {
  jsonBytes: 1 * MiB,
  catalogBytes: 64 * MiB,
  artifactBytes: 512 * MiB,
  pipelineInteractions: 2_000_000,
}

/** The limits in force: the defaults with the configured ones over them. */
export const limitsOf = (configured: Partial<ApiLimits> | undefined): ApiLimits => ({
  ...DEFAULT_LIMITS,
  ...configured,
})
