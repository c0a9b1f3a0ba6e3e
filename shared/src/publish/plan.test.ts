import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { UserSlatePage, type Slate } from '../contracts/artifacts'
import { ModelMetadata } from '../contracts/artifact-files'
import { Manifest } from '../contracts/manifest'
import { kvKeys, r2Keys } from '../keys/store-keys'
import { shardOf } from '../util/hash'
import { NO_MODEL, planRelease, type ReleaseSpec } from './plan'

const slate = (ids: string[]): Slate => ({ items: ids.map((item_id) => ({ item_id })) })

function spec(over: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    tenant: 't1',
    release: 'r1',
    created_at: '2026-01-01T00:00:00Z',
    model_version: 'm',
    rules_version: 'r',
    config: { tenant: 't1', surfaces: [{ id: 'home_feed', kind: 'personalized' }] },
    catalog: { a: {}, b: {}, c: {} },
    denylist: [],
    rules: {},
    popular: [{ surface: 'home_feed', slate: slate(['a']) }],
    ...over,
  }
}

describe('planRelease', () => {
  it('every user slate can be found on its page, and pages are sized for the largest surface', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^u[0-9a-z]{1,8}$/), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        (users, perPage, twoVariants) => {
          const user_slates = users.flatMap((u, i) => [
            { surface: 'home_feed', user_id: u, slate: slate([`a${i}`]) },
            ...(twoVariants
              ? [{ surface: 'home_feed', variant: 'v2', user_id: u, slate: slate([`b${i}`]) }]
              : []),
          ])
          const plan = planRelease(spec({ user_slates, users_per_page: perPage }))
          const pages = plan.manifest.value.user_slate_pages
          expect(pages).toBe(Math.ceil(users.length / perPage))
          expect(plan.manifest.value.has.user_slates).toBe(true)
          const docs = new Map(plan.blobs.map((b) => [b.key, b.value]))
          users.forEach((u, i) => {
            for (const [variant, id] of [
              ['base', `a${i}`],
              ...(twoVariants ? [['v2', `b${i}`]] : []),
            ]) {
              const key = kvKeys.userSlatePage('t1', 'r1', 'home_feed', variant!, shardOf(u, pages))
              const page = UserSlatePage.parse(docs.get(key))
              expect(page.users[u]?.items.map((x) => x.item_id)).toEqual([id])
            }
          })
          // Each user is on exactly one page of a variant; no empty page is written.
          const pageDocs = plan.blobs.filter((b) => b.key.includes(':page:'))
          const count = pageDocs.reduce(
            (n, b) => n + Object.keys((b.value as UserSlatePage).users).length,
            0,
          )
          expect(count).toBe(users.length * (twoVariants ? 2 : 1))
          expect(
            pageDocs.every((b) => Object.keys((b.value as UserSlatePage).users).length > 0),
          ).toBe(true)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('a release without user slates has no pages', () => {
    const plan = planRelease(spec())
    expect(plan.manifest.value.user_slate_pages).toBe(0)
    expect(plan.manifest.value.has.user_slates).toBe(false)
    expect(plan.blobs.some((b) => b.key.includes(':page:'))).toBe(false)
  })

  it('says whether the release carries a ranker; a manifest written before the field reads as one that does', () => {
    expect(planRelease(spec({ model_version: 'ranker@abc' })).manifest.value.has.ranker).toBe(true)
    const none = planRelease(spec({ model_version: NO_MODEL })).manifest.value
    expect(none.has.ranker).toBe(false)
    expect(Manifest.parse(JSON.parse(JSON.stringify(none))).has.ranker).toBe(false)
    const { ranker: _, ...older } = none.has
    expect(Manifest.parse({ ...none, has: older }).has.ranker).toBe(true)
  })

  it('an explicit page count wins; every key names the tenant and release; the pointer is separate', () => {
    const plan = planRelease(
      spec({
        user_slates: [{ surface: 'home_feed', user_id: 'u1', slate: slate(['a']) }],
        user_slate_pages: 7,
      }),
    )
    expect(plan.manifest.value.user_slate_pages).toBe(7)
    for (const b of [...plan.blobs, plan.manifest])
      expect(b.key.startsWith('t:t1:r:r1:')).toBe(true)
    expect(plan.pointer.key).toBe(kvKeys.pointer('t1'))
    expect(plan.pointer.value.release).toBe('r1')
  })

  it('catalog shards hold every item exactly once', () => {
    const catalog = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`i${i}`, {}]))
    const plan = planRelease(spec({ catalog, items_per_shard: 64 }))
    const shards = plan.blobs.filter((b) => b.key.includes(':catalog:'))
    expect(shards).toHaveLength(plan.manifest.value.catalog_shards)
    expect(plan.manifest.value.catalog_shards).toBe(8)
    const ids = shards.flatMap((s) => Object.keys((s.value as { items: object }).items))
    expect(ids.sort()).toEqual(Object.keys(catalog).sort())
  })

  it('names the edge model in the manifest by its content key, and lists it among the R2 writes', () => {
    const sha256 = 'ab'.repeat(32)
    const metadata = {
      feature_schema: {
        features: ['a', 'b'],
        inputs: [{ name: 'features', dims: [-1, 2] }],
        outputs: [{ name: 'score', dims: [-1, 1] }],
      },
    }
    const plan = planRelease(spec({ edge_model: { sha256, size_bytes: 123, metadata } }))
    const key = r2Keys.blob('t1', sha256)
    expect(plan.r2).toEqual([{ key, sha256, size_bytes: 123 }])
    expect(plan.manifest.value.edge_model).toEqual({
      key,
      sha256,
      size_bytes: 123,
      metadata: ModelMetadata.parse(metadata),
    })
    // What the planner writes is what the edge's reader accepts.
    expect(Manifest.parse(JSON.parse(JSON.stringify(plan.manifest.value)))).toEqual(
      plan.manifest.value,
    )

    const none = planRelease(spec())
    expect(none.r2).toEqual([])
    expect('edge_model' in none.manifest.value).toBe(false)
  })
})
