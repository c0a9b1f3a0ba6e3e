import type { RedisCommand } from './redis-command.js'

/**
 * Commands the gateway refuses. Every request shares one Redis connection, so a command that
 * blocks it (BLPOP, WAIT, XREAD BLOCK), switches it into another mode (SUBSCRIBE, MONITOR), or
 * changes its state for everyone after it (SELECT, MULTI, WATCH, CLIENT REPLY, HELLO) would stall
 * or corrupt other requests. Transactions go through `/multi-exec` instead.
 */
const REFUSED = new Map<string, string>([
  ...[
    'blpop',
    'brpop',
    'brpoplpush',
    'blmove',
    'blmpop',
    'bzpopmin',
    'bzpopmax',
    'bzmpop',
    'wait',
    'waitaof',
  ].map((c): [string, string] => [c, 'blocking commands are not supported']),
  ...[
    'subscribe',
    'psubscribe',
    'ssubscribe',
    'unsubscribe',
    'punsubscribe',
    'sunsubscribe',
    'monitor',
  ].map((c): [string, string] => [c, 'pub/sub and MONITOR streams are not supported']),
  ...['multi', 'exec', 'discard', 'watch', 'unwatch'].map((c): [string, string] => [
    c,
    'use POST /multi-exec for transactions',
  ]),
  ...['select', 'swapdb', 'hello', 'auth', 'reset', 'quit', 'client', 'sync', 'psync'].map(
    (c): [string, string] => [c, 'connection-state commands are not supported'],
  ),
  ['shutdown', 'the gateway does not stop its Redis'],
])

/** XREAD/XREADGROUP are fine unless they carry a BLOCK option (which precedes STREAMS). */
const BLOCK_OPTION_COMMANDS = new Set(['xread', 'xreadgroup'])

/** Returns why the gateway refuses this command, or undefined when it may run. */
export function refusalReason(command: RedisCommand): string | undefined {
  const name = command.name.toLowerCase()
  const reason = REFUSED.get(name)
  if (reason !== undefined) return reason
  if (BLOCK_OPTION_COMMANDS.has(name) && hasBlockOption(command.args)) {
    return 'blocking commands are not supported'
  }
  return undefined
}

/** The error text a refused command gets, shaped like a Redis error so clients treat it alike. */
export function refusalMessage(command: RedisCommand, reason: string): string {
  return `ERR '${command.name}' is not supported by the local Upstash gateway: ${reason}`
}

function hasBlockOption(args: (string | Buffer)[]): boolean {
  for (const arg of args) {
    const word = (typeof arg === 'string' ? arg : arg.toString('latin1')).toUpperCase()
    if (word === 'STREAMS') return false
    if (word === 'BLOCK') return true
  }
  return false
}
