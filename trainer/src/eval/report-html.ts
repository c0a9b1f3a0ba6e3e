import { METRICS, SLICES, type EvaluationReport } from './report'

/** A gate's verdict on the report's model (the control plane's champion decision is one), shown above the tables. */
export interface ReportDecision {
  /** `refused` and `forced` are highlighted; underscores read as spaces. */
  verdict: string
  /** One sentence; a leading `passed: ` or `refused: ` is dropped (the verdict says it). */
  note: string
}

/** Text as HTML (content and quoted attribute values alike). */
export const esc = (v: unknown): string =>
  String(v).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

const f4 = (v: number) => v.toFixed(4)
const times = (r: number | null | undefined) =>
  r === null || r === undefined ? '–' : `${r.toFixed(2)}×`

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #d8dee4;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{border-bottom:2px solid #8c959f}
.ratio{color:#57606a;font-size:.85em}.served{font-weight:600}.note{padding:.5rem .8rem;border-left:4px solid #8c959f;background:#f6f8fa}
.refused{border-color:#cf222e}.forced{border-color:#bf8700}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#57606a}dd{margin:0}
`

/** Chart geometry (SVG user units). */
const W = 720
const H = 300
const PAD = { left: 48, right: 16, top: 24, bottom: 56 }
const SERIES = [
  { id: 'ndcg_at_10', label: 'NDCG@10', color: '#0969da', base: '#033d8b' },
  { id: 'recall_at_10', label: 'recall@10', color: '#2da44e', base: '#116329' },
] as const

/** Grouped bars of NDCG@10 and recall@10 per model, with the baseline's values as dashed lines. */
function chart(r: EvaluationReport): string {
  const names = Object.keys(r.models)
  const values = names.flatMap((n) => SERIES.map((s) => r.models[n]![s.id]))
  const top = Math.max(0.01, ...values) * 1.15
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH
  const group = plotW / Math.max(1, names.length)
  const bar = Math.min(48, (group * 0.7) / SERIES.length)
  const parts: string[] = []
  for (let t = 0; t <= 4; t++) {
    const v = (top * t) / 4
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eaeef2"/>`,
      `<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${v.toFixed(3)}</text>`,
    )
  }
  names.forEach((name, i) => {
    const x0 = PAD.left + i * group + (group - bar * SERIES.length) / 2
    SERIES.forEach((s, k) => {
      const v = r.models[name]![s.id]
      const x = x0 + k * bar
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${s.color}"><title>${esc(name)} ${s.label} ${f4(v)}</title></rect>`,
        `<text x="${(x + bar / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" text-anchor="middle" font-size="10">${f4(v)}</text>`,
      )
    })
    const label = name.length > 18 ? `${name.slice(0, 17)}…` : name
    parts.push(
      `<text x="${(PAD.left + i * group + group / 2).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="12"${name === r.served_model ? ' font-weight="600"' : ''}>${esc(label)}${name === r.served_model ? ' (served)' : ''}</text>`,
    )
  })
  const base = r.models[r.baseline]
  if (base)
    SERIES.forEach((s, k) => {
      const at = y(base[s.id]).toFixed(1)
      parts.push(
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${at}" y2="${at}" stroke="${s.base}" stroke-dasharray="6 4"/>`,
        `<text x="${W - PAD.right}" y="${(Number(at) - 4 - k * 12).toFixed(1)}" text-anchor="end" font-size="10" fill="${s.base}">${esc(r.baseline)} ${s.label} ${f4(base[s.id])}</text>`,
      )
    })
  const legend = SERIES.map(
    (s, k) =>
      `<rect x="${PAD.left + k * 110}" y="${H - 22}" width="12" height="12" fill="${s.color}"/><text x="${PAD.left + k * 110 + 16}" y="${H - 12}" font-size="12">${s.label}</text>`,
  ).join('')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="chart-title">` +
    `<title id="chart-title">NDCG@10 and recall@10 per model; dashed lines: the ${esc(r.baseline)} baseline</title>` +
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(0)}" y2="${y(0)}" stroke="#8c959f"/>` +
    parts.join('') +
    legend +
    `</svg>`
  )
}

const modelCell = (r: EvaluationReport, name: string) =>
  name === r.served_model
    ? `<td class="served">${esc(name)} (served)</td>`
    : `<td>${esc(name)}${r.baselines.includes(name) ? ' (baseline)' : ''}</td>`

