import path from 'node:path'
import type { ApiLimits } from './api/limits'

/** The hardening settings the control plane takes from its environment (docs/security-control-plane.md). */
export interface SecuritySettings {
  /** RECSYS_DATASET_ROOTS: directories (separated by `:`) that `movielens:`/`log:` datasets must lie under. */
  datasetRoots?: string[]
  limits?: Partial<ApiLimits>
  /** RECSYS_OPERATOR_TOKEN_TTL_DAYS: how long a created or rotated operator token signs in. */
  operatorTokenTtlMs?: number
}

const positive = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined || v === '') return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer, got '${v}'`)
  return n
}

/**
 * Reads RECSYS_DATASET_ROOTS, RECSYS_PIPELINE_MAX_INTERACTIONS, RECSYS_CATALOG_MAX_BYTES and
 * RECSYS_OPERATOR_TOKEN_TTL_DAYS; an unset variable leaves the default. A malformed one throws (fail fast).
 */
export function securityFromEnv(env: NodeJS.ProcessEnv = process.env): SecuritySettings {
  const roots = env.RECSYS_DATASET_ROOTS?.split(path.delimiter).filter(Boolean)
  const interactions = positive(
    'RECSYS_PIPELINE_MAX_INTERACTIONS',
    env.RECSYS_PIPELINE_MAX_INTERACTIONS,
  )
  const catalog = positive('RECSYS_CATALOG_MAX_BYTES', env.RECSYS_CATALOG_MAX_BYTES)
  const ttlDays = positive('RECSYS_OPERATOR_TOKEN_TTL_DAYS', env.RECSYS_OPERATOR_TOKEN_TTL_DAYS)
  return {
    ...(roots?.length ? { datasetRoots: roots } : {}),
    limits: {
      ...(interactions ? { pipelineInteractions: interactions } : {}),
      ...(catalog ? { catalogBytes: catalog } : {}),
    },
    ...(ttlDays ? { operatorTokenTtlMs: ttlDays * 86_400_000 } : {}),
  }
}
