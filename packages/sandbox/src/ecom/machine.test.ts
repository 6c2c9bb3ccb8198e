/**
 * The order machine on its own: every accepted action follows the transition
 * table, and no sequence of actions, whatever the amounts, captures more than
 * was reserved, refunds more than was captured, or changes a finished order.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  canMove,
  decideApprove,
  decideCancel,
  decideCapture,
  decideEnd,
  decideRefund,
  ECOM_ORDER_STATES,
  type EcomDecision,
  type EcomOrderAction,
  type EcomOrderCore,
  NO_MONEY,
  remainingToCapture,
  remainingToRefund,
  TRANSITIONS,
} from './machine.ts'

const AMOUNT = 29_900

type Step =
  | { action: 'approve'; shipping: number }
  | { action: 'reject' | 'expire' }
  | { action: 'cancel'; release: boolean }
  | { action: 'capture' | 'refund'; amount: number | undefined }

function decide(order: EcomOrderCore, step: Step): EcomDecision {
  switch (step.action) {
    case 'approve':
      return decideApprove(order, AMOUNT + step.shipping)
    case 'reject':
    case 'expire':
      return decideEnd(order, step.action)
    case 'cancel':
      return decideCancel(order, step.release)
    case 'capture':
      return decideCapture(order, step.amount)
    case 'refund':
      return decideRefund(order, step.amount)
  }
}

const amount = fc.option(fc.integer({ min: 1, max: 40_000 }), { nil: undefined })
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ action: fc.constant('approve' as const), shipping: fc.integer({ min: 0, max: 20_000 }) }),
  fc.record({ action: fc.constantFrom('reject' as const, 'expire' as const) }),
  fc.record({ action: fc.constant('cancel' as const), release: fc.boolean() }),
  fc.record({ action: fc.constantFrom('capture' as const, 'refund' as const), amount }),
)

describe('the eCom order machine', () => {
  it('never leaves the transition table, and keeps the money consistent, over any sequence of actions', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        let order: EcomOrderCore = { state: 'INITIATED', amount: AMOUNT, money: NO_MONEY }
        for (const s of steps) {
          const decision = decide(order, s)
          if (!decision.ok) {
            expect(decision.kind.code).toMatch(/^\d+$/)
            continue
          }
          const { state, money } = decision.change
          expect(canMove(order.state, s.action as EcomOrderAction, state)).toBe(true)
          expect(remainingToCapture(money)).toBeGreaterThanOrEqual(0)
          expect(remainingToRefund(money)).toBeGreaterThanOrEqual(0)
          expect(money.captured).toBeGreaterThanOrEqual(order.money.captured)
          expect(money.refunded).toBeGreaterThanOrEqual(order.money.refunded)
          order = { ...order, state, money }
        }
      }),
    )
  })

  it('has final states that take no action, and a way out of INITIATED for each party', () => {
    const finals = ECOM_ORDER_STATES.filter((state) => Object.keys(TRANSITIONS[state]).length === 0)
    expect(finals).toEqual(['CANCELLED', 'REJECTED', 'EXPIRED'])
    expect(Object.keys(TRANSITIONS.INITIATED).sort()).toEqual(['approve', 'cancel', 'expire', 'reject'])
  })

  it('reserves the amount with the chosen shipping, and captures all that remains when no amount is given', () => {
    const initiated: EcomOrderCore = { state: 'INITIATED', amount: AMOUNT, money: NO_MONEY }
    const approved = decideApprove(initiated, AMOUNT + 4_900)
    expect(approved).toEqual({
      ok: true,
      change: {
        state: 'RESERVED',
        money: { ...NO_MONEY, reserved: 34_800 },
        operation: 'RESERVE',
        amount: 34_800,
      },
    })
    if (!approved.ok) return
    const reserved = { ...initiated, state: approved.change.state, money: approved.change.money }
    expect(decideCapture(reserved, undefined)).toMatchObject({
      ok: true,
      change: { state: 'CAPTURED', operation: 'CAPTURE', amount: 34_800 },
    })
  })
})
