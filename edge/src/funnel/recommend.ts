import type { Context } from 'hono'
import {
  assignExperiments,
  BASE_VARIANT,
  effectiveSwitches,
  mostRestrictive,
  resolvePrivacy,
  subjectKey,
  type RecommendationRequest,
  type RecommendationResponse,
  type RuleBundle,
} from '@recsys/shared'
import type { AppEnv } from '../app-env'
import { CatalogView } from '../adapters/edge-store/catalog-view'
import { readRelease } from '../adapters/edge-store/release'
import { killSwitchCache } from '../adapters/request-state/kill-switch-cache'
import { ApiError } from '../errors'
import { runFunnel } from './pipeline'
import { buildDecision, buildResponse } from './respond'
import { sessionItems } from './session'
import type { FlooredScores } from './tiers/context'
import { emergencyFlags } from './tiers/emergency-list'

/**
 * The caller's country as Cloudflare's edge located it (`request.cf.country`), for requests that name none: region
 * rules and the country segment then still apply. `XX` (unknown) and `T1` (Tor) are no country.
 */
export function edgeCountry(req: Request): string | undefined {
  const country = (req as { cf?: { country?: unknown } }).cf?.country
  return typeof country === 'string' && /^[A-Z]{2}$/.test(country) && country !== 'XX'
    ? country
    : undefined
}

const NO_RULES: RuleBundle = {
  version: 'none',
  eligibility: { exclude_seen: true, exclude_consumed: true },
  rerank: {},
}

/** Serves one recommendation request (docs/architecture.md#request-path). */
export async function recommend(
  c: Context<AppEnv>,
  req: RecommendationRequest,
): Promise<RecommendationResponse> {
  const started = performance.now()
  const now = Date.now()
  const { config, store, state, log, scorer, artifacts } = c.var.services
  const tenant = c.var.apiKey.tenant
  const requestId = req.request_id ?? c.var.requestId
  const degraded: string[] = []

  // Release (manifest, denylist, rules): the last one in memory when the store is unreadable, never another tenant's.
  const release = await readRelease(store, tenant, config.MANIFEST_POINTER_TTL_MS)
  if (!release.ok) throw new ApiError('UNAVAILABLE', `no release can be served: ${release.problem}`)
  if (release.stale) degraded.push(`release from memory: ${release.problem}`)
  const { manifest } = release.bundle

  const surface = manifest.config.surfaces.find((s) => s.id === req.surface)
  if (!surface) throw new ApiError('NOT_FOUND', `unknown surface ${req.surface}`)
  if (surface.kind === 'item_anchored' && !req.context.item_id)
    throw new ApiError('BAD_REQUEST', `context.item_id is required on surface ${surface.id}`)

  // User state, tombstones and (when the isolate copy is older than its TTL) kill switches: one round trip.
  const subject = subjectKey(req.subject)
  const fresh = killSwitchCache.fresh(now, config.KILL_SWITCH_TTL_MS)
  const rt = await state.read({ tenant, subject, withKillSwitches: !fresh, now })
  if (rt.killSwitches) killSwitchCache.store(rt.killSwitches, now)
  const switchMap = fresh ?? rt.killSwitches ?? killSwitchCache.stale() ?? {}
  const switches = effectiveSwitches(switchMap, tenant)
  if (!rt.user) degraded.push('user state unavailable')
  if (!rt.tombstones) degraded.push('real-time tombstones unavailable')

  let privacy = resolvePrivacy({
    requested: req.privacy_mode,
    consent: rt.user?.consent,
    consentDefault: manifest.config.consent_default,
    personalizationKilled: switches.personalization,
  })
  // Without user state, suppression cannot be checked: only non-personalized tiers may serve.
  if (!rt.user) privacy = mostRestrictive(privacy, 'non_personalized')

  const { assignments, overrides } = assignExperiments(manifest.experiments, surface.id, subject)
  const rules =
    ownValue(release.bundle.rules, overrides.rules ?? surface.rules) ??
    ownValue(release.bundle.rules, 'default') ??
    NO_RULES
  const slateId = crypto.randomUUID()
  const floored: FlooredScores = {}

  const out = await runFunnel({
    tier: {
      store,
      tenant,
      manifest,
      surface,
      variant: overrides.slate_variant ?? BASE_VARIANT,
      subject,
      user: rt.user,
      privacy,
      context: { ...req.context, country: req.context.country ?? edgeCountry(c.req.raw) },
      catalog: new CatalogView(
        store,
        tenant,
        manifest.release,
        manifest.catalog_shards,
        emergencyFlags(tenant, surface.id),
      ),
      switches,
      limit: req.limit,
      now,
      started,
      tombstones: rt.tombstones,
      excludeSeen: rules.eligibility.exclude_seen,
      excludeConsumed: rules.eligibility.exclude_consumed,
      scorer,
      artifacts,
      floored,
    },
    release: release.bundle,
    switches,
    tombstones: rt.tombstones,
    rules,
    limit: req.limit,
    now,
    seed: slateId,
  })
  if (out.ladder.failed) degraded.push('a tier failed')
  for (const u of out.unavailable) degraded.push(u)
  if (out.ladder.tier === 'emergency') degraded.push('served from the emergency list')
  if (out.items.length === 0) degraded.push('no eligible item to serve')

  const ctx = {
    tenant,
    requestId,
    slateId,
    subject,
    surface: surface.id,
    manifest,
    rulesVersion: rules.version,
    assignments,
    privacy,
    degraded,
    switches,
    out,
    debug: req.debug && c.var.apiKey.permissions.includes('debug'),
    session: sessionItems(req.context, rt.user, privacy),
    floored,
  }
  const response = await buildResponse(ctx, config.TRACKING_SECRET)
  response.metadata.latency_ms = Math.round((performance.now() - started) * 100) / 100
  c.executionCtx.waitUntil(
    log.send(buildDecision(ctx, response)).catch((e: unknown) =>
      console.error(
        JSON.stringify({
          msg: 'decision log send failed',
          request_id: requestId,
          error: String(e),
        }),
      ),
    ),
  )
  return response
}

/** `record[key]` if it is the record's own property (a bundle named `toString` is not Object.prototype's). */
const ownValue = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined
