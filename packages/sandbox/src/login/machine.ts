/**
 * A merchant-initiated login (CIBA) as a state machine, and what a poll of the
 * token endpoint answers in each state (OpenID CIBA Core §11, research
 * §5). Pure: no clock, no I/O; the service feeds it the time.
 *
 * A login waits on the user's phone (pending) until the user accepts or
 * rejects it or its `expires_in` runs out. An accepted login is redeemed once
 * for tokens; tokens not collected before the login's expiry are lost with it.
 */

export const LOGIN_STATES = ['pending', 'accepted', 'rejected', 'expired', 'redeemed'] as const
export type LoginState = (typeof LOGIN_STATES)[number]

/** What moves a login: the user (accept, reject), the clock (expire), the merchant's token poll (redeem). */
export const LOGIN_ACTIONS = ['accept', 'reject', 'expire', 'redeem'] as const
export type LoginAction = (typeof LOGIN_ACTIONS)[number]

/** The transition table: the state each action leads to, from each state that allows it. */
export const TRANSITIONS: {
  readonly [S in LoginState]: { readonly [A in LoginAction]?: LoginState }
} = {
  pending: { accept: 'accepted', reject: 'rejected', expire: 'expired' },
  accepted: { redeem: 'redeemed', expire: 'expired' },
  rejected: {},
  expired: {},
  redeemed: {},
}

/** The state `action` leads to from `state`, or undefined when it is not allowed there. */
export function nextState(state: LoginState, action: LoginAction): LoginState | undefined {
  return TRANSITIONS[state][action]
}

/** Whether the user may still answer: the phone shows only these. */
export function isWaitingForUser(state: LoginState): boolean {
  switch (state) {
    case 'pending':
      return true
    case 'accepted':
    case 'rejected':
    case 'expired':
    case 'redeemed':
      return false
    default:
      return unreachable(state)
  }
}

/** The CIBA standard's step: after `slow_down`, the interval grows by this for good. */
export const SLOW_DOWN_STEP_SECONDS = 5

/** What the machine needs to know to answer a token poll. */
export interface PollableLogin {
  readonly state: LoginState
  readonly expiresAt: number
  /** Seconds the client must leave between two polls; grows with each `slow_down`. */
  readonly interval: number
  readonly lastPolledAt?: number | undefined
}

/** The token endpoint's answer to a CIBA poll, and what it changes. */
export type PollDecision =
  | { answer: 'tokens'; next: LoginState }
  | {
      answer: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant'
      /** The state after the poll (a poll after expiry expires the login). */
      next: LoginState
      /** The interval from now on, when the poll changed it. */
      interval?: number
    }

/**
 * Decides a token poll at `now`. Only a pending login is rate-checked: a poll
 * sooner than `interval` seconds after the previous one gets `slow_down`, and
 * the interval grows by five seconds, as CIBA §11 says. The first poll is never
 * too early: the standard speaks of the time *between* polls.
 */
export function decidePoll(login: PollableLogin, now: number): PollDecision {
  const { state } = login
  const expired = now >= login.expiresAt
  switch (state) {
    case 'pending': {
      if (expired) return { answer: 'expired_token', next: 'expired' }
      const tooSoon = login.lastPolledAt !== undefined && now - login.lastPolledAt < login.interval * 1000
      if (tooSoon) {
        return { answer: 'slow_down', next: state, interval: login.interval + SLOW_DOWN_STEP_SECONDS }
      }
      return { answer: 'authorization_pending', next: state }
    }
    case 'accepted':
      if (expired) return { answer: 'expired_token', next: 'expired' }
      return { answer: 'tokens', next: 'redeemed' }
    case 'rejected':
      return { answer: 'access_denied', next: state }
    case 'expired':
      return { answer: 'expired_token', next: state }
    case 'redeemed':
      // Tokens are handed out once; a second redemption is a grant no longer valid.
      return { answer: 'invalid_grant', next: state }
    default:
      return unreachable(state)
  }
}

/** Makes a switch exhaustive: adding a state fails to compile until every switch handles it. */
export function unreachable(value: never): never {
  throw new Error(`unhandled: ${String(value)}`)
}
