import { describe, expect, it, vi } from 'vitest'
import type { PrivacyMode, Tier } from '../contracts/common'
import { partition, privacyAllows, type Candidate, type FilterResult } from '../funnel/types'
import { err, ok } from '../util/result'
import { fillLadder, type Rung } from './fill'

const cand = (item_id: string, tier: Tier, needs: PrivacyMode = 'non_personalized'): Candidate => ({
  item_id,
  tier,
  source: 'test',
  reason: 'test',
  needs,
})

/** A rung that serves `ids` and counts how often it is loaded. */
function rung(tier: Tier, ids: string[], needs: PrivacyMode = 'non_personalized') {
  const load = vi.fn(async () => ok(ids.map((id) => cand(id, tier, needs))))
  return { tier, load } satisfies Rung
}

const failing = (tier: Tier, error = 'boom'): Rung => ({
  tier,
  load: vi.fn(async () => err(error)),
})

const everything = (cs: readonly Candidate[]): FilterResult => ({ kept: [...cs], removed: [] })
const except =
  (...denied: string[]) =>
  (cs: readonly Candidate[]) =>
    partition('denylist', cs, (c) => (denied.includes(c.item_id) ? 'denylisted' : undefined))

const ids = (cs: readonly Candidate[]) => cs.map((c) => c.item_id)

