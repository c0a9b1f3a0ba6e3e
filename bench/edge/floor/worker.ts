/** The floor: the least a Worker can do per request here — read one KV value and return it as JSON. */
export default {
  async fetch(_req, env) {
    const value = await env.EDGE_KV.get('bench:floor', 'json')
    return Response.json(value)
  },
} satisfies ExportedHandler<{ EDGE_KV: KVNamespace }>
