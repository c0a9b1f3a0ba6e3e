import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Id, PRIVACY_MODES, type PrivacyMode } from '../contracts/common'
import { kvKeys, logKeys, r2Keys, redisKeys, subjectKey, userStateKeys } from './store-keys'

/** Ids as the contracts accept them (letters, digits and . _ ~ @ + = -). */
const arbId = fc.stringMatching(/^[A-Za-z0-9._~@+=-]{1,12}$/).filter((s) => Id.safeParse(s).success)

interface Dims {
  tenant: string
  release: string
  surface: string
  variant: string
  mode: PrivacyMode
  id: string
  shard: number
}

/** Every builder of tenant data, by name, over the same dimensions. */
const BUILDERS: Record<string, (d: Dims) => string> = {
  pointer: (d) => kvKeys.pointer(d.tenant),
  manifest: (d) => kvKeys.manifest(d.tenant, d.release),
  denylist: (d) => kvKeys.denylist(d.tenant, d.release),
  rules: (d) => kvKeys.rules(d.tenant, d.release),
  catalogShard: (d) => kvKeys.catalogShard(d.tenant, d.release, d.shard),
  userSlatePage: (d) => kvKeys.userSlatePage(d.tenant, d.release, d.surface, d.variant, d.shard),
  anchoredSlate: (d) => kvKeys.anchoredSlate(d.tenant, d.release, d.surface, d.variant, d.id),
  segmentList: (d) => kvKeys.segmentList(d.tenant, d.release, d.surface, d.variant, d.mode, d.id),
  popular: (d) => kvKeys.popular(d.tenant, d.release, d.surface, d.variant),
  tombstones: (d) => redisKeys.tombstones(d.tenant),
  profile: (d) => redisKeys.profile(d.tenant, d.id),
  suppressedItems: (d) => redisKeys.suppressedItems(d.tenant, d.id),
  suppressedCategories: (d) => redisKeys.suppressedCategories(d.tenant, d.id),
  impressions: (d) => redisKeys.impressions(d.tenant, d.id),
  seen: (d) => redisKeys.seen(d.tenant, d.id),
  recent: (d) => redisKeys.recent(d.tenant, d.id),
  eventId: (d) => redisKeys.eventId(d.tenant, d.id),
  logClaim: (d) => redisKeys.logClaim(d.tenant, d.id),
  eventSlot: (d) => redisKeys.eventSlot(d.tenant, 'click', d.shard, d.id),
  deletionFence: (d) => redisKeys.deletionFence(d.tenant, d.id),
}

/** Which dimensions each builder names (all others must not change its key). */
const USES: Record<string, (keyof Dims)[]> = {
  pointer: ['tenant'],
  manifest: ['tenant', 'release'],
  denylist: ['tenant', 'release'],
  rules: ['tenant', 'release'],
  catalogShard: ['tenant', 'release', 'shard'],
  userSlatePage: ['tenant', 'release', 'surface', 'variant', 'shard'],
  anchoredSlate: ['tenant', 'release', 'surface', 'variant', 'id'],
  segmentList: ['tenant', 'release', 'surface', 'variant', 'mode', 'id'],
  popular: ['tenant', 'release', 'surface', 'variant'],
  tombstones: ['tenant'],
  profile: ['tenant', 'id'],
  suppressedItems: ['tenant', 'id'],
  suppressedCategories: ['tenant', 'id'],
  impressions: ['tenant', 'id'],
  seen: ['tenant', 'id'],
  recent: ['tenant', 'id'],
  eventId: ['tenant', 'id'],
  logClaim: ['tenant', 'id'],
  eventSlot: ['tenant', 'shard', 'id'],
  deletionFence: ['tenant', 'id'],
}

const arbDims: fc.Arbitrary<Dims> = fc.record({
  tenant: arbId,
  release: arbId,
  surface: arbId,
  variant: arbId,
  mode: fc.constantFrom(...PRIVACY_MODES),
  id: arbId,
  shard: fc.nat({ max: 255 }),
})

