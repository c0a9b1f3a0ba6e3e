/** The log consumer's record of which log object holds each event (exactly-once across queue redeliveries). */
export interface LogClaims {
  /**
   * For each entry, claims `event_id` for `objectKey` unless another object holds it already; returns, in order,
   * the object that holds it now (`objectKey` when this call or an earlier attempt of the same object claimed it).
   * Throws when the store cannot be reached.
   */
  claim(
    entries: ReadonlyArray<{ tenant: string; eventId: string; objectKey: string }>,
  ): Promise<string[]>
}