describe('fillLadder', () => {
  it('stops loading later rungs once `limit` eligible items are held', async () => {
    const first = rung('cached_user', ['a', 'b', 'c'])
    const second = rung('segment', ['d'])
    const third = rung('global_popular', ['e'])
    const r = await fillLadder([first, second, third], everything, 3)
    expect(ids(r.candidates)).toEqual(['a', 'b', 'c'])
    expect(second.load).not.toHaveBeenCalled()
    expect(third.load).not.toHaveBeenCalled()
    expect(r.tried).toEqual([{ tier: 'cached_user', status: 'served', candidates: 3 }])
    expect(r.tier).toBe('cached_user')
    expect(r.failed).toBe(false)
  })

  it('fills from later rungs while fewer than `limit` are held, and stops as soon as it has enough', async () => {
    const first = rung('cached_user', ['a'])
    const second = rung('segment', ['b', 'c'])
    const third = rung('global_popular', ['d'])
    const r = await fillLadder([first, second, third], everything, 3)
    expect(ids(r.candidates)).toEqual(['a', 'b', 'c'])
    expect(first.load).toHaveBeenCalledTimes(1)
    expect(second.load).toHaveBeenCalledTimes(1)
    expect(third.load).not.toHaveBeenCalled()
  })

  it('keeps every eligible candidate of the last loaded rung, beyond `limit`', async () => {
    const r = await fillLadder(
      [rung('cached_user', ['a']), rung('segment', ['b', 'c', 'd'])],
      everything,
      2,
    )
    expect(ids(r.candidates)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('counts only eligible items toward `limit`', async () => {
    const second = rung('global_popular', ['d', 'e'])
    const r = await fillLadder([rung('cached_user', ['a', 'x', 'y']), second], except('x', 'y'), 2)
    expect(second.load).toHaveBeenCalledTimes(1)
    expect(ids(r.candidates)).toEqual(['a', 'd', 'e'])
    expect(r.removed.map((x) => `${x.item_id}:${x.reason}`)).toEqual([
      'x:denylisted',
      'y:denylisted',
    ])
  })

  it('de-duplicates across rungs and within a rung, keeping the first occurrence', async () => {
    const r = await fillLadder(
      [
        rung('cached_user', ['a', 'b', 'a']),
        rung('segment', ['b', 'c']),
        rung('global_popular', ['c', 'a', 'd']),
      ],
      everything,
      10,
    )
    expect(ids(r.candidates)).toEqual(['a', 'b', 'c', 'd'])
    expect(r.candidates.map((c) => c.tier)).toEqual([
      'cached_user',
      'cached_user',
      'segment',
      'global_popular',
    ])
    expect(r.removed.map((x) => `${x.item_id}@${x.tier}:${x.stage}:${x.reason}`)).toEqual([
      'a@cached_user:dedupe:duplicate',
      'b@segment:dedupe:duplicate',
      'c@global_popular:dedupe:duplicate',
      'a@global_popular:dedupe:duplicate',
    ])
  })

  it('does not pass copies of items held from earlier rungs to the eligibility check', async () => {
    const seen: string[][] = []
    const spy = (cs: readonly Candidate[]) => {
      seen.push(ids(cs))
      return everything(cs)
    }
    await fillLadder([rung('cached_user', ['a', 'b']), rung('segment', ['b', 'c', 'a'])], spy, 10)
    expect(seen).toEqual([['a', 'b'], ['c']])
  })

  it('serves an eligible copy of an item whose earlier copy in the same rung is not eligible', async () => {
    // e.g. a rung merging sources: the same item from a personalized source and from a popular list.
    const privacy = (cs: readonly Candidate[]) =>
      partition('privacy', cs, (c) =>
        privacyAllows('non_personalized', c.needs) ? undefined : 'privacy_mode',
      )
    const both: Rung = {
      tier: 'segment',
      load: async () =>
        ok([cand('a', 'segment', 'personalized'), cand('a', 'segment', 'non_personalized')]),
    }
    const r = await fillLadder([both], privacy, 5)
    expect(r.candidates).toEqual([cand('a', 'segment', 'non_personalized')])
    expect(r.removed.map((x) => `${x.item_id}:${x.reason}`)).toEqual(['a:privacy_mode'])
    expect(r.tried).toEqual([{ tier: 'segment', status: 'served', candidates: 1 }])
  })

  it('serves from a later rung an item that eligibility removed in an earlier one', async () => {
    // The personalized rung's copy is forbidden under non_personalized; the popular list's copy is not.
    const privacy = (cs: readonly Candidate[]) =>
      partition('privacy', cs, (c) =>
        privacyAllows('non_personalized', c.needs) ? undefined : 'privacy_mode',
      )
    const r = await fillLadder(
      [
        rung('cached_user', ['a', 'b'], 'personalized'),
        rung('global_popular', ['b', 'c'], 'non_personalized'),
      ],
      privacy,
      5,
    )
    expect(ids(r.candidates)).toEqual(['b', 'c'])
    expect(r.candidates[0]!.tier).toBe('global_popular')
    expect(r.removed.map((x) => `${x.item_id}@${x.tier}:${x.reason}`)).toEqual([
      'a@cached_user:privacy_mode',
      'b@cached_user:privacy_mode',
    ])
    expect(r.tier).toBe('global_popular')
  })

  it('reports skipped rungs without loading them, and failed rungs with `failed` set', async () => {
    const skipped = { ...rung('ranked', ['z']), skip: 'kill switch edge.scorer' }
    const r = await fillLadder(
      [
        skipped,
        failing('edge_rescored', 'timeout'),
        rung('cached_user', []),
        rung('segment', ['x']),
        rung('global_popular', ['a']),
      ],
      except('x'),
      5,
    )
    expect(skipped.load).not.toHaveBeenCalled()
    expect(r.tried).toEqual([
      { tier: 'ranked', status: 'skipped', detail: 'kill switch edge.scorer', candidates: 0 },
      { tier: 'edge_rescored', status: 'failed', detail: 'timeout', candidates: 0 },
      { tier: 'cached_user', status: 'empty', candidates: 0 },
      { tier: 'segment', status: 'exhausted', candidates: 0 },
      { tier: 'global_popular', status: 'served', candidates: 1 },
    ])
    expect(r.failed).toBe(true)
    expect(r.tier).toBe('global_popular')
    expect(ids(r.candidates)).toEqual(['a'])
  })

  it('is not `failed` when rungs are only skipped, empty or exhausted', async () => {
    const r = await fillLadder(
      [
        { ...rung('ranked', ['a']), skip: 'privacy' },
        rung('cached_user', []),
        rung('segment', ['x']),
      ],
      except('x'),
      5,
    )
    expect(r.failed).toBe(false)
    expect(r.tier).toBeUndefined()
    expect(r.candidates).toEqual([])
    expect(r.tried.map((t) => t.status)).toEqual(['skipped', 'empty', 'exhausted'])
  })

  it('names as `tier` the first rung that contributed, not the one that filled the slate', async () => {
    const r = await fillLadder(
      [rung('edge_rescored', ['x']), rung('cached_user', ['a']), rung('segment', ['b', 'c'])],
      except('x'),
      3,
    )
    expect(r.tier).toBe('cached_user')
    expect(r.tried.map((t) => `${t.tier}:${t.status}:${t.candidates}`)).toEqual([
      'edge_rescored:exhausted:0',
      'cached_user:served:1',
      'segment:served:2',
    ])
  })

  it('counts a rung of only duplicates as exhausted', async () => {
    const r = await fillLadder([rung('cached_user', ['a']), rung('segment', ['a'])], everything, 5)
    expect(r.tried.map((t) => t.status)).toEqual(['served', 'exhausted'])
  })

  it('loads rungs one after the other, never two at once', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const slow = (tier: Tier, id: string): Rung => ({
      tier,
      load: async () => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise((r) => setTimeout(r, 1))
        inFlight--
        return ok([cand(id, tier)])
      },
    })
    await fillLadder(
      [slow('cached_user', 'a'), slow('segment', 'b'), slow('global_popular', 'c')],
      everything,
      10,
    )
    expect(maxInFlight).toBe(1)
  })
})
