/**
 * eCom's own error format: a list `[{errorGroup, errorCode, errorMessage,
 * contextId}]`, not problem+json. The codes are the platform's ("Error codes" in
 * the eCom API guide); for a bad field the code is the field's name, as the
 * guide says ("Field name will be the error code"), so a refusal always names
 * what to fix.
 */
import { randomUUID } from 'node:crypto'
import type { EcomError, EcomErrorGroup } from '@kasse/vipps'
import { ProblemError } from '../http/problem.ts'

/** One kind of refusal: its HTTP status and the platform's group, code and message. */
export interface EcomErrorKind {
  readonly status: number
  readonly group: EcomErrorGroup
  readonly code: string
  readonly message: string
}

/** Every refusal the sandbox's eCom API gives, beyond bad fields, worded as the platform does. */
export const ECOM_ERRORS = {
  orderNotFound: { status: 404, group: 'Merchant', code: '35', message: 'Requested Order not found' },
  orderIdUsed: {
    status: 400,
    group: 'Merchant',
    code: '34',
    message: 'orderId is already used, and must be unique',
  },
  userNotRegistered: { status: 400, group: 'User', code: '81', message: 'User not registered with Vipps' },
  cancelCaptured: {
    status: 400,
    group: 'Payment',
    code: '51',
    message: 'Cannot cancel already captured order',
  },
  cancelFailed: { status: 400, group: 'Payment', code: '52', message: 'Cancellation failed' },
  captureTooHigh: {
    status: 400,
    group: 'Payment',
    code: '61',
    message: 'Captured amount exceeds the reserved amount ordered',
  },
  captureNotReserved: {
    status: 400,
    group: 'Payment',
    code: '62',
    message: 'The amount you tried to capture is not reserved',
  },
  refundTooHigh: {
    status: 400,
    group: 'Payment',
    code: '71',
    message: 'Cannot refund more than captured amount',
  },
  refundReserved: {
    status: 400,
    group: 'Payment',
    code: '72',
    message: 'Cannot refund for reserved order, please use Cancel API',
  },
  refundCancelled: { status: 400, group: 'Payment', code: '73', message: 'Cannot refund on cancelled order' },
  retryDiffers: {
    status: 400,
    group: 'Payment',
    code: '93',
    message: 'Captured amount should be same in Idempotent retry',
  },
  notAllowed: { status: 400, group: 'VippsError', code: '91', message: 'Transaction is not allowed' },
  alreadyProcessed: {
    status: 400,
    group: 'VippsError',
    code: '92',
    message: 'Transaction already processed',
  },
  internal: { status: 500, group: 'VippsError', code: '99', message: 'Internal error' },
} as const satisfies Record<string, EcomErrorKind>

/** One entry of the list before it gets its contextId. */
export type EcomErrorEntry = Omit<EcomError, 'contextId'>

/**
 * A refusal by the eCom API. Throw it from the domain; the eCom routes answer
 * it as the error list, the control routes as problem+json.
 *
 * @example
 * throw refuse(ECOM_ERRORS.captureTooHigh, 'at most 5000 can be captured')
 * throw invalidField('transaction.amount', 'must be an integer of at least 100')
 */
export class EcomRefusal extends Error {
  constructor(
    readonly status: number,
    readonly entries: readonly [EcomErrorEntry, ...EcomErrorEntry[]],
    /** The platform's message without the details, the problem's title in the control API. */
    readonly title?: string,
  ) {
    super(entries.map((e) => `${e.errorCode}: ${e.errorMessage}`).join('; '))
    this.name = 'EcomRefusal'
  }

  /** The body eCom answers with; every entry shares one contextId, as one request's errors do. */
  toList(contextId: string = randomUUID()): EcomError[] {
    return this.entries.map((entry) => ({ ...entry, contextId }))
  }

  /** The same refusal for the control API, which speaks problem+json like the rest of `/_sandbox`. */
  toProblem(): ProblemError {
    const [first] = this.entries
    const fields = this.entries
      .filter((e) => e.errorGroup === 'InvalidRequest')
      .map((e) => ({ name: e.errorCode, reason: e.errorMessage }))
    return new ProblemError(
      this.status,
      first.errorGroup === 'InvalidRequest' ? 'Bad Request' : (this.title ?? first.errorMessage),
      this.message,
      fields,
      `ecom-${first.errorGroup}-${first.errorCode}`,
    )
  }
}

/** A refusal of a known kind, with what exactly was wrong appended to the platform's message. */
export function refuse(kind: EcomErrorKind, detail?: string): EcomRefusal {
  return new EcomRefusal(
    kind.status,
    [
      {
        errorGroup: kind.group,
        errorCode: kind.code,
        errorMessage: detail ? `${kind.message}: ${detail}` : kind.message,
      },
    ],
    kind.message,
  )
}

/** A bad field: group InvalidRequest, the field's name as the code. */
export function invalidField(field: string, reason: string, status = 400): EcomRefusal {
  return new EcomRefusal(status, [
    { errorGroup: 'InvalidRequest', errorCode: field, errorMessage: `${field} ${reason}` },
  ])
}
