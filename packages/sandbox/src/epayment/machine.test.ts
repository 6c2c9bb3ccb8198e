import { describe, expect, it } from 'vitest'
import {
  canMove,
  decideCancel,
  decideCapture,
  decideLifecycle,
  decideRefund,
  LIFECYCLE_ACTIONS,
  type Money,
  PAYMENT_STATES,
  type PaymentCore,
  type PaymentState,
  TRANSITIONS,
} from './machine.ts'

const none: Money = { authorized: 0, cancelled: 0, captured: 0, refunded: 0 }
const payment = (state: PaymentState, money: Partial<Money> = {}): PaymentCore => ({
  state,
  value: 1000,
  currency: 'NOK',
  money: { ...none, ...money },
  ...(state === 'AUTHORIZED' ? { authorizedAt: 0 } : {}),
})
const nok = (value: number) => ({ currency: 'NOK', value })

describe('the payment state machine', () => {
  it('lets only CREATED move, and only to the state its transition table names', () => {
    for (const state of PAYMENT_STATES) {
      for (const action of LIFECYCLE_ACTIONS) {
        const decision = decideLifecycle(payment(state), action)
        const target = TRANSITIONS[state][action]
        expect(decision.ok, `${state} ${action}`).toBe(target !== undefined)
        if (decision.ok) expect(decision.change.state).toBe(target)
      }
    }
    expect(canMove('CREATED', 'AUTHORIZED')).toBe(true)
    expect(canMove('AUTHORIZED', 'CREATED')).toBe(false)
    expect(canMove('EXPIRED', 'AUTHORIZED')).toBe(false)
    expect(canMove('AUTHORIZED', 'AUTHORIZED')).toBe(true)
  })

  it('authorizes the whole amount on approval and cancels it on termination', () => {
    const approved = decideLifecycle(payment('CREATED'), 'approve')
    expect(approved.ok && approved.change.money.authorized).toBe(1000)
    const terminated = decideLifecycle(payment('CREATED'), 'terminate')
    expect(terminated.ok && terminated.change.money).toEqual({ ...none, cancelled: 1000 })
  })

  it('never lets captures pass the uncancelled authorisation, nor refunds the captures', () => {
    const authorized = payment('AUTHORIZED', { authorized: 1000, captured: 600 })
    expect(decideCapture(authorized, nok(400), 0).ok).toBe(true)
    expect(decideCapture(authorized, nok(401), 0).ok).toBe(false)
    expect(decideRefund(authorized, nok(600), 0).ok).toBe(true)
    expect(decideRefund(authorized, nok(601), 0).ok).toBe(false)
    const cancel = decideCancel(authorized, false, 0)
    expect(cancel.ok && cancel.change.money.cancelled).toBe(400)
    expect(cancel.ok && cancel.change.event).toEqual({ name: 'CANCELLED', value: 400 })
  })

  it('keeps AUTHORIZED through every modification', () => {
    const authorized = payment('AUTHORIZED', { authorized: 1000, captured: 500 })
    for (const decision of [
      decideCapture(authorized, nok(100), 0),
      decideRefund(authorized, nok(100), 0),
      decideCancel(authorized, false, 0),
    ]) {
      expect(decision.ok && decision.change.state).toBe('AUTHORIZED')
    }
  })
})
