/**
 * The in-flight check (manager): every payment request of the day against
 * Vipps MobilePay now — a sale registered as paid must be captured there, a
 * payment captured or approved there must be a registered sale here.
 * Differences first; "Resolve" does what the till decides afresh (register a
 * capture made there, capture an approval once, release an approval nobody
 * will capture), never a second charge.
 */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { api, messageOf } from './api.ts'
import type { InFlightPayment, InFlightStatus } from './api-types.ts'
import { useDayAnswer } from './day-answer.ts'
import { formatMoney } from './money.ts'

const STATUS_TEXT: Record<InFlightStatus, string> = {
  'captured-not-registered': 'Captured there, not registered here',
  'approved-not-registered': 'Approved there, not registered here',
  'registered-not-captured': 'Registered here, not captured there',
  'refunds-differ': 'Refunds differ',
  'unknown-to-platform': 'Unknown to Vipps MobilePay',
  'platform-unreachable': 'Vipps MobilePay did not answer',
  'catching-up': 'The till is catching up',
  'in-flight': 'Waiting for the customer',
  agrees: 'Agrees',
}

const ACTION_TEXT = { follow: 'Register it', release: 'Release the money' } as const

export function InFlightScreen(props: { date: string; picker: ComponentChildren }) {
  const {
    data: payments,
    problem,
    setProblem,
    loading,
    reload: load,
  } = useDayAnswer(`/api/in-flight/${props.date}`, (body: { payments: InFlightPayment[] }) => body.payments)
  const [resolving, setResolving] = useState<string | null>(null)

  async function resolve(payment: InFlightPayment) {
    setResolving(payment.attemptId)
    setProblem(undefined)
    try {
      await api('POST', `/api/payment-attempts/${encodeURIComponent(payment.attemptId)}/resolve`)
    } catch (error) {
      setProblem(messageOf(error))
    } finally {
      setResolving(null)
    }
    await load()
  }

  const differences = payments?.filter((p) => p.difference).length ?? 0
  return (
    <>
      <section class="card back-office-head" aria-labelledby="in-flight-title" aria-busy={loading}>
        <h1 id="in-flight-title">In-flight check</h1>
        {props.picker}
        <div class="actions">
          <button type="button" class="secondary" onClick={load}>
            Check again
          </button>
        </div>
      </section>

      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}

      {payments && (
        <section class="card" aria-labelledby="in-flight-results" data-testid="in-flight">
          <h2 id="in-flight-results">
            {payments.length === 0
              ? 'No payment requests on this day'
              : differences === 0
                ? `The till and Vipps MobilePay agree on ${payments.length === 1 ? 'the payment request' : `all ${payments.length} payment requests`}`
                : `${differences} of ${payments.length} payment requests differ`}
          </h2>
          {payments.length > 0 && (
            <div class="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Reference</th>
                    <th scope="col">Amount</th>
                    <th scope="col">At the till</th>
                    <th scope="col">At Vipps MobilePay</th>
                    <th scope="col">
                      <span class="visually-hidden">Resolve</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {payments.map((payment) => (
                    <tr
                      key={payment.attemptId}
                      class={payment.difference ? 'difference' : ''}
                      data-testid="in-flight-row"
                    >
                      <td>
                        {STATUS_TEXT[payment.status]}
                        <small class="detail">{payment.message}</small>
                      </td>
                      <td>
                        <code>{payment.reference}</code>
                      </td>
                      <td class="amount">{formatMoney(payment.amount, payment.currency)}</td>
                      <td>{payment.till.stateText}</td>
                      <td>
                        {payment.platform
                          ? `${payment.platform.state}, captured ${formatMoney(payment.platform.capturedAmount, payment.currency)}`
                          : '—'}
                      </td>
                      <td>
                        {payment.action && (
                          <button
                            type="button"
                            class="primary"
                            disabled={resolving !== null}
                            onClick={() => resolve(payment)}
                          >
                            {ACTION_TEXT[payment.action]}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  )
}