function metricsTable(r: EvaluationReport): string {
  const cols = METRICS.filter(([id]) => !id.includes('.'))
  const head = cols.map(([, label]) => `<th>${esc(label)}</th>`).join('')
  const rows = Object.keys(r.models).map((name) => {
    const m = r.models[name]!
    const cells = cols
      .map(
        ([id, , get]) =>
          `<td>${f4(get(m))} <span class="ratio">${times(r.ratios[name]?.[id])}</span></td>`,
      )
      .join('')
    return `<tr>${modelCell(r, name)}${cells}<td>${esc(r.ms[name] ?? '–')}</td></tr>`
  })
  return `<table><thead><tr><th>model</th>${head}<th>ms</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function slicesTable(r: EvaluationReport): string {
  const head = SLICES.map(
    ([, label]) => `<th>${esc(label)}: users</th><th>recall@20</th><th>NDCG@10</th>`,
  ).join('')
  const rows = Object.keys(r.models).map((name) => {
    const m = r.models[name]!
    const cells = SLICES.map(([id]) => {
      const s = m[id]
      const ratio = r.ratios[name]?.[`${id}.ndcg_at_10`]
      return `<td>${esc(s.users)}</td><td>${f4(s.recall_at_20)}</td><td>${f4(s.ndcg_at_10)} <span class="ratio">${times(ratio)}</span></td>`
    }).join('')
    return `<tr>${modelCell(r, name)}${cells}</tr>`
  })
  return `<table><thead><tr><th>model</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function decisionBlock(d: ReportDecision | undefined): string {
  if (!d) return ''
  const cls = d.verdict === 'refused' ? ' refused' : d.verdict === 'forced' ? ' forced' : ''
  return `<h2>Champion vs challenger</h2><p class="note${cls}"><strong>${esc(d.verdict.replace('_', ' '))}</strong>: ${esc(d.note.replace(/^(passed|refused): /, ''))}</p>`
}

/**
 * The report as one self-contained HTML page: no scripts, no external assets (a CSP forbids loading any), an inline
 * SVG chart and the metric and slice tables. Every value from the report is escaped.
 */
export function renderReportHtml(r: EvaluationReport, decision?: ReportDecision): string {
  const d = r.dataset
  const facts: Array<[string, unknown]> = [
    ['tenant', r.tenant],
    ['dataset', `${d.name}${d.seed === null ? '' : ` (seed ${d.seed})`}`],
    ['size', `${d.items} items, ${d.users} users, ${d.interactions} interactions`],
    [
      'split',
      `${r.split.description}: ${d.train} train / ${d.test} held-out pairs; ${r.split.users_evaluated} users scored, ${r.split.users_without_train} held-out users without train history left out`,
    ],
    ['served model', r.served_model],
    ['baselines', `${r.baselines.join(', ')} (ratios are to ${r.baseline})`],
    ...Object.entries(r.skipped).map(([m, why]): [string, unknown] => [`left out: ${m}`, why]),
    ...(r.tuning
      ? [
          [
            'ALS search',
            r.tuning.als.trials
              .map((t) => `${JSON.stringify(t.params)} → NDCG@10 ${f4(t.ndcg_at_10)}`)
              .join('; ') + ` (validation: ${r.tuning.als.users} users of the train side)`,
          ] as [string, unknown],
        ]
      : []),
    ['created', r.created_at],
    ['lineage', `${r.lineage.dataset}, seed ${r.lineage.seed ?? '–'}, ${r.lineage.code}`],
  ]
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>Offline evaluation: ${esc(r.tenant)} on ${esc(d.name)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>Offline evaluation: ${esc(r.tenant)}</h1>`,
    `<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`,
    decisionBlock(decision),
    '<h2>NDCG@10 and recall@10</h2>',
    chart(r),
    `<h2>Metrics</h2><p>Each value with its ratio to ${esc(r.baseline)}.</p>`,
    metricsTable(r),
    `<h2>Slices</h2><p>Cold-start users have at most 5 train items; head items are the most popular 20 % of the items touched in train, tail items the rest.</p>`,
    slicesTable(r),
    '</body></html>',
    '',
  ].join('\n')
}
