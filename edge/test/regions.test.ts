import { beforeAll, describe, expect, it } from 'vitest'
import { baseSpec, createKey, newTenant, publish } from './fixtures'
import { call } from './request'

/**
 * Region rules at the edge: the request's `context.country`, else the country Cloudflare located the caller in
 * (`request.cf.country`), else unknown, and then every item with a region rule is held back (fail closed).
 */
let key: string

beforeAll(async () => {
  const tenant = newTenant('regions')
  const spec = baseSpec(tenant)
  // Lower-case codes, as an operator might write them: they must still match.
  spec.catalog.i1 = { categories: ['c0'], regions_blocked: ['de'] }
  spec.catalog.i2 = { categories: ['c1'], regions_allowed: ['fr'] }
  await publish(spec)
  key = await createKey(tenant)
})

async function served(opts: { country?: string; cf?: Record<string, unknown>; get?: boolean }) {
  const res = opts.get
    ? await call(
        `/v1/recommendations?surface=home_feed&anonymous_id=a1&limit=30${opts.country ? `&country=${opts.country}` : ''}`,
        { key, cf: opts.cf },
      )
    : await call('/v1/recommendations', {
        key,
        cf: opts.cf,
        body: {
          surface: 'home_feed',
          subject: { anonymous_id: 'a1' },
          limit: 30,
          ...(opts.country && { context: { country: opts.country } }),
        },
      })
  expect(res.status).toBe(200)
  const json = (await res.json()) as { items: Array<{ item_id: string }> }
  expect(json.items.length).toBeGreaterThan(0)
  return json.items.map((i) => i.item_id)
}

describe('region rules', () => {
  it('the request country decides, in any case', async () => {
    const de = await served({ country: 'de' })
    expect(de).not.toContain('i1')
    expect(de).not.toContain('i2')
    const fr = await served({ country: 'FR' })
    expect(fr).toContain('i1')
    expect(fr).toContain('i2')
  })

  it('without a country, the one Cloudflare located the caller in applies (POST and GET)', async () => {
    for (const get of [false, true]) {
      const de = await served({ get, cf: { country: 'DE' } })
      expect(de).not.toContain('i1')
      expect(de).not.toContain('i2')
      const fr = await served({ get, cf: { country: 'FR' } })
      expect(fr).toContain('i1')
      expect(fr).toContain('i2')
    }
  })

  it('the request country wins over the located one', async () => {
    expect(await served({ country: 'FR', cf: { country: 'DE' } })).toContain('i1')
  })

  it('with no country known (none given, none located, or XX), items with a region rule are held back', async () => {
    for (const cf of [undefined, { country: 'XX' }, { country: 'T1' }]) {
      for (const get of [false, true]) {
        const ids = await served({ get, cf })
        expect(ids).not.toContain('i1')
        expect(ids).not.toContain('i2')
        expect(ids).toContain('i3')
      }
    }
  })
})
