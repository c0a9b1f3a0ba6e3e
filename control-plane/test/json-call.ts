/** What a JSON API call answered: the status, the parsed body (`undefined` when not JSON), the text and headers. */
export type JsonReply = { status: number; json: any; text: string; headers: Headers }

/**
 * A caller of a JSON API through `send` (a `fetch` against a server, or a Hono app's `request`): objects go as JSON,
 * strings and bytes raw, with the operator token as a bearer token.
 */
export function jsonCaller(
  send: (path: string, init: RequestInit) => Response | Promise<Response>,
) {
  return async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonReply> => {
    const raw = body instanceof Uint8Array || typeof body === 'string'
    const res = await send(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined || raw ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body),
    })
    const text = await res.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.status, json, text, headers: res.headers }
  }
}
