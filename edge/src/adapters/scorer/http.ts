import { DEADLINE_HEADER, err, ok, RankResponse, type RankRequestInput } from '@recsys/shared'
import type { ScorerClient } from './interface'

/**
 * `POST <url>/v1/rank` over fetch. Every way the answer can be unusable is a failure with a short reason: timeout,
 * connection error, a status other than 200, a body that is not JSON, or JSON that is not a {@link RankResponse}
 * of this tenant (zod rejects NaN, infinite and null scores, and missing items).
 */
export class HttpScorerClient implements ScorerClient {
  private readonly endpoint: string

  constructor(
    url: string,
    private readonly token: string,
  ) {
    this.endpoint = `${url.replace(/\/+$/, '')}/v1/rank`
  }

  async rank(req: RankRequestInput, budgetMs: number) {
    const ms = Math.max(1, Math.floor(budgetMs))
    const signal = AbortSignal.timeout(ms)
    let text: string
    let status: number
    try {
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [DEADLINE_HEADER]: String(ms),
          ...(this.token && { authorization: `Bearer ${this.token}` }),
        },
        body: JSON.stringify(req),
        signal,
      })
      status = res.status
      // The body is read under the same deadline: a scorer that stalls mid-body is a timeout too.
      text = await res.text()
    } catch (e) {
      if (signal.aborted) return err(`timeout after ${ms} ms`)
      return err(`connection error: ${short((e as Error).message ?? String(e))}`)
    }
    if (status !== 200) return err(`status ${status}`)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return err('malformed JSON')
    }
    const parsed = RankResponse.safeParse(body)
    if (!parsed.success) {
      const i = parsed.error.issues[0]
      return err(`invalid response: ${i ? `${i.path.join('.')}: ${short(i.message)}` : 'unknown'}`)
    }
    if (parsed.data.tenant !== req.tenant) return err(`response for tenant ${parsed.data.tenant}`)
    return ok(parsed.data)
  }
}

const short = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s)
