import { DEADLINE_HEADER, effectiveSwitches, RankRequest } from '@recsys/shared'
import { Hono } from 'hono'
import type { ReleaseManager } from '../artifacts/release-manager'
import { ScorerError } from '../errors'
import type { KillSwitchReader } from '../kill-switches/kill-switch-reader'
import type { ScorerMetrics } from '../metrics/scorer-metrics'
import { rank } from '../rank'

export interface RankRouteDeps {
  releases: ReleaseManager
  metrics: ScorerMetrics
  killSwitches: KillSwitchReader
  defaultDeadlineMs: number
}

/** The deadline of the request: `x-deadline-ms` (a positive number of ms), else the default. */
function deadlineOf(header: string | undefined, fallback: number): number {
  if (header === undefined) return fallback
  const ms = Number(header)
  if (!Number.isFinite(ms) || ms <= 0)
    throw new ScorerError('BAD_REQUEST', `${DEADLINE_HEADER} must be a positive number of ms`)
  return ms
}

/** `POST /v1/rank` (docs/scorer.md#post-v1rank). */
export const rankRoutes = (deps: RankRouteDeps) =>
  new Hono().post('/v1/rank', async (c) => {
    const startedAt = performance.now()
    const deadlineMs = deadlineOf(c.req.header(DEADLINE_HEADER), deps.defaultDeadlineMs)
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      throw new ScorerError('BAD_REQUEST', 'the body is not JSON')
    }
    const parsed = RankRequest.safeParse(body)
    if (!parsed.success) {
      const i = parsed.error.issues[0]!
      throw new ScorerError('BAD_REQUEST', `${i.path.join('.') || 'body'}: ${i.message}`)
    }
    const req = parsed.data
    if (!deps.releases.has(req.tenant))
      throw new ScorerError('NOT_FOUND', `unknown tenant ${req.tenant}`, 'tenant')
    const lease = deps.releases.acquire(req.tenant)
    if (!lease)
      throw new ScorerError(
        'UNAVAILABLE',
        `no release loaded for tenant ${req.tenant} yet`,
        'tenant',
      )
    try {
      const r = lease.release
      if (r.surfaces.size > 0 && !r.surfaces.has(req.surface))
        throw new ScorerError(
          'NOT_FOUND',
          `unknown surface ${req.surface} in release ${r.release}`,
          'tenant',
        )
      const switches = effectiveSwitches(await deps.killSwitches(), req.tenant)
      const fromRequest = new Set(req.disabled_sources)
      const out = await rank(r, req, {
        startedAt,
        deadlineMs,
        metrics: deps.metrics,
        disabled: (s) =>
          switches.sources.has(s)
            ? `kill switch source.${s}`
            : fromRequest.has(s)
              ? 'disabled by the request'
              : undefined,
      })
      if (!out.ok) throw new ScorerError('UNAVAILABLE', out.error)
      return c.json(out.value)
    } finally {
      lease.done()
    }
  })
