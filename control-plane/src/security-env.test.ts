import { describe, expect, it } from 'vitest'
import { securityFromEnv } from './security-env'

describe('securityFromEnv', () => {
  it('reads the dataset roots, the limits and the token lifetime; unset leaves the defaults', () => {
    expect(securityFromEnv({})).toEqual({ limits: {} })
    expect(
      securityFromEnv({
        RECSYS_DATASET_ROOTS: '/data/a::/data/b',
        RECSYS_PIPELINE_MAX_INTERACTIONS: '5000000',
        RECSYS_CATALOG_MAX_BYTES: '1048576',
        RECSYS_OPERATOR_TOKEN_TTL_DAYS: '7',
      }),
    ).toEqual({
      datasetRoots: ['/data/a', '/data/b'],
      limits: { pipelineInteractions: 5_000_000, catalogBytes: 1_048_576 },
      operatorTokenTtlMs: 7 * 86_400_000,
    })
  })

  it('fails fast on a malformed number', () => {
    for (const v of ['0', '-1', '1.5', 'lots'])
      expect(() => securityFromEnv({ RECSYS_OPERATOR_TOKEN_TTL_DAYS: v }), v).toThrow(
        /RECSYS_OPERATOR_TOKEN_TTL_DAYS must be a positive integer/,
      )
  })
})
