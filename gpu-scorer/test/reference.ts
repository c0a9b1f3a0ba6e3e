import { forward } from '@recsys/trainer/model'
import {
  listSignals,
  meanVector,
  rankerFeatures,
  type ModelMetadata,
  type RankRequestInput,
  type RankSource,
} from '@recsys/shared'
import type { FixtureStore } from './fixture-store'

/**
 * The score the scorer must give `itemId` for `req`, computed from the fixture's source data (not from what the
 * scorer loaded): signals rebuilt here, shared `rankerFeatures`, the reference TS `forward` of the same weights,
 * then the calibration and the floor, written out from their definitions.
 */
export function referenceScore(
  fx: FixtureStore,
  req: RankRequestInput,
  itemId: string,
  sources: readonly RankSource[],
  now = Date.now(),
): { raw: number; score: number; floored: boolean } {
  const session = req.session_items ?? []
  const recent = req.recent_items ?? []
  const history = [...session, ...recent]
  const vec = (id: string) => fx.itemVectors.get(id)
  const user = req.subject.startsWith('u.') ? fx.userVectors.get(req.subject.slice(2)) : undefined
  const subjectVector =
    user ?? meanVector(history.map(vec).filter((v): v is Float32Array => v !== undefined))
  let i2iMax = 0
  let i2iHits = 0
  const seeds = [...new Set([...(req.anchor_item ? [req.anchor_item] : []), ...history])]
  for (const seed of seeds)
    for (const n of fx.neighbors[seed] ?? [])
      if (n.item_id === itemId) {
        i2iMax = Math.max(i2iMax, n.score ?? 0)
        i2iHits++
      }
  const popular = fx.fallback.lists.find((l) => l.surface === req.surface)?.slate.items ?? []
  const flags = fx.catalog[itemId]
  const features = rankerFeatures(
    {
      vector: subjectVector,
      sessionVectors: session.map(vec).filter((v): v is Float32Array => v !== undefined),
      historyCategories: history.flatMap((id) =>
        fx.catalog[id] ? [fx.catalog[id].categories] : [],
      ),
    },
    [
      {
        item: {
          vector: vec(itemId),
          categories: flags?.categories ?? [],
          published_at: flags?.published_at,
          trending: listSignals(fx.trending.items, 'score').get(itemId) ?? 0,
          popularity: listSignals(popular, 'rank').get(itemId) ?? 0,
        },
        sources: new Set(sources),
        i2iMax,
        i2iHits,
      },
    ],
    now,
  )
  const raw = forward(fx.mlp, features, 1)[0]!
  return { raw, ...floor(raw, fx.metadata.calibration, fx.metadata.score_range) }
}

function calibrated(x: number, c: ModelMetadata['calibration']) {
  if (c.kind === 'sigmoid') return 1 / (1 + Math.exp(-(c.a * x + c.b)))
  if (c.kind === 'platt') return 1 / (1 + Math.exp(c.a * x + c.b))
  return x
}

/** `score_range` bounds the raw output; the floor is the lowest calibrated score inside it. */
function floor(raw: number, c: ModelMetadata['calibration'], [lo, hi]: [number, number]) {
  return !Number.isFinite(raw) || raw < lo || raw > hi
    ? { score: Math.min(calibrated(lo, c), calibrated(hi, c)), floored: true }
    : { score: calibrated(raw, c), floored: false }
}
