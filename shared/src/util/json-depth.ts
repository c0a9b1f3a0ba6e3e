/**
 * True when `value` (parsed JSON) nests arrays and objects at most `max` levels deep (a scalar is 0, `{}` is 1).
 * Iterative, so a hostile value nested 100,000 deep is measured without exhausting the stack, which
 * `JSON.stringify` and every recursive walk would.
 */
export function jsonDepthAtMost(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth + 1 > max) return false
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1])
  }
  return true
}
