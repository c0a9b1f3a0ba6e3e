/** The request target split into the raw (still percent-encoded) path and the query. */
export interface RequestTarget {
  path: string
  query: URLSearchParams
}

/**
 * Splits `req.url` by hand rather than with `new URL()`: WHATWG URL parsing would resolve `.`/`..`
 * segments and turn `\` into `/`, silently rewriting keys in path-style commands.
 */
export function parseRequestTarget(rawUrl: string): RequestTarget {
  const q = rawUrl.indexOf('?')
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q)
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1))
  return { path: path.startsWith('/') ? path : `/${path}`, query }
}
