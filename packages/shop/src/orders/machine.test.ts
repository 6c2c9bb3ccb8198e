import { describe, expect, it } from 'vitest'
import {
  assertMove,
  awaitsPayment,
  canCancel,
  canMove,
  canShip,
  describeFailure,
  describeState,
  isConfirmed,
  ORDER_STATES,
  ORDER_TRANSITIONS,
  PAYMENT_FAILURES,
  stateAfterCancel,
  statesLeadingTo,
} from './machine.ts'
import { canSettle, isOpen, OPERATION_STATES, OPERATION_TRANSITIONS } from './operations.ts'

describe('the order machine', () => {
  it('is exactly this table', () => {
    expect(ORDER_TRANSITIONS).toEqual({
      pending_payment: ['reserved', 'payment_failed', 'unknown', 'cancelled'],
      unknown: ['pending_payment', 'reserved', 'payment_failed', 'cancelled'],
      reserved: ['partially_shipped', 'shipped', 'cancelled'],
      partially_shipped: ['shipped'],
      shipped: [],
      cancelled: [],
      payment_failed: [],
    })
  })

  it('allows every move in the table and refuses every other, naming both states', () => {
    for (const from of ORDER_STATES) {
      for (const to of ORDER_STATES) {
        const allowed = (ORDER_TRANSITIONS[from] as readonly string[]).includes(to)
        expect(canMove(from, to), `${from} → ${to}`).toBe(allowed)
        if (allowed) expect(() => assertMove(from, to)).not.toThrow()
        else
          expect(() => assertMove(from, to)).toThrow(
            `${describeState(from)} cannot become ${describeState(to)}`,
          )
      }
    }
  })

  it('never leaves a final state, and "unknown" is never a dead end', () => {
    for (const final of ['shipped', 'cancelled', 'payment_failed'] as const) {
      expect(ORDER_TRANSITIONS[final]).toEqual([])
    }
    expect(ORDER_TRANSITIONS.unknown).toContain('pending_payment')
    expect(ORDER_TRANSITIONS.unknown).toContain('reserved')
    expect(ORDER_TRANSITIONS.unknown).toContain('payment_failed')
  })

  it('has predicates that agree with the table', () => {
    for (const state of ORDER_STATES) {
      // Waiting for payment: the shopper's outcome can still go either way.
      expect(awaitsPayment(state), state).toBe(canMove(state, 'reserved') && canMove(state, 'payment_failed'))
      expect(isConfirmed(state), state).toBe(['reserved', 'partially_shipped', 'shipped'].includes(state))
      expect(canShip(state), state).toBe(canMove(state, 'shipped'))
      if (canCancel(state)) expect(canMove(state, stateAfterCancel(state)), state).toBe(true)
      else expect(() => stateAfterCancel(state)).toThrow()
    }
    expect(stateAfterCancel('partially_shipped')).toBe('shipped')
    expect(stateAfterCancel('reserved')).toBe('cancelled')
  })

  it('knows which states lead where, for compare-and-set updates', () => {
    expect(statesLeadingTo('reserved')).toEqual(['pending_payment', 'unknown'])
    expect(statesLeadingTo('shipped')).toEqual(['reserved', 'partially_shipped'])
    expect(statesLeadingTo('pending_payment')).toEqual(['unknown'])
  })

  it('describes every state and failure in words', () => {
    for (const state of ORDER_STATES) expect(describeState(state)).toMatch(/\S/)
    for (const failure of PAYMENT_FAILURES) expect(describeFailure(failure)).toMatch(/\.$/)
  })
})

describe('the operation machine', () => {
  it('settles an open operation once: requested or unknown to done or refused', () => {
    expect(OPERATION_TRANSITIONS).toEqual({
      requested: ['done', 'refused', 'unknown'],
      unknown: ['done', 'refused'],
      done: [],
      refused: [],
    })
    for (const state of OPERATION_STATES) {
      expect(isOpen(state), state).toBe(OPERATION_TRANSITIONS[state].length > 0)
    }
    expect(canSettle('unknown', 'done')).toBe(true)
    expect(canSettle('done', 'refused')).toBe(false)
  })
})