describe('store keys', () => {
  it('covers every tenant-data builder', () => {
    const kv = Object.keys(kvKeys).filter((k) => k !== 'apiKey')
    const redis = Object.keys(redisKeys).filter((k) => k !== 'killSwitches')
    expect(Object.keys(BUILDERS).sort()).toEqual([...kv, ...redis].sort())
  })

  it('starts every key of tenant data with `t:<tenant>:`', () => {
    fc.assert(
      fc.property(arbDims, (d) => {
        for (const build of Object.values(BUILDERS))
          expect(build(d).startsWith(`t:${d.tenant}:`)).toBe(true)
      }),
    )
  })

  it('never gives two tenants the same key, whatever the other dimensions', () => {
    fc.assert(
      fc.property(arbDims, arbDims, (a, b) => {
        fc.pre(a.tenant !== b.tenant)
        const keysOf = (d: Dims) => new Set(Object.values(BUILDERS).map((build) => build(d)))
        const ka = keysOf(a)
        for (const k of keysOf(b)) expect(ka.has(k)).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  it('changes the key when any dimension it names changes, and only then', () => {
    fc.assert(
      fc.property(arbDims, arbDims, (a, b) => {
        for (const [name, build] of Object.entries(BUILDERS))
          for (const dim of Object.keys(a) as (keyof Dims)[]) {
            if (a[dim] === b[dim]) continue
            const changed = { ...a, [dim]: b[dim] }
            if (USES[name]!.includes(dim))
              expect(build(changed), `${name}/${dim}`).not.toBe(build(a))
            else expect(build(changed), `${name}/${dim}`).toBe(build(a))
          }
      }),
      { numRuns: 300 },
    )
  })

  it('never gives two different builders or arguments the same key', () => {
    fc.assert(
      fc.property(fc.array(arbDims, { minLength: 2, maxLength: 4 }), (ds) => {
        const owner = new Map<string, string>()
        for (const d of ds)
          for (const [name, build] of Object.entries(BUILDERS)) {
            const who = `${name}:${USES[name]!.map((dim) => d[dim]).join('|')}`
            const k = build(d)
            expect(owner.get(k) ?? who, k).toBe(who)
            owner.set(k, who)
          }
      }),
      { numRuns: 200 },
    )
  })

  it('names the privacy mode of every precomputed slate in its key', () => {
    const d = { t: 'acme', r: 'r1', s: 'home_feed', v: 'base' }
    expect(kvKeys.userSlatePage(d.t, d.r, d.s, d.v, 1)).toContain(':personalized:')
    expect(kvKeys.anchoredSlate(d.t, d.r, d.s, d.v, 'i-1')).toContain(':non_personalized:')
    expect(kvKeys.popular(d.t, d.r, d.s, d.v)).toContain(':non_personalized')
    for (const mode of PRIVACY_MODES)
      expect(kvKeys.segmentList(d.t, d.r, d.s, d.v, mode, 'seg')).toContain(`:${mode}:`)
  })

  it('keeps the API-key index and the kill switches outside every tenant', () => {
    expect(kvKeys.apiKey('ab12').startsWith('t:')).toBe(false)
    expect(redisKeys.killSwitches().startsWith('t:')).toBe(false)
  })
})

describe('r2Keys', () => {
  const arbSha = fc.stringMatching(/^[0-9a-f]{64}$/)

  it('names a blob by tenant and content only, under `t/<tenant>/`, and never across tenants', () => {
    fc.assert(
      fc.property(arbId, arbId, arbSha, arbSha, (ta, tb, sa, sb) => {
        const a = r2Keys.blob(ta, sa)
        expect(a).toBe(`t/${ta}/blobs/${sa}`)
        expect(a.startsWith(`t/${ta}/`)).toBe(true)
        expect(a === r2Keys.blob(tb, sb)).toBe(ta === tb && sa === sb)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses anything but a lowercase hex SHA-256', () => {
    for (const bad of ['', 'abc', 'A'.repeat(64), `${'a'.repeat(63)}/`, '../x'])
      expect(() => r2Keys.blob('acme', bad)).toThrow(/not a hex SHA-256/)
  })
})

describe('subjectKey', () => {
  it('never lets a user id and an anonymous id collide', () => {
    fc.assert(
      fc.property(arbId, arbId, (a, b) => {
        expect(subjectKey({ user_id: a })).not.toBe(subjectKey({ anonymous_id: b }))
        expect(subjectKey({ user_id: a }) === subjectKey({ user_id: b })).toBe(a === b)
        expect(subjectKey({ anonymous_id: a }) === subjectKey({ anonymous_id: b })).toBe(a === b)
      }),
    )
  })
})

describe('userStateKeys', () => {
  it('lists every per-subject key of redisKeys, and only those of that tenant and subject', () => {
    const perSubject = Object.entries(USES)
      .filter(([name, dims]) => name in redisKeys && dims.join() === 'tenant,id')
      .map(([name]) => name)
      // Not user state: ingestion claims, log claims, and the fence a deletion leaves behind.
      .filter((n) => n !== 'eventId' && n !== 'logClaim' && n !== 'deletionFence')
    const keys = userStateKeys('acme', 'u.1')
    expect(keys.sort()).toEqual(
      perSubject.map((n) => BUILDERS[n]!({ tenant: 'acme', id: 'u.1' } as Dims)).sort(),
    )
    for (const k of keys) expect(k.startsWith('t:acme:u:u.1:')).toBe(true)
  })
})

describe('logKeys', () => {
  it('partitions by tenant and UTC hour', () => {
    expect(logKeys.object('acme', 'event', '2026-01-02T03:04:05+02:00', 'ab')).toBe(
      'acme/2026-01-02/01/event-ab.ndjson',
    )
    expect(logKeys.hour('acme', Date.UTC(2026, 10, 21, 23, 59))).toBe('acme/2026-11-21/23/')
    expect(logKeys.object('acme', 'event', 'not a date', 'x')).toBe(
      'acme/1970-01-01/00/event-x.ndjson',
    )
  })
})
