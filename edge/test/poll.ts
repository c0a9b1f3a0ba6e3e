/**
 * Polls `check` until it holds, and throws when it has not after `timeoutMs`. The limit only guards against a hang:
 * it is generous because the tests share two cores with other work. How soon an effect must show (a cache's TTL)
 * is tested beside the code with an injected clock, not measured here.
 */
export async function until(
  check: () => Promise<boolean>,
  { timeoutMs = 20_000, everyMs = 50 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not visible within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
