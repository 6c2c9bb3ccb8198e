/**
 * The customer's club membership, under the customer at the sale: a member's
 * name and points, or "Not a member" with the way to join. Joining is a
 * consent request on the customer's phone (Vipps MobilePay Login): the
 * cashier follows it live — the code the phone shows, to read aloud, and the
 * time left — until the customer accepts, declines or lets it expire.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Enrolment, EnrolmentState, MemberBadge, SaleCustomer } from './api-types.ts'

/** "1 point", "120 points". */
export function pointsText(points: number): string {
  return `${points} point${Math.abs(points) === 1 ? '' : 's'}`
}

/** The member badge: the sale's, or, until the sale catches up, the accepted enrolment's member. */
export function memberOf(customer: SaleCustomer, enrolment: Enrolment | null): MemberBadge | null {
  if (customer.member) return customer.member
  if (enrolment?.state === 'accepted' && enrolment.member) {
    const { id, name, points } = enrolment.member
    return { id, name, points }
  }
  return null
}

export function MemberBadgeLine(props: { member: MemberBadge }) {
  return (
    <p class="member-badge" data-testid="member-badge">
      Member: <strong>{props.member.name}</strong> · {pointsText(props.member.points)}
    </p>
  )
}

export interface ClubStatusProps {
  customer: SaleCustomer
  /** The enrolment started for this customer at this sale, if any. */
  enrolment: Enrolment | null
  /** Whether joining can be offered now (the sale is open, no payment under way). */
  canEnrol: boolean
  busy: boolean
  /** Why starting or cancelling the enrolment failed, in the till's words. */
  problem: string | undefined
  onEnrol(): void
  onCancel(): void
  onDismiss(): void
}

export function ClubStatus(props: ClubStatusProps) {
  const { enrolment } = props
  const member = memberOf(props.customer, enrolment)
  const waiting = enrolment?.state === 'waiting'

  return (
    <div class="club-status">
      {member ? (
        <MemberBadgeLine member={member} />
      ) : (
        <p class="not-member" data-testid="not-member">
          Not a member
        </p>
      )}
      {/* A request the platform refused is also a failed enrolment, whose box says the same. */}
      {props.problem && enrolment?.state !== 'failed' && (
        <p class="error" role="alert" data-testid="enrolment-error">
          {props.problem}
        </p>
      )}
      {enrolment && <EnrolmentBox {...props} enrolment={enrolment} />}
      {!member && !waiting && props.canEnrol && (
        <button type="button" class="primary" disabled={props.busy} onClick={props.onEnrol}>
          {enrolment?.state === 'failed'
            ? 'Try again'
            : enrolment?.state === 'declined' || enrolment?.state === 'expired'
              ? 'Ask again'
              : 'Become a member'}
        </button>
      )}
    </div>
  )
}

/** The headline and the sentence under it, in the cashier's words. */
function describe(enrolment: Enrolment): { title: string; detail: string } {
  switch (enrolment.state) {
    case 'waiting':
      return {
        title: 'Waiting for the customer',
        detail: `The membership request is on ${enrolment.phoneDisplay}. Ask the customer to check that their phone shows this code, then accept:`,
      }
    case 'accepted':
      return {
        title: 'Welcome to the club',
        detail: `${enrolment.member?.name ?? 'The customer'} is now a member. Purchases from now on earn points.`,
      }
    case 'declined':
      return { title: 'Declined', detail: 'The customer said no to membership on their phone.' }
    case 'expired':
      return {
        title: 'Expired',
        detail: 'The customer did not answer in time. Ask again if they want to join.',
      }
    case 'cancelled':
      return { title: 'Cancelled', detail: 'The membership request was cancelled.' }
    case 'failed':
      return {
        title: 'The membership request did not go through',
        detail: enrolment.error?.message ?? 'Vipps MobilePay refused it. Try again.',
      }
    default:
      return unreachable(enrolment.state)
  }
}

function EnrolmentBox(props: ClubStatusProps & { enrolment: Enrolment }) {
  const { enrolment } = props
  const { title, detail } = describe(enrolment)
  const headingRef = useRef<HTMLHeadingElement>(null)
  const waiting = enrolment.state === 'waiting'

  // A new state is announced (the region is live) and gets the focus, as a payment's does.
  useEffect(() => {
    headingRef.current?.focus()
  }, [enrolment.id, enrolment.state])

  return (
    <section
      class={`enrolment enrolment-${enrolment.state}`}
      aria-labelledby="enrolment-title"
      data-testid="enrolment"
      data-state={enrolment.state}
    >
      <div aria-live="polite">
        <h3 id="enrolment-title" ref={headingRef} tabIndex={-1}>
          {title}
        </h3>
        <p>{detail}</p>
      </div>
      {waiting && (
        <>
          <p class="binding-message" data-testid="binding-message">
            {enrolment.bindingMessage}
          </p>
          <Countdown expiresAt={enrolment.expiresAt} />
          <div class="actions">
            <button type="button" class="danger" disabled={props.busy} onClick={props.onCancel}>
              Cancel the membership request
            </button>
          </div>
        </>
      )}
      {!waiting && (
        <div class="actions">
          <button type="button" class="secondary" onClick={props.onDismiss}>
            Close
          </button>
        </div>
      )}
    </section>
  )
}

/** Time left until the request expires, by this device's clock, updated each second. */
function Countdown(props: { expiresAt: string }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000)
    return () => clearInterval(timer)
  }, [])
  const left = Math.max(0, Math.ceil((Date.parse(props.expiresAt) - now) / 1_000))
  const text = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`
  return (
    <p class="countdown">
      {left > 0 ? (
        <>
          Expires in{' '}
          <time role="timer" aria-live="off" data-testid="enrolment-countdown">
            {text}
          </time>
        </>
      ) : (
        'Expiring…'
      )}
    </p>
  )
}

export const ENROLMENT_FINAL: ReadonlySet<EnrolmentState> = new Set([
  'accepted',
  'declined',
  'expired',
  'cancelled',
  'failed',
])

function unreachable(value: never): never {
  throw new Error(`unhandled enrolment state ${String(value)}`)
}
