/** One Redis command as it goes on the wire: the name, then binary-safe arguments. */
export interface RedisCommand {
  name: string
  args: (string | Buffer)[]
}
