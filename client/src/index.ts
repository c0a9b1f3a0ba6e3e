export { createClient, type ClientOptions, type RecsysClient } from './client.js'
export { RecsysError, type RecsysErrorCode } from './error.js'
export type * from './types.js'
