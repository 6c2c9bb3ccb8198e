/**
 * An enrolment — one consent request (Login's CIBA) sent to a customer's
 * phone from the till — as a state machine. It waits until the customer
 * accepts or declines on the phone, the request expires, the cashier cancels
 * it, or it fails (the request never reached the phone, the answer was lost).
 * Every end is final: a late answer to a cancelled request changes nothing.
 */

export const ENROLMENT_STATES = ['waiting', 'accepted', 'declined', 'expired', 'cancelled', 'failed'] as const
export type EnrolmentState = (typeof ENROLMENT_STATES)[number]

export type FinalEnrolmentState = Exclude<EnrolmentState, 'waiting'>

/** Only a waiting enrolment moves, and only to an end. */
export function canMoveEnrolment(from: EnrolmentState, to: EnrolmentState): boolean {
  return from === 'waiting' && to !== 'waiting'
}

export function isFinalEnrolment(state: EnrolmentState): state is FinalEnrolmentState {
  return state !== 'waiting'
}

/** The CIBA standard: after `slow_down` the client polls this much less often, for good. */
export const SLOW_DOWN_STEP_SECONDS = 5
