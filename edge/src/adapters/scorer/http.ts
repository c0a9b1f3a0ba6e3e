import {
  DEADLINE_HEADER,
  err,
  ok,
  RankResponse,
  SCORER_SCOPE_HEADER,
  type RankRequestInput,
  type Result,
} from '@recsys/shared'
import type { ScorerClient, ScorerFailure } from './interface'

/**
 * `POST <url>/v1/rank` over fetch. Every way the answer can be unusable is a failure with a short reason: timeout,
 * connection error, a status other than 200, a body that is not JSON, or JSON that is not a {@link RankResponse}
 * of this tenant (zod rejects NaN, infinite and null scores, and missing items). Answers about this tenant or request
 * alone (400, 404, or a `SCORER_SCOPE_HEADER` of `tenant`) are failures that do not say the scorer is unhealthy.
 */
export class HttpScorerClient implements ScorerClient {
  private readonly endpoint: string

  constructor(
    url: string,
    private readonly token: string,
  ) {
    this.endpoint = `${url.replace(/\/+$/, '')}/v1/rank`
  }

  async rank(
    req: RankRequestInput,
    budgetMs: number,
  ): Promise<Result<RankResponse, ScorerFailure>> {
    const ms = Math.max(1, Math.floor(budgetMs))
    const signal = AbortSignal.timeout(ms)
    let text: string
    let status: number
    let scope: string | null
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
      scope = res.headers.get(SCORER_SCOPE_HEADER)
      // The body is read under the same deadline: a scorer that stalls mid-body is a timeout too.
      text = await res.text()
    } catch (e) {
      if (signal.aborted) return fault(`timeout after ${ms} ms`)
      return fault(`connection error: ${short((e as Error).message ?? String(e))}`)
    }
    if (status !== 200) {
      const message = `status ${status}${errorCode(text)}`
      if (status === 400 || status === 404 || scope === 'tenant')
        return err({ message, scorerFault: false })
      return fault(message)
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return fault('malformed JSON')
    }
    const parsed = RankResponse.safeParse(body)
    if (!parsed.success) {
      const i = parsed.error.issues[0]
      return fault(
        `invalid response: ${i ? `${i.path.join('.')}: ${short(i.message)}` : 'unknown'}`,
      )
    }
    if (parsed.data.tenant !== req.tenant) return fault(`response for tenant ${parsed.data.tenant}`)
    return ok(parsed.data)
  }
}

const fault = (message: string) => err<ScorerFailure>({ message, scorerFault: true })

/** ` (CODE: message)` from an error envelope, or nothing. */
function errorCode(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error
    return typeof e?.code === 'string' ? ` (${e.code}: ${short(String(e.message ?? ''))})` : ''
  } catch {
    return ''
  }
}

const short = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s)
