import { describe, expect, it } from 'vitest'
import type { EvalReport, ModelReport } from './evaluate'
import { buildReport, evaluationReport, METRICS, SLICES } from './report'
import { esc, renderReportHtml } from './report-html'
import { SYNTHETIC_START, syntheticDataset } from '../data/synthetic'

/** A model report whose every figure is distinct: `base` + a small step per field. */
function model(base: number): ModelReport {
  const slice = (o: number) => ({
    users: 10 + o,
    recall_at_20: base + o / 1e3,
    ndcg_at_10: base + o / 1e3 + 5e-4,
  })
  return {
    recall_at_10: base + 0.0011,
    recall_at_20: base + 0.0012,
    ndcg_at_10: base + 0.0013,
    map_at_10: base + 0.0014,
    coverage_at_10: base + 0.0015,
    precision_at_10: base + 0.0016,
    diversity_at_10: base + 0.0017,
    novelty_at_10: base + 0.0018,
    cold_start: slice(6),
    head_items: slice(7),
    tail_items: slice(8),
  }
}

const HOSTILE = `<script>alert("x")</script>&'`

function fake(): EvalReport {
  return {
    dataset: { items: 100, users: 20, train: 300, test: 100 },
    users_evaluated: 18,
    users_without_train: 2,
    models: {
      popularity: model(0.1),
      item2item: model(0.2),
      als: model(0.3),
      ranker: model(0.4),
      [HOSTILE]: model(0.05),
    } as EvalReport['models'],
    skipped: { ease: 'EASE: 20000 items … above the limit of 10000' },
    ms: { popularity: 1, item2item: 2, als: 3 } as EvalReport['ms'],
  }
}

const meta = {
  tenant: 'acme',
  dataset: { name: `movielens:${HOSTILE}`, seed: null, interactions: 400 },
  split: 'leave-last-5',
  created_at: '2026-01-02T03:04:05.000Z',
}

/** Void and self-closed tags aside, every opened tag is closed in order; returns the first problem. */
function unbalanced(html: string): string | undefined {
  const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link'])
  const stack: string[] = []
  const body = html.replace(/^<!doctype html>/i, '')
  for (const m of body.matchAll(
    /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g,
  )) {
    const [, close, tag, , self] = m
    const name = tag!.toLowerCase()
    if (self || (!close && VOID.has(name))) continue
    if (!close) stack.push(name)
    else if (stack.pop() !== name)
      return `</${name}> at ${m.index} closes ${stack.at(-1) ?? 'nothing'}`
  }
  if (stack.length) return `unclosed: ${stack.join(' > ')}`
  // A '<' that starts no tag would be text the escaping missed.
  const stray = body.replace(/<\/?[a-zA-Z][^>]*>/g, '').match(/[<>]/)
  return stray ? `stray ${stray[0]} in text` : undefined
}

