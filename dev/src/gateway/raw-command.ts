import { Command } from 'ioredis'
import type { RedisCommand } from './redis-command.js'

/**
 * An ioredis Command that leaves replies exactly as the parser produced them (Buffers, numbers,
 * null, arrays). ioredis keys its argument and reply transformers by lower-case command name
 * (HGETALL becomes an object, an HSET whose value is a Buffer gets expanded as if it were an
 * object); the gateway must forward bytes untouched, so the name goes upper-case, which matches no
 * transformer, and transformReply is the identity besides.
 */
class RawCommand extends Command {
  override transformReply(result: Buffer | Buffer[]): Buffer | Buffer[] {
    return result
  }
}

/** Builds the ioredis command for one gateway command, with no reply encoding or transforms. */
export function toRawCommand(command: RedisCommand): Command {
  return new RawCommand(command.name.toUpperCase(), command.args, { replyEncoding: null })
}
