/**
 * The payment request as the cashier follows it: sent, waiting for the
 * customer (whose number is shown, so the cashier can say which phone to
 * look at), approved and registered with the receipt, or ended (declined,
 * expired, cancelled, failed) with the way on. A club member's registered
 * payment shows the points it earned and the member's new balance. The sale's lines stay on the
 * screen beside it throughout; an ended request leaves the cart as it was.
 */
import { useEffect, useRef } from 'preact/hooks'
import type { AttemptState, PaymentAttempt, Sale } from './api-types.ts'
import { MemberBadgeLine, pointsText } from './club-status.tsx'
import { formatMoney } from './money.ts'
import { ReceiptFrame } from './receipt-frame.tsx'

type Phase = 'working' | 'waiting' | 'registered' | 'ended'

/** Where the attempt is, for what the panel offers. */
export function phaseOf(state: AttemptState): Phase {
  switch (state) {
    case 'creating':
    case 'unknown':
    case 'authorized':
    case 'capturing':
    case 'cancelling':
      return 'working'
    case 'waiting_for_customer':
      return 'waiting'
    case 'captured':
      return 'registered'
    case 'declined':
    case 'expired':
    case 'cancelled':
    case 'failed':
      return 'ended'
    default:
      return unreachable(state)
  }
}

/** The headline and the sentence under it, in the cashier's words. */
function describe(attempt: PaymentAttempt): { title: string; detail: string } {
  const who = attempt.customer?.display ?? 'the customer'
  switch (attempt.state) {
    case 'creating':
      return { title: 'Sending the payment request…', detail: `To ${who}.` }
    case 'unknown':
      return {
        title: 'Checking the payment with Vipps MobilePay…',
        detail:
          'The answer was lost on the way; the till is finding out what happened. Nothing is charged twice.',
      }
    case 'waiting_for_customer':
      return {
        title: 'Waiting for the customer',
        detail: `The request is on ${who}. Ask the customer to approve it in the Vipps MobilePay app.`,
      }
    case 'authorized':
    case 'capturing':
      return { title: 'Approved', detail: 'The customer approved. Registering the payment…' }
    case 'cancelling':
      return {
        title: 'Cancelling the payment request…',
        detail: 'If the customer approved just now, it is completed instead.',
      }
    case 'captured':
      return {
        title: 'Payment registered',
        detail: `${formatMoney(attempt.amount, attempt.currency)} from ${who}.`,
      }
    case 'declined':
      return {
        title: 'Declined',
        detail:
          'The customer rejected the payment request. The sale is kept: send it again, or take another payment.',
      }
    case 'expired':
      return {
        title: 'Expired',
        detail: 'The customer did not answer in time. The sale is kept: send the request again.',
      }
    case 'cancelled':
      return { title: 'Cancelled', detail: 'The payment request was cancelled. The sale is kept.' }
    case 'failed':
      return {
        title: 'The payment request was not sent',
        detail: attempt.error?.message ?? 'Vipps MobilePay refused it. The sale is kept.',
      }
    default:
      return unreachable(attempt.state)
  }
}

export interface PaymentPanelProps {
  sale: Sale
  attempt: PaymentAttempt
  busy: boolean
  onCancel(): void
  /** Sends the request again (after a failure the till reuses the attempt). */
  onSendAgain(): void
  onDismiss(): void
  onNewSale(): void
}

export function PaymentPanel(props: PaymentPanelProps) {
  const { attempt, sale } = props
  const phase = phaseOf(attempt.state)
  const { title, detail } = describe(attempt)
  const headingRef = useRef<HTMLHeadingElement>(null)

  // A new state is announced (the region is live) and, when the cashier must act, gets the focus.
  useEffect(() => {
    if (phase !== 'working') headingRef.current?.focus()
  }, [attempt.state])

  return (
    <section
      class={`card payment payment-${phase}`}
      aria-labelledby="payment-title"
      data-testid="payment-status"
      data-state={attempt.state}
    >
      <div aria-live="polite">
        <h2 id="payment-title" ref={headingRef} tabIndex={-1}>
          {title}
        </h2>
        <p>{detail}</p>
      </div>
      <dl class="payment-facts">
        <dt>Amount</dt>
        <dd>{formatMoney(attempt.amount, attempt.currency)}</dd>
        {attempt.customer && (
          <>
            <dt>Customer</dt>
            <dd data-testid="payment-customer">{attempt.customer.display}</dd>
          </>
        )}
        <dt>Reference</dt>
        <dd>
          <code>{attempt.reference}</code>
        </dd>
        {sale.receiptNumber !== null && (
          <>
            <dt>Receipt</dt>
            <dd>No. {sale.receiptNumber}</dd>
          </>
        )}
      </dl>

      {phase === 'registered' && <MemberPoints sale={sale} />}

      {phase === 'working' && <p class="spinner" aria-hidden="true" />}

      {phase === 'waiting' && (
        <div class="actions">
          <button type="button" class="danger big" disabled={props.busy} onClick={props.onCancel}>
            Cancel the request
          </button>
        </div>
      )}

      {phase === 'ended' && (
        <div class="actions">
          <button type="button" class="primary big" disabled={props.busy} onClick={props.onSendAgain}>
            {attempt.state === 'failed' && attempt.error?.retryable ? 'Retry' : 'Send again'}
          </button>
          <button type="button" class="secondary big" disabled={props.busy} onClick={props.onDismiss}>
            Back to the sale
          </button>
        </div>
      )}

      {phase === 'registered' && <Receipt sale={sale} busy={props.busy} onNewSale={props.onNewSale} />}
    </section>
  )
}

/** The member and the points the purchase put on their account (registered with the captured sale). */
function MemberPoints(props: { sale: Sale }) {
  const member = props.sale.customer?.member
  const earned = props.sale.pointsEarned
  if (!member || earned === null) return null
  return (
    <div class="member-points">
      <MemberBadgeLine member={member} />
      <p data-testid="points-earned">
        {earned > 0
          ? `+${pointsText(earned)} for this purchase. New balance: ${pointsText(member.points)}.`
          : `This purchase earned no points. Balance: ${pointsText(member.points)}.`}
      </p>
    </div>
  )
}

function Receipt(props: { sale: Sale; busy: boolean; onNewSale(): void }) {
  const newSale = (
    <button type="button" class="primary big" disabled={props.busy} onClick={props.onNewSale}>
      New sale
    </button>
  )
  if (props.sale.state !== 'paid') {
    return (
      <div class="receipt">
        <p class="hint">The receipt is being made…</p>
        <div class="actions">{newSale}</div>
      </div>
    )
  }
  return (
    <ReceiptFrame
      url={`/api/sales/${encodeURIComponent(props.sale.id)}/receipt.html`}
      title="Receipt"
      testId="receipt"
    >
      {newSale}
    </ReceiptFrame>
  )
}

function unreachable(value: never): never {
  throw new Error(`unhandled payment state ${String(value)}`)
}
