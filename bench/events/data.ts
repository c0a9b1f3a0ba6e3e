import { mintTrackingToken, seededRandom, type TrackedEvent } from '@recsys/shared'

export const TRACKING_SECRET = 'bench-tracking-secret-0123456789'
const USERS = 1000
const ITEMS = 5000

/** Event types and their shares: mostly impressions, as a feed sends them. */
const MIX: Array<[TrackedEvent['type'], number]> = [
  ['impression', 0.5],
  ['view', 0.25],
  ['click', 0.1],
  ['conversion', 0.1],
  ['hide', 0.05],
]

/**
 * `n` unique events of 1,000 users on 5,000 items, deterministic; impressions and clicks carry tracking tokens
 * minted as the edge mints them (one slate of 20 per user and 20 events), so every one verifies.
 */
export async function benchEvents(n: number, tenant: string): Promise<TrackedEvent[]> {
  const r = seededRandom(7)
  const out: TrackedEvent[] = []
  const t0 = Date.now() - 3_600_000
  for (let i = 0; i < n; i++) {
    const user = `user-${Math.floor(r() * USERS)}`
    const item = `item-${Math.floor(r() ** 2 * ITEMS)}`
    let x = r()
    let type: TrackedEvent['type'] = 'impression'
    for (const [t, share] of MIX) {
      if (x < share) {
        type = t
        break
      }
      x -= share
    }
    const needsToken = type === 'impression' || type === 'click'
    out.push({
      event_id: `bench-${i.toString(36)}-${Math.floor(r() * 1e9).toString(36)}`,
      type,
      user_id: user,
      item_id: item,
      event_time: new Date(t0 + Math.floor(i / 10)).toISOString(),
      ...(needsToken && {
        tracking_token: await mintTrackingToken(TRACKING_SECRET, {
          t: tenant,
          u: `u.${user}`,
          s: `slate-${Math.floor(i / 20)}`,
          i: item,
          p: 1 + (i % 20),
          tier: 'cached_user',
          r: 'bench-r1',
          v: 'exp-1=control',
          ts: Math.floor(t0 / 1000),
        }),
      }),
    })
  }
  return out
}
