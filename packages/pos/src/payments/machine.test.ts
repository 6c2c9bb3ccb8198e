import type { GetPaymentResponse } from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import {
  canMove,
  isCancellable,
  isLive,
  PAYMENT_ATTEMPT_STATES,
  PAYMENT_ATTEMPT_TRANSITIONS,
  type PaymentAttemptState,
  type PlatformView,
  reconcile,
  viewOfEvent,
  viewOfPayment,
} from './machine.ts'

const VIEWS: PlatformView[] = [
  'waiting',
  'authorized',
  'captured',
  'released',
  'declined',
  'expired',
  'terminated',
]

describe('the payment attempt’s state machine', () => {
  it('has a row in the transition table for every state, naming only states', () => {
    expect(Object.keys(PAYMENT_ATTEMPT_TRANSITIONS).sort()).toEqual([...PAYMENT_ATTEMPT_STATES].sort())
    for (const targets of Object.values(PAYMENT_ATTEMPT_TRANSITIONS)) {
      for (const target of targets) expect(PAYMENT_ATTEMPT_STATES).toContain(target)
    }
  })

  it('never leaves a final state, except a failure that is retried', () => {
    for (const state of PAYMENT_ATTEMPT_STATES.filter((s) => !isLive(s))) {
      const allowed = PAYMENT_ATTEMPT_TRANSITIONS[state] as readonly PaymentAttemptState[]
      expect(allowed).toEqual(state === 'failed' ? ['creating'] : [])
    }
  })

  it('only ever makes moves the table allows, whatever the platform says in whatever order', () => {
    for (const state of PAYMENT_ATTEMPT_STATES) {
      for (const view of VIEWS) {
        const next = reconcile(state, view)
        if (next !== undefined) expect(canMove(state, next), `${state} + ${view} → ${next}`).toBe(true)
      }
    }
  })

  it.each<[PaymentAttemptState, PlatformView, PaymentAttemptState | undefined]>([
    ['creating', 'waiting', 'waiting_for_customer'],
    ['unknown', 'waiting', 'waiting_for_customer'],
    ['waiting_for_customer', 'waiting', undefined],
    ['waiting_for_customer', 'authorized', 'authorized'],
    ['waiting_for_customer', 'declined', 'declined'],
    ['waiting_for_customer', 'expired', 'expired'],
    ['waiting_for_customer', 'terminated', 'cancelled'],
    // A late CREATED or a repeated AUTHORIZED does not undo what the till knows.
    ['authorized', 'waiting', undefined],
    ['capturing', 'authorized', undefined],
    ['capturing', 'captured', 'captured'],
    // Declined or expired news about a payment already approved is stale.
    ['authorized', 'declined', undefined],
    ['capturing', 'expired', undefined],
    // The customer approved before the cancel landed: complete it.
    ['cancelling', 'waiting', undefined],
    ['cancelling', 'authorized', 'authorized'],
    ['cancelling', 'terminated', 'cancelled'],
    ['authorized', 'released', 'cancelled'],
    // Nothing moves a final state.
    ['captured', 'authorized', undefined],
    ['declined', 'authorized', undefined],
    ['cancelled', 'captured', undefined],
    ['failed', 'waiting', undefined],
  ])('%s hearing %s becomes %s', (state, view, next) => {
    expect(reconcile(state, view)).toBe(next)
  })

  it('lets the cashier cancel only before the customer has answered', () => {
    expect(PAYMENT_ATTEMPT_STATES.filter(isCancellable)).toEqual([
      'creating',
      'unknown',
      'waiting_for_customer',
    ])
  })
})

describe('what the platform says', () => {
  const amount = (value: number) => ({ currency: 'NOK' as const, value })
  const payment = (
    state: GetPaymentResponse['state'],
    captured = 0,
    cancelled = 0,
  ): Pick<GetPaymentResponse, 'state' | 'aggregate'> => ({
    state,
    aggregate: {
      authorizedAmount: amount(state === 'AUTHORIZED' ? 1000 : 0),
      capturedAmount: amount(captured),
      cancelledAmount: amount(cancelled),
      refundedAmount: amount(0),
    },
  })

  it('is read from the state and, once authorised, from the aggregate', () => {
    expect(viewOfPayment(payment('CREATED'), 1000)).toBe('waiting')
    expect(viewOfPayment(payment('AUTHORIZED'), 1000)).toBe('authorized')
    expect(viewOfPayment(payment('AUTHORIZED', 400), 1000)).toBe('authorized')
    expect(viewOfPayment(payment('AUTHORIZED', 1000), 1000)).toBe('captured')
    expect(viewOfPayment(payment('AUTHORIZED', 0, 1000), 1000)).toBe('released')
    expect(viewOfPayment(payment('ABORTED'), 1000)).toBe('declined')
    expect(viewOfPayment(payment('EXPIRED'), 1000)).toBe('expired')
    expect(viewOfPayment(payment('TERMINATED'), 1000)).toBe('terminated')
  })

  it('in a webhook moves the machine only for the customer’s and the clock’s events', () => {
    expect(viewOfEvent('AUTHORIZED')).toBe('authorized')
    expect(viewOfEvent('ABORTED')).toBe('declined')
    expect(viewOfEvent('CAPTURED')).toBeUndefined()
    expect(viewOfEvent('REFUNDED')).toBeUndefined()
    expect(viewOfEvent('CANCELLED')).toBeUndefined()
  })
})
