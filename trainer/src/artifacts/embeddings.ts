/** Item and user vectors for the `index` artifact (the pipeline's come from matrix factorisation). */
export interface Embeddings {
  dims: number
  items: string[]
  /** items.length × dims, row-major (zero rows for items nobody touched). */
  itemVectors: Float32Array
  users: string[]
  /** users.length × dims, row-major. */
  userVectors: Float32Array
}
