import { BlockList, isIP } from 'node:net'

/** A TCP destination a client asked for with `?address=host:port`. */
export interface Target {
  /** Lower-case host name or IP literal (IPv6 without brackets). */
  host: string
  port: number
}

/** Which targets the proxy may connect to. */
export type TargetPolicy =
  { kind: 'loopback' } | { kind: 'list'; allowed: ReadonlySet<string>; entries: readonly string[] }

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/

/** True for IP literals in 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  return loopback.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** Parses `host:port` or `[v6]:port` (a bare IPv6 host splits at its last colon). */
export function parseTarget(
  address: string | null,
): { ok: true; target: Target } | { ok: false; reason: string } {
  if (address === null || address === '') return { ok: false, reason: 'missing ?address=host:port' }
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(address)
  const colon = address.lastIndexOf(':')
  const rawHost = bracketed ? bracketed[1] : address.slice(0, Math.max(colon, 0))
  const rawPort = bracketed ? bracketed[2] : address.slice(colon + 1)
  const host = (rawHost ?? '').toLowerCase()
  const port = /^\d{1,5}$/.test(rawPort ?? '') ? Number(rawPort) : NaN
  if (colon < 0 || !(port >= 1 && port <= 65535)) {
    return { ok: false, reason: `bad address ${JSON.stringify(address)}: expected host:port` }
  }
  if (isIP(host) === 0 && !HOST_NAME.test(host)) {
    return { ok: false, reason: `bad address ${JSON.stringify(address)}: invalid host` }
  }
  return { ok: true, target: { host, port } }
}

/** `host:port` as clients write it (IPv6 in brackets). */
export function formatTarget(t: Target): string {
  return isIP(t.host) === 6 ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`
}

/** Builds the policy; no list means loopback hosts only. Throws on a malformed entry. */
export function targetPolicy(allowedTargets?: readonly string[]): TargetPolicy {
  if (allowedTargets === undefined) return { kind: 'loopback' }
  const allowed = new Set<string>()
  for (const entry of allowedTargets) {
    const parsed = parseTarget(entry)
    if (!parsed.ok) throw new Error(`allowedTargets: ${parsed.reason}`)
    allowed.add(formatTarget(parsed.target))
  }
  return { kind: 'list', allowed, entries: [...allowed] }
}

/** Returns why the target is refused, or undefined when it may be dialled. Pure: no DNS. */
export function refusal(policy: TargetPolicy, t: Target): string | undefined {
  if (policy.kind === 'loopback') {
    if (t.host === 'localhost' || isLoopbackAddress(t.host)) return undefined
    return `target ${formatTarget(t)} is not allowed: this proxy only connects to loopback hosts`
  }
  if (policy.allowed.has(formatTarget(t))) return undefined
  return `target ${formatTarget(t)} is not allowed (allowed: ${policy.entries.join(', ') || 'none'})`
}
