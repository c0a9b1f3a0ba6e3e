import {
  CatalogFile,
  DenylistFile,
  FallbackFile,
  NeighborsFile,
  RulesFile,
  SlateLine,
  TrendingFile,
  type Slate,
} from '@recsys/shared'
import { describe, expect, it } from 'vitest'
import { DAY_MS, type Dataset, type DatasetItem, type Interaction } from '../data/dataset'
import { segmentOf, simpleArtifacts, toNdjson, type SimpleArtifacts } from './simple-artifacts'
import { syntheticDataset } from '../data/synthetic'

const now = Date.UTC(2026, 0, 1)
const surfaces = [
  { id: 'home_feed', kind: 'personalized' as const },
  { id: 'related_items', kind: 'item_anchored' as const },
]
const demo = (seed: number) =>
  simpleArtifacts(syntheticDataset({ seed, start: now }), { surfaces, now, version: 'r1' })
const serialise = (a: SimpleArtifacts) =>
  JSON.stringify({ ...a, slates: undefined }) + new TextDecoder().decode(toNdjson(a.slates))

const item = (item_id: string, available = true): DatasetItem => ({
  item_id,
  title: item_id,
  categories: ['drama'],
  published_at: now - 100 * DAY_MS,
  available,
  min_age: 0,
  safe: false,
  sponsored: false,
})
const x = (user_id: string, item_id: string, daysAgo = 0, weight = 1): Interaction => ({
  user_id,
  item_id,
  ts: now - daysAgo * DAY_MS,
  weight,
})
/** Every slate of an artifact set, with where it came from. */
const allSlates = (a: SimpleArtifacts): [string, Slate][] => [
  ...a.slates.map((l): [string, Slate] => [JSON.stringify({ ...l, slate: undefined }), l.slate]),
  ...a.fallback.lists.map((l): [string, Slate] => [`fallback ${l.surface}`, l.slate]),
  ['trending', a.trending],
]

const d7 = syntheticDataset({ seed: 7, start: now })
const a7 = simpleArtifacts(d7, { surfaces, now, version: 'r1' })

