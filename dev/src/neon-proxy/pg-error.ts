/** SQLSTATE 08004: the server refused the connection (target not allowed, bad address). */
export const SQLSTATE_REJECTED = '08004'
/** SQLSTATE 08001: the connection could not be established (target unreachable). */
export const SQLSTATE_UNREACHABLE = '08001'

/**
 * A Postgres ErrorResponse ('E') message with severity FATAL, as a server sends it when it refuses
 * a connection; node-postgres (and so the Neon driver) surfaces `message` and `code` verbatim.
 */
export function pgErrorResponse(sqlState: string, message: string): Buffer {
  const fields: [string, string][] = [
    ['S', 'FATAL'],
    ['V', 'FATAL'],
    ['C', sqlState],
    ['M', message],
  ]
  const body = Buffer.concat([
    ...fields.map(([code, value]) => Buffer.from(`${code}${value.replaceAll('\0', '')}\0`, 'utf8')),
    Buffer.from([0]),
  ])
  const header = Buffer.alloc(5)
  header.write('E', 0, 'latin1')
  header.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}
