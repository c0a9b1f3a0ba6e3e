import { err, ok, type Result } from '@recsys/shared'

/** Why a catalog body was refused: 413 when it is over the limit, 400 when it is not a catalog. */
export interface CatalogBodyError {
  code: 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST'
  message: string
}

const tooLarge = (max: number): CatalogBodyError => ({
  code: 'PAYLOAD_TOO_LARGE',
  message:
    `the catalog body is over ${max} bytes: import it in several requests (imports upsert), ` +
    'see docs/security-control-plane.md',
})

/**
 * Reads a catalog import from the request body as it streams in, never more than `maxBytes`: NDJSON (one item per
 * line) is parsed line by line as lines complete; JSON (`{"items": [...]}`) is parsed once the body has ended.
 * A declared Content-Length over the limit is refused before anything is read.
 */
export async function readCatalogBody(
  req: Request,
  maxBytes: number,
): Promise<Result<unknown[], CatalogBodyError>> {
  const declared = Number(req.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > maxBytes) return err(tooLarge(maxBytes))
  const ndjson = (req.headers.get('content-type') ?? '').includes('ndjson')
  const items: unknown[] = []
  const decoder = new TextDecoder()
  let pending = ''
  let line = 0
  let bad: string | undefined
  /** Parses the complete lines of `text` (NDJSON); the last, partial one waits in `pending`. */
  const takeLines = (text: string, final: boolean) => {
    pending += text
    const parts = pending.split('\n')
    pending = final ? '' : parts.pop()!
    for (const part of parts) {
      line++
      if (bad || part.trim() === '') continue
      try {
        items.push(JSON.parse(part))
      } catch {
        bad = `line ${line} is not JSON`
      }
    }
  }
  let size = 0
  if (req.body) {
    const reader = req.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined)
        return err(tooLarge(maxBytes))
      }
      const text = decoder.decode(value, { stream: true })
      if (ndjson) takeLines(text, false)
      else pending += text
    }
  }
  const rest = decoder.decode()
  if (ndjson) {
    takeLines(rest, true)
    return bad ? err({ code: 'BAD_REQUEST', message: bad }) : ok(items)
  }
  try {
    const doc = JSON.parse(pending + rest) as { items?: unknown }
    return Array.isArray(doc?.items)
      ? ok(doc.items)
      : err({ code: 'BAD_REQUEST', message: 'send {"items": [...]} or NDJSON' })
  } catch {
    return err({ code: 'BAD_REQUEST', message: 'the body is not JSON' })
  }
}