describe('simpleArtifacts on a tiny dataset', () => {
  // a: i1 i2 · b: i1 i3 · c: i1 i2 · d: i4, all in cluster 0 and all now (no decay).
  const tiny: Dataset = {
    items: ['i1', 'i2', 'i3', 'i4'].map((i) => item(i)),
    users: ['a', 'b', 'c', 'd'].map((user_id) => ({ user_id, cluster: 0 })),
    interactions: [
      x('a', 'i1'),
      x('a', 'i2'),
      x('b', 'i1'),
      x('b', 'i3'),
      x('c', 'i1'),
      x('c', 'i2'),
      x('d', 'i4'),
    ],
  }
  const a = simpleArtifacts(tiny, { surfaces, now, version: 'v' })
  const userSlate = (u: string) =>
    a.slates.find((l) => l.type === 'user' && l.user_id === u)!.slate.items

  it('blends co-occurrence with the cluster list and drops what the user consumed', () => {
    // a consumed i1 i2: i3 co-occurs with i1 (via b), i4 only comes from the cluster list.
    expect(userSlate('a').map((e) => [e.item_id, e.source])).toEqual([
      ['i3', 'item2item'],
      ['i4', 'segment'],
    ])
    // d's only item co-occurs with nothing: d gets the cluster list, by count (i1 3, i2 2, i3 1).
    expect(userSlate('d').map((e) => [e.item_id, e.source])).toEqual([
      ['i1', 'segment'],
      ['i2', 'segment'],
      ['i3', 'segment'],
    ])
  })

  it("takes a model's user slates where given: available items only, capped, the blend for the others", () => {
    const withModel = simpleArtifacts(
      { ...tiny, items: [...tiny.items, item('i5', false)] },
      {
        surfaces,
        now,
        version: 'v',
        userSlateSize: 2,
        userSlates: new Map([
          [
            'a',
            [
              { item_id: 'i5', score: 0.9 },
              { item_id: 'i4', score: 0.5 },
              { item_id: 'i3', score: 0.25 },
              { item_id: 'i1', score: 0.1 },
            ],
          ],
        ]),
      },
    )
    const slateOf = (u: string) =>
      withModel.slates.find((l) => l.type === 'user' && l.user_id === u)!.slate.items
    expect(slateOf('a').map((e) => [e.item_id, e.score, e.source])).toEqual([
      ['i4', 0.5, 'mf'],
      ['i3', 0.25, 'mf'],
    ])
    expect(slateOf('b').map((e) => e.source)).not.toContain('mf')
  })

  it("leaves the user's consumed items out of a model's slate too", () => {
    const withModel = simpleArtifacts(tiny, {
      surfaces,
      now,
      version: 'v',
      // a consumed i1 and i2: a model that lists them anyway does not get them published.
      userSlates: new Map([
        ['a', ['i2', 'i3', 'i1', 'i4'].map((item_id) => ({ item_id, score: 1 }))],
      ]),
    })
    const slate = withModel.slates.find((l) => l.type === 'user' && l.user_id === 'a')!.slate
    expect(slate.items.map((e) => e.item_id)).toEqual(['i3', 'i4'])
  })

  it('anchors related items on co-occurrence, never on the anchor', () => {
    const anchored = (i: string) =>
      a.slates.find((l) => l.type === 'anchored' && l.item_id === i)?.slate.items
    expect(anchored('i1')!.map((e) => e.item_id)).toEqual(['i2', 'i3'])
    expect(anchored('i3')!.map((e) => e.item_id)).toEqual(['i1'])
    expect(anchored('i4')).toBeUndefined()
    // Source item2item and a reason that names the anchor.
    expect(anchored('i1')!.map((e) => [e.source, e.reason])).toEqual([
      ['item2item', 'related_to:i1'],
      ['item2item', 'related_to:i1'],
    ])
    expect(a.neighbors.items.i1!.map((e) => e.item_id)).toEqual(['i2', 'i3'])
  })

  it('orders the popular list by decayed count, not raw count, with available items only', () => {
    const d: Dataset = {
      items: [item('old'), item('fresh'), item('strong'), item('gone', false)],
      users: [{ user_id: 'u', cluster: 0 }],
      interactions: [
        // old: 3 × 2^-2 = 0.75 · fresh: 1 · strong: 3 × 2^-1 = 1.5 · gone: unavailable.
        ...[1, 2, 3].map(() => x('u', 'old', 28)),
        x('u', 'fresh', 0),
        x('u', 'strong', 14, 3),
        ...[1, 2, 3, 4].map(() => x('u', 'gone', 0)),
      ],
    }
    const pop = simpleArtifacts(d, { surfaces, now, version: 'v' }).fallback.lists
    expect(pop.map((l) => l.surface)).toEqual(['home_feed', 'related_items'])
    for (const l of pop)
      expect(l.slate.items.map((e) => [e.item_id, e.score])).toEqual([
        ['strong', 1.5],
        ['fresh', 1],
        ['old', 0.75],
      ])
  })

  it('references catalog items only, even when the log names others', () => {
    const stray = {
      ...tiny,
      interactions: [...tiny.interactions, x('a', 'ghost'), x('b', 'ghost')],
    }
    const s = simpleArtifacts(stray, { surfaces, now, version: 'v' })
    expect(JSON.stringify(s)).not.toContain('ghost')
  })

  it('maps users to their cluster segment', () => {
    expect(Object.fromEntries(segmentOf(tiny))).toEqual({
      a: 'cluster-0',
      b: 'cluster-0',
      c: 'cluster-0',
      d: 'cluster-0',
    })
    expect(segmentOf(d7).get('u-3')).toBe('cluster-2')
  })
})

