/** Contract-valid answers for fake-platform tests. */
import type { Amount } from '../../src/index.ts'

const nok = (value: number): Amount => ({ currency: 'NOK', value })

export function paymentBody(reference: string, state = 'AUTHORIZED', captured = 0, amount = 10_000) {
  return {
    reference,
    pspReference: 'psp-1',
    state,
    amount: nok(amount),
    aggregate: {
      authorizedAmount: nok(state === 'AUTHORIZED' ? amount : 0),
      cancelledAmount: nok(0),
      capturedAmount: nok(captured),
      refundedAmount: nok(0),
    },
    paymentMethod: { type: 'WALLET' },
    profile: {},
  }
}

export function modificationBody(reference: string, captured: number, amount = 10_000) {
  const { state, aggregate } = paymentBody(reference, 'AUTHORIZED', captured, amount)
  return { reference, pspReference: 'psp-2', state, aggregate, amount: nok(amount) }
}
