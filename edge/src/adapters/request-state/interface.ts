import type { KillSwitchMap, UserState } from '@recsys/shared'

/** What the edge reads from real-time state for one request. */
export interface RequestState {
  /** undefined when user state could not be read in time. */
  user: UserState | undefined
  /** Real-time tombstones of the tenant; undefined when unreadable. */
  tombstones: ReadonlySet<string> | undefined
  /** Present when kill switches were read with this request. */
  killSwitches?: KillSwitchMap
}

export interface RequestStateReader {
  /** Reads user state and tombstones (and kill switches when asked) in one round trip, within the timeout. */
  read(input: {
    tenant: string
    subject: string
    withKillSwitches: boolean
    now: number
  }): Promise<RequestState>
  /** Kill switches alone (for when no user state is needed). */
  killSwitches(): Promise<KillSwitchMap>
  ping(): Promise<boolean>
}
