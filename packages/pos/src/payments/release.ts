/**
 * Releasing an approval nobody will capture. If the platform reports a
 * payment AUTHORIZED for an attempt the till has already closed without money
 * (a create that landed after the till gave up on it, a cancel that lost the
 * race on the platform's side), the customer's money would stay reserved for
 * a sale that was never paid. The webhook that reveals it writes an outbox
 * message in the same transaction; any till process then looks the payment up
 * and cancels the authorisation, with a key stored in the message, so the
 * release happens once.
 */
import { type ModificationResponse, newIdempotencyKey } from '@kasse/vipps'
import type { SQL } from 'drizzle-orm'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import {
  claimOutboxMessages,
  completeOutboxMessage,
  enqueueOutboxMessage,
  outboxDueCheck,
  retryOutboxMessage,
} from '../outbox/store.ts'
import { describeForLog } from './errors.ts'
import type { VippsPlatform } from './platform.ts'
import type { WorkLog } from './service.ts'
import { type AttemptRow, findAttempt, updateAttempt } from './store.ts'

export const RELEASE_TOPIC = 'payment.release-authorization'

interface ReleasePayload {
  attemptId: string
  /** The cancel's own key, stored before the call. */
  idempotencyKey: string
}

const LEASE_MS = 30_000
const RETRY_MS = 30_000

export class AuthorizationReleases {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly platform: VippsPlatform,
    private readonly log: WorkLog,
    private readonly claimer: string,
  ) {}

  /** Asks for the attempt's authorisation to be released; pass the transaction that found it. */
  async enqueue(tx: Db, attempt: AttemptRow): Promise<void> {
    const payload: ReleasePayload = { attemptId: attempt.id, idempotencyKey: newIdempotencyKey() }
    await enqueueOutboxMessage(
      tx,
      { topic: RELEASE_TOPIC, orderingKey: attempt.reference, payload },
      new Date(this.clock.now()),
    )
  }

  /** Whether a release may be due now (the worker's look before it sweeps). */
  dueCheck(): SQL {
    return outboxDueCheck(this.db, { now: new Date(this.clock.now()), topics: [RELEASE_TOPIC] })
  }

  /** Releases what is due; returns how many messages it took. */
  async sweep(): Promise<number> {
    const now = new Date(this.clock.now())
    const messages = await claimOutboxMessages(this.db, {
      claimer: this.claimer,
      limit: 10,
      leaseMs: LEASE_MS,
      now,
      topics: [RELEASE_TOPIC],
    })
    for (const message of messages) {
      const payload = message.payload as ReleasePayload
      try {
        await this.release(payload)
        await completeOutboxMessage(
          this.db,
          { id: message.id, claimer: this.claimer },
          new Date(this.clock.now()),
        )
      } catch (error) {
        this.log.warn({ attemptId: payload.attemptId, reason: describeForLog(error) }, 'release not done yet')
        await retryOutboxMessage(this.db, {
          id: message.id,
          claimer: this.claimer,
          error: describeForLog(error),
          retryAt: new Date(this.clock.now() + RETRY_MS),
        })
      }
    }
    return messages.length
  }

  private async release({ attemptId, idempotencyKey }: ReleasePayload): Promise<void> {
    const attempt = await findAttempt(this.db, attemptId)
    if (!attempt || attempt.state === 'captured') return
    const client = this.platform.clientFor(attempt.msn)
    const payment = await client.epayment.get(attempt.reference)
    const { authorizedAmount, capturedAmount, cancelledAmount } = payment.aggregate
    // Only an approval with money still reserved; a capture someone made stays (a manager refunds it).
    if (payment.state !== 'AUTHORIZED' || cancelledAmount.value > 0) return
    if (capturedAmount.value >= authorizedAmount.value) return
    const answer: ModificationResponse = await client.epayment.cancel(attempt.reference, { idempotencyKey })
    await updateAttempt(this.db, attempt.id, {
      authorizedAmount: answer.aggregate.authorizedAmount.value,
      capturedAmount: answer.aggregate.capturedAmount.value,
      cancelledAmount: answer.aggregate.cancelledAmount.value,
      refundedAmount: answer.aggregate.refundedAmount.value,
      updatedAt: new Date(this.clock.now()),
    })
    this.log.warn({ attemptId }, 'released an approval for a closed payment attempt')
  }
}