describe('simpleArtifacts on the demo dataset', () => {
  it('gives every user a slate per personalized surface without consumed items or duplicates', () => {
    const consumed = new Map<string, Set<string>>()
    for (const i of d7.interactions)
      consumed.set(i.user_id, (consumed.get(i.user_id) ?? new Set()).add(i.item_id))
    const users = a7.slates.filter((l) => l.type === 'user')
    expect(users.map((l) => l.user_id)).toEqual(d7.users.map((u) => u.user_id))
    for (const l of users) {
      const ids = l.slate.items.map((e) => e.item_id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.filter((i) => consumed.get(l.user_id)!.has(i))).toEqual([])
      expect(ids).toHaveLength(50)
    }
  })

  it('references catalog items only, and lists available ones only', () => {
    const catalog = a7.catalog.items
    const refs = [
      ...allSlates(a7).flatMap(([, s]) => s.items.map((e) => e.item_id)),
      ...Object.values(a7.neighbors.items).flatMap((l) => l.map((e) => e.item_id)),
    ]
    expect(refs.filter((i) => !catalog[i]?.available)).toEqual([])
    const anchors = [
      ...a7.slates.flatMap((l) => (l.type === 'anchored' ? [l.item_id] : [])),
      ...Object.keys(a7.neighbors.items),
    ]
    expect(anchors.filter((i) => !catalog[i])).toEqual([])
    expect(Object.keys(catalog)).toHaveLength(1000)
  })

  it('stamps every slate, keeps scores descending and anchors off their own slate', () => {
    for (const [where, s] of allSlates(a7)) {
      expect([where, s.version, s.generated_at]).toEqual([where, 'r1', new Date(now).toISOString()])
      const scores = s.items.map((e) => e.score!)
      expect([where, scores]).toEqual([where, [...scores].sort((p, q) => q - p)])
    }
    for (const l of a7.slates)
      if (l.type === 'anchored')
        expect(l.slate.items.map((e) => e.item_id)).not.toContain(l.item_id)
  })

  it('has one list per cluster and an `all` list equal to popular, on every surface', () => {
    for (const { id } of surfaces) {
      const segs = a7.slates.flatMap((l) => (l.type === 'segment' && l.surface === id ? [l] : []))
      expect(segs.map((l) => [l.segment, l.mode])).toEqual([
        ['cluster-0', 'personalized'],
        ['cluster-1', 'personalized'],
        ['cluster-2', 'personalized'],
        ['cluster-3', 'personalized'],
        ['all', 'non_personalized'],
      ])
      expect(segs.at(-1)!.slate).toEqual(a7.fallback.lists.find((l) => l.surface === id)!.slate)
      expect(new Set(segs.map((l) => l.slate.items[0]!.item_id)).size).toBeGreaterThan(1)
    }
    expect(a7.slates.filter((l) => l.type === 'anchored' && l.surface === 'home_feed')).toEqual([])
  })

  it('parses with the artifact file schemas, NDJSON line by line', () => {
    expect(CatalogFile.parse(a7.catalog)).toEqual(a7.catalog)
    expect(DenylistFile.parse(a7.denylist)).toEqual({ items: [] })
    expect(RulesFile.parse(a7.rules).default!.rerank.sponsored).toEqual({ positions: [3], max: 1 })
    FallbackFile.parse(a7.fallback)
    NeighborsFile.parse(a7.neighbors)
    TrendingFile.parse(a7.trending)
    const text = new TextDecoder().decode(toNdjson(a7.slates))
    expect(text.endsWith('\n')).toBe(true)
    const lines = text.slice(0, -1).split('\n')
    expect(lines).toHaveLength(a7.slates.length)
    expect(lines.map((l) => SlateLine.parse(JSON.parse(l)))).toEqual(a7.slates)
  })

  it('respects the slate and list sizes', () => {
    const a = simpleArtifacts(d7, { surfaces, now, version: 'r1', slateSize: 7, listSize: 9 })
    const sizes = (ls: { items: unknown[] }[]) => new Set(ls.map((s) => s.items.length))
    const byType = (t: string) => a.slates.filter((l) => l.type === t).map((l) => l.slate)
    // Small sizes fill up on 1,000 items, so each list is exactly its size.
    expect(sizes(byType('user'))).toEqual(new Set([7]))
    expect(Math.max(...sizes(byType('anchored')))).toBe(7)
    expect(Math.max(...Object.values(a.neighbors.items).map((l) => l.length))).toBe(7)
    expect(
      sizes([...byType('segment'), a.trending, ...a.fallback.lists.map((l) => l.slate)]),
    ).toEqual(new Set([9]))
    expect(() => simpleArtifacts(d7, { surfaces, now, version: 'r', listSize: 1001 })).toThrow()
    expect(() => simpleArtifacts(d7, { surfaces: [], now, version: 'r' })).toThrow()
  })

  it('is deterministic: the same seed gives the same bytes, another seed others', () => {
    const a = serialise(a7)
    expect(serialise(demo(7))).toBe(a)
    expect(serialise(demo(8))).not.toBe(a)
  })
})

describe('toNdjson', () => {
  it('gives the same bytes as encoding the joined lines, past its first buffer and with non-ASCII ids', () => {
    const lines: SlateLine[] = Array.from({ length: 3000 }, (_, n) => ({
      type: 'user',
      surface: 'home_feed',
      user_id: `usér-${n}-😀`,
      slate: {
        items: Array.from({ length: 20 }, (_, k) => ({ item_id: `ïtem-${k}`, score: k / 7 })),
      },
    }))
    const bytes = toNdjson(lines)
    expect(bytes.length).toBeGreaterThan(1 << 20)
    const expected = new TextEncoder().encode(lines.map((l) => JSON.stringify(l) + '\n').join(''))
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true)
  })
})
