import { describe, expect, it } from 'vitest'
import {
  decidePoll,
  isWaitingForUser,
  LOGIN_ACTIONS,
  LOGIN_STATES,
  type LoginState,
  nextState,
  type PollableLogin,
  TRANSITIONS,
} from './machine.ts'

const T0 = 1_700_000_000_000
const login = (state: LoginState, extra: Partial<PollableLogin> = {}): PollableLogin => ({
  state,
  expiresAt: T0 + 600_000,
  interval: 5,
  ...extra,
})

describe('the login state machine', () => {
  it('moves a pending login only by the user’s answer or the clock, and an accepted one only by redemption or the clock', () => {
    expect(TRANSITIONS.pending).toEqual({ accept: 'accepted', reject: 'rejected', expire: 'expired' })
    expect(TRANSITIONS.accepted).toEqual({ redeem: 'redeemed', expire: 'expired' })
  })

  it('has no way out of rejected, expired and redeemed', () => {
    for (const state of ['rejected', 'expired', 'redeemed'] as const) {
      for (const action of LOGIN_ACTIONS) expect(nextState(state, action)).toBeUndefined()
    }
  })

  it('never leads back to pending, and shows only pending logins on the phone', () => {
    for (const state of LOGIN_STATES) {
      for (const action of LOGIN_ACTIONS) expect(nextState(state, action)).not.toBe('pending')
      expect(isWaitingForUser(state)).toBe(state === 'pending')
    }
  })
})

describe('a token poll', () => {
  it('is pending the first time, however soon after the start', () => {
    expect(decidePoll(login('pending'), T0)).toEqual({ answer: 'authorization_pending', next: 'pending' })
  })

  it('is slow_down sooner than the interval after the previous poll, and adds five seconds to the interval', () => {
    const polled = login('pending', { lastPolledAt: T0 })
    expect(decidePoll(polled, T0 + 4_999)).toEqual({ answer: 'slow_down', next: 'pending', interval: 10 })
    expect(decidePoll({ ...polled, interval: 10 }, T0 + 9_999)).toMatchObject({
      answer: 'slow_down',
      interval: 15,
    })
    expect(decidePoll(polled, T0 + 5_000)).toEqual({ answer: 'authorization_pending', next: 'pending' })
  })

  it('expires a pending or accepted login at its expiry', () => {
    for (const state of ['pending', 'accepted'] as const) {
      expect(decidePoll(login(state), T0 + 600_000)).toEqual({ answer: 'expired_token', next: 'expired' })
    }
  })

  it('redeems an accepted login, and answers each ended one in the standard’s words', () => {
    expect(decidePoll(login('accepted', { lastPolledAt: T0 }), T0 + 1)).toEqual({
      answer: 'tokens',
      next: 'redeemed',
    })
    expect(decidePoll(login('rejected'), T0).answer).toBe('access_denied')
    expect(decidePoll(login('expired'), T0).answer).toBe('expired_token')
    expect(decidePoll(login('redeemed'), T0).answer).toBe('invalid_grant')
  })
})