describe('evaluation report (JSON)', () => {
  it('keeps every model, names the served one, and gives each model its ratio to popularity on every metric', () => {
    const r = buildReport(fake(), meta)
    expect(r).toMatchObject({
      kind: 'recsys.evaluation',
      tenant: 'acme',
      created_at: meta.created_at,
      baseline: 'popularity',
      served_model: 'ranker',
      dataset: {
        name: meta.dataset.name,
        seed: null,
        items: 100,
        users: 20,
        interactions: 400,
        train: 300,
        test: 100,
      },
      split: {
        description: 'leave-last-5',
        protocol: 'temporal',
        users_evaluated: 18,
        users_without_train: 2,
      },
      baselines: ['popularity'],
      skipped: { ease: 'EASE: 20000 items … above the limit of 10000' },
      lineage: { dataset: meta.dataset.name, seed: null, code: 'evaluate@2' },
    })
    expect(Object.keys(r.ratios).sort()).toEqual(Object.keys(fake().models).sort())
    for (const [id] of METRICS) {
      expect(r.ratios.popularity![id]).toBe(1)
      expect(Object.keys(r.ratios.ranker!)).toContain(id)
    }
    expect(r.ratios.ranker!.ndcg_at_10).toBeCloseTo(0.4013 / 0.1013, 4)
    expect(r.ratios.als!['tail_items.ndcg_at_10']).toBeCloseTo(0.3085 / 0.1085, 4)
    // Without a ranker, the better of MF and item-to-item on NDCG@10 serves the user slates.
    const { ranker: _, ...rest } = fake().models as Record<string, ModelReport>
    expect(
      buildReport({ ...fake(), models: rest as EvalReport['models'] }, meta).served_model,
    ).toBe('als')
    const flipped = { ...rest, item2item: rest.als!, als: rest.item2item! }
    expect(
      buildReport({ ...fake(), models: flipped as EvalReport['models'] }, meta).served_model,
    ).toBe('item2item')
  })

  it('runs the evaluation on a leave-last-5 split of a dataset', async () => {
    const data = syntheticDataset({ seed: 3, start: SYNTHETIC_START, items: 120, users: 30 })
    const r = await evaluationReport(data, { tenant: 't', name: 'synthetic', seed: 3 })
    expect(r.split.description).toBe('leave-last-5')
    expect(r.dataset).toMatchObject({ name: 'synthetic', seed: 3, items: 120, users: 30 })
    expect(r.dataset.interactions).toBe(data.interactions.length)
    expect(r.split.users_evaluated).toBeGreaterThan(20)
    expect(Object.keys(r.models)).toEqual(
      expect.arrayContaining(['popularity', 'item2item', 'als']),
    )
    const best = r.models.als!.ndcg_at_10 > r.models.item2item!.ndcg_at_10 ? 'als' : 'item2item'
    expect(r.served_model).toBe('ranker' in r.models ? 'ranker' : best)
  })
})

describe('evaluation report (HTML)', () => {
  const r = buildReport(fake(), meta)
  // The control plane's champion gate passes its decision; the page shows its verdict and note.
  const html = renderReportHtml(r, {
    verdict: 'first_release',
    note: 'no live release: the first publish is allowed (challenger ranker NDCG@10 0.4013)',
  })

  it('is one self-contained, well-formed page: balanced tags, no script, no external asset', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(unbalanced(html)).toBeUndefined()
    expect(html).not.toMatch(/<script/i)
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`)
    // The only URL is the SVG namespace, which loads nothing.
    expect(html.match(/https?:\/\/[^"\s<]+/g)).toEqual(['http://www.w3.org/2000/svg'])
    expect(html).not.toMatch(/\b(src|href)=/)
    expect(html).toMatch(/<svg[^>]*role="img"/)
    expect(html).toContain('first release')
  })

  it('holds every model and every metric value, and marks the baseline in the chart', () => {
    for (const [name, m] of Object.entries(r.models)) {
      expect(html).toContain(esc(name))
      for (const [, , get] of METRICS) expect(html, `${name}`).toContain(get(m).toFixed(4))
      for (const [id] of SLICES) expect(html).toContain(`<td>${m[id].users}</td>`)
      expect(html).toContain(`${r.ratios[name]!.ndcg_at_10!.toFixed(2)}×`)
    }
    expect(html).toContain('ranker (served)')
    expect(html).toMatch(/stroke-dasharray="6 4"\/><text[^>]*>popularity NDCG@10 0\.1013</)
    expect(html).toMatch(/popularity recall@10 0\.1011</)
  })

  it('names the baselines and what was left out, and why', () => {
    expect(html).toContain('<dt>baselines</dt><dd>popularity (ratios are to popularity)</dd>')
    expect(html).toContain(
      '<dt>left out: ease</dt><dd>EASE: 20000 items … above the limit of 10000</dd>',
    )
  })

  it('escapes a hostile model and dataset name everywhere', () => {
    expect(html).not.toContain('<script>')
    expect(html).not.toContain(HOSTILE)
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;')
    expect(unbalanced(renderReportHtml({ ...r, tenant: '</title><b>' }))).toBeUndefined()
  })

  it('the tag check catches what it is there to catch', () => {
    expect(unbalanced('<p><b>x</p></b>')).toMatch(/closes/)
    expect(unbalanced('<p>a < b</p>')).toMatch(/stray/)
    expect(unbalanced('<p><br><svg><rect/></svg></p>')).toBeUndefined()
  })
})
