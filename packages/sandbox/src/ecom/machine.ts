/**
 * The eCom order as a state machine, and the rules for its money. Pure: no
 * clock, no I/O; the service feeds it the order and applies what it decides.
 *
 * An order waits in INITIATED for the user, the clock or the merchant. Once
 * reserved, captures and refunds move it on; what is left of a reservation can
 * be released (cancel). Every amount is in øre. For express checkout the
 * reserved amount is the order's amount plus the shipping the user chose.
 */
import type { EcomOperation } from '@kasse/vipps'
import { unreachable } from '../epayment/machine.ts'
import { ECOM_ERRORS, type EcomErrorKind } from './errors.ts'

export { unreachable }

export const ECOM_ORDER_STATES = [
  'INITIATED',
  'RESERVED',
  'PARTIALLY_CAPTURED',
  'CAPTURED',
  'REFUNDED',
  'CANCELLED',
  'REJECTED',
  'EXPIRED',
] as const
export type EcomOrderState = (typeof ECOM_ORDER_STATES)[number]

/** What can happen to an order: the user's two answers, the clock, and the merchant's three calls. */
export const ECOM_ORDER_ACTIONS = ['approve', 'reject', 'expire', 'cancel', 'capture', 'refund'] as const
export type EcomOrderAction = (typeof ECOM_ORDER_ACTIONS)[number]

/**
 * The transition table: the states each action may lead to from each state.
 * Which one is taken depends on the money (a capture of the rest ends in
 * CAPTURED, of less in PARTIALLY_CAPTURED). REFUNDED means some money went
 * back; what is still reserved may be captured or released after that.
 */
export const TRANSITIONS: {
  readonly [S in EcomOrderState]: { readonly [A in EcomOrderAction]?: readonly EcomOrderState[] }
} = {
  INITIATED: { approve: ['RESERVED'], reject: ['REJECTED'], expire: ['EXPIRED'], cancel: ['CANCELLED'] },
  RESERVED: { capture: ['PARTIALLY_CAPTURED', 'CAPTURED'], cancel: ['CANCELLED'] },
  PARTIALLY_CAPTURED: {
    capture: ['PARTIALLY_CAPTURED', 'CAPTURED'],
    cancel: ['CAPTURED'],
    refund: ['REFUNDED'],
  },
  CAPTURED: { refund: ['REFUNDED'] },
  REFUNDED: { capture: ['REFUNDED'], cancel: ['REFUNDED'], refund: ['REFUNDED'] },
  CANCELLED: {},
  REJECTED: {},
  EXPIRED: {},
}

/** Whether `action` may take an order from `from` to `to`. */
export function canMove(from: EcomOrderState, action: EcomOrderAction, to: EcomOrderState): boolean {
  return TRANSITIONS[from][action]?.includes(to) === true
}

/** The order's money in øre. */
export interface EcomMoney {
  /** What the user approved: the amount, plus shipping for express. 0 until approved. */
  reserved: number
  captured: number
  refunded: number
  /** What a cancel gave back of the reservation. */
  released: number
}

export const NO_MONEY: EcomMoney = { reserved: 0, captured: 0, refunded: 0, released: 0 }

/** What the machine needs to know about an order. */
export interface EcomOrderCore {
  readonly state: EcomOrderState
  /** The amount the merchant initiated, without shipping. */
  readonly amount: number
  readonly money: EcomMoney
}

/** What an accepted action does: the next state and money, and the one log entry it writes. */
export interface EcomChange {
  state: EcomOrderState
  money: EcomMoney
  operation: EcomOperation
  /** The amount the log entry and the answer show. */
  amount: number
}

export type EcomDecision =
  | { ok: true; change: EcomChange }
  | { ok: false; kind: EcomErrorKind; detail: string }

const refuse = (kind: EcomErrorKind, detail: string): EcomDecision => ({ ok: false, kind, detail })

const change = (state: EcomOrderState, money: EcomMoney, operation: EcomOperation, amount: number) =>
  ({ ok: true, change: { state, money, operation, amount } }) as const

/** What is reserved and neither captured nor released. */
export const remainingToCapture = (money: EcomMoney) => money.reserved - money.captured - money.released

/** What is captured and not refunded. */
export const remainingToRefund = (money: EcomMoney) => money.captured - money.refunded

/** The user approves `total` (the amount, plus the chosen shipping for express). */
export function decideApprove(order: EcomOrderCore, total: number): EcomDecision {
  if (!TRANSITIONS[order.state].approve) {
    return refuse(ECOM_ERRORS.alreadyProcessed, `the order is ${order.state}`)
  }
  return change('RESERVED', { ...NO_MONEY, reserved: total }, 'RESERVE', total)
}

/**
 * The user rejects, or the clock ends the wait. Both are logged as CANCEL (the
 * user's cancel), the platform's operation for an order the user did not pay.
 */
export function decideEnd(order: EcomOrderCore, action: 'reject' | 'expire'): EcomDecision {
  if (!TRANSITIONS[order.state][action]) {
    return refuse(ECOM_ERRORS.alreadyProcessed, `the order is ${order.state}`)
  }
  return change(action === 'reject' ? 'REJECTED' : 'EXPIRED', order.money, 'CANCEL', order.amount)
}

/**
 * The merchant cancels (VOID): an initiated order ends; a reserved one is
 * released whole. After a partial capture the rest is released only when the
 * merchant opts in (`shouldReleaseRemainingFunds`), as the platform requires.
 */
export function decideCancel(order: EcomOrderCore, releaseRemaining: boolean): EcomDecision {
  const { state, money } = order
  const rest = remainingToCapture(money)
  switch (state) {
    case 'INITIATED':
      return change('CANCELLED', money, 'VOID', order.amount)
    case 'RESERVED':
      return change('CANCELLED', { ...money, released: money.reserved }, 'VOID', money.reserved)
    case 'PARTIALLY_CAPTURED':
    case 'REFUNDED':
      if (rest === 0) return refuse(ECOM_ERRORS.cancelCaptured, 'nothing reserved is left to release')
      if (!releaseRemaining) {
        return refuse(
          ECOM_ERRORS.cancelCaptured,
          `${money.captured} is captured; set shouldReleaseRemainingFunds to release the remaining ${rest}`,
        )
      }
      return change(
        state === 'REFUNDED' ? 'REFUNDED' : 'CAPTURED',
        { ...money, released: money.released + rest },
        'VOID',
        rest,
      )
    case 'CAPTURED':
      return refuse(ECOM_ERRORS.cancelCaptured, 'the whole reservation is captured; refund instead')
    case 'CANCELLED':
      return refuse(ECOM_ERRORS.cancelFailed, 'the order is already cancelled')
    case 'REJECTED':
    case 'EXPIRED':
      return refuse(ECOM_ERRORS.cancelFailed, `the order is ${state}: the user did not pay it`)
    default:
      return unreachable(state)
  }
}

/** Captures `amount`, or all that remains when it is undefined. */
export function decideCapture(order: EcomOrderCore, amount: number | undefined): EcomDecision {
  const { state, money } = order
  switch (state) {
    case 'INITIATED':
      return refuse(ECOM_ERRORS.captureNotReserved, 'the user has not approved the order yet')
    case 'CANCELLED':
      return refuse(ECOM_ERRORS.captureNotReserved, 'the order is cancelled')
    case 'REJECTED':
    case 'EXPIRED':
      return refuse(ECOM_ERRORS.captureNotReserved, `the order is ${state}: the user did not pay it`)
    case 'RESERVED':
    case 'PARTIALLY_CAPTURED':
    case 'CAPTURED':
    case 'REFUNDED':
      break
    default:
      return unreachable(state)
  }
  const rest = remainingToCapture(money)
  const refused = refusePortion(
    ECOM_ERRORS.captureTooHigh,
    rest,
    amount,
    'captured',
    `${money.captured} is captured`,
  )
  if (refused) return refused
  const value = amount ?? rest
  const next = { ...money, captured: money.captured + value }
  const to =
    state === 'REFUNDED' ? 'REFUNDED' : remainingToCapture(next) === 0 ? 'CAPTURED' : 'PARTIALLY_CAPTURED'
  return change(to, next, 'CAPTURE', value)
}

/** Refunds `amount`, or all that is captured and not refunded when it is undefined. */
export function decideRefund(order: EcomOrderCore, amount: number | undefined): EcomDecision {
  const { state, money } = order
  switch (state) {
    case 'INITIATED':
    case 'RESERVED':
      return refuse(ECOM_ERRORS.refundReserved, 'nothing is captured')
    case 'CANCELLED':
    case 'REJECTED':
    case 'EXPIRED':
      return refuse(ECOM_ERRORS.refundCancelled, `the order is ${state}`)
    case 'PARTIALLY_CAPTURED':
    case 'CAPTURED':
    case 'REFUNDED':
      break
    default:
      return unreachable(state)
  }
  const refundable = remainingToRefund(money)
  const detail = `${money.refunded} of ${money.captured} captured is refunded`
  const refused = refusePortion(ECOM_ERRORS.refundTooHigh, refundable, amount, 'refunded', detail)
  if (refused) return refused
  const value = amount ?? refundable
  return change('REFUNDED', { ...money, refunded: money.refunded + value }, 'REFUND', value)
}

/**
 * Refuses a capture or refund of more than `available` (a missing amount
 * takes all of it, so only an empty `available` refuses it).
 */
function refusePortion(
  kind: EcomErrorKind,
  available: number,
  amount: number | undefined,
  done: 'captured' | 'refunded',
  detail: string,
): EcomDecision | undefined {
  if (available === 0) return refuse(kind, `nothing is left to be ${done}; ${detail}`)
  if (amount !== undefined && amount > available)
    return refuse(kind, `at most ${available} can be ${done}; ${detail}`)
  return undefined
}
