/**
 * How an eCom order is shown: to the merchant (the API's answers, in the
 * contract's shapes) and to the phone and landing pages (`EcomPhoneOrder`, the
 * control API's shape). Each view is built fresh from the record.
 */
import { createHash } from 'node:crypto'
import {
  ECOM_PAYMENT_TYPES,
  EcomAddress,
  type EcomCancelResponse,
  type EcomCaptureResponse,
  type EcomPaymentDetails,
  type EcomRefundResponse,
  type EcomShippingOption,
  type EcomTransactionLogEntry,
  type EcomTransactionSummary,
  literals,
} from '@kasse/vipps'
import { type Static, Type } from '@sinclair/typebox'
import type { User } from '../directory/directory.ts'
import { ECOM_ORDER_STATES, remainingToCapture, remainingToRefund } from './machine.ts'
import { type EcomOrderRecord, SHIPPING_STATUSES } from './store.ts'
import { EXPRESS } from './validation.ts'

/** The app shows at most this many shipping options. */
export const MAX_SHIPPING_OPTIONS = 10

/** A shipping cost in kroner (eCom's one decimal amount) as øre. */
export const shippingCostInOre = (kroner: number) => Math.round(kroner * 100)

/** Norwegian numbers only: eCom speaks 8 digits, the sandbox MSISDN. */
const NORWEGIAN_MSISDN = /^47(\d{8})$/

/** The 8-digit number eCom uses for an MSISDN, or undefined when it is not Norwegian. */
export function mobileNumberOf(msisdn: string): string | undefined {
  return NORWEGIAN_MSISDN.exec(msisdn)?.[1]
}

/** The user's address as eCom shows it; the profile keeps ISO country codes, eCom says "Norway". */
export function addressOf(user: User): EcomAddress {
  const { streetAddress, postalCode, region, country } = user.address
  return {
    addressLine1: streetAddress,
    city: region,
    country: country === 'NO' ? 'Norway' : country,
    postCode: postalCode,
  }
}

/**
 * A user's stable id towards one merchant, as eCom's `userId`: base64 like the
 * platform's, different at each merchant, the same on every order there.
 */
export function ecomUserId(msn: string, msisdn: string): string {
  return createHash('sha256')
    .update(`kasse-sandbox-ecom-user:${msn}:${msisdn}`)
    .digest()
    .subarray(0, 16)
    .toString('base64')
}

/**
 * A stable address id for the shipping details request, which the merchant
 * echoes. The spec says at least 100.
 */
export function addressIdOf(msisdn: string): number {
  return 100 + (createHash('sha256').update(msisdn).digest().readUInt32BE(0) % 900_000)
}

/** The options in the order the app shows them: ascending priority, unranked last, at most ten. */
export function sortedOptions(options: readonly EcomShippingOption[]): EcomShippingOption[] {
  const rank = (option: EcomShippingOption) => option.priority ?? Number.POSITIVE_INFINITY
  return [...options].sort((a, b) => rank(a) - rank(b)).slice(0, MAX_SHIPPING_OPTIONS)
}

/** The option the app preselects: the merchant's default, else the first shown. */
export function defaultOption(options: readonly EcomShippingOption[]): EcomShippingOption | undefined {
  const shown = sortedOptions(options)
  return shown.find((option) => option.isDefault === 'Y') ?? shown[0]
}

/** Whether the order shows a summary: the platform leaves it out until the user has acted. */
const hasSummary = (order: EcomOrderRecord) => order.money.reserved > 0 || order.state === 'REJECTED'

export function summaryOf(order: EcomOrderRecord): EcomTransactionSummary {
  const { money } = order
  return {
    capturedAmount: money.captured,
    refundedAmount: money.refunded,
    remainingAmountToCapture: remainingToCapture(money),
    remainingAmountToRefund: remainingToRefund(money),
  }
}

/** `GET /ecomm/v2/payments/{orderId}/details`. */
export function detailsView(order: EcomOrderRecord): EcomPaymentDetails {
  const { chosen, shared } = order
  return {
    orderId: order.orderId,
    transactionLogHistory: [...order.log].reverse(),
    ...(hasSummary(order) ? { transactionSummary: summaryOf(order) } : {}),
    ...(chosen && shared
      ? {
          shippingDetails: {
            address: shared.address,
            shippingCost: chosen.shippingCost,
            shippingMethod: chosen.shippingMethod,
            shippingMethodId: chosen.shippingMethodId,
          },
        }
      : {}),
    ...(shared ? { userDetails: shared.user } : {}),
    ...(order.sub ? { sub: order.sub } : {}),
  }
}

/** What a capture, cancel or refund did, from the log entry it wrote. */
function transactionOf(entry: EcomTransactionLogEntry, status: 'Captured' | 'Cancelled' | 'Refund') {
  return {
    amount: entry.amount,
    status,
    timeStamp: entry.timeStamp!,
    transactionId: entry.transactionId!,
    transactionText: entry.transactionText,
  }
}

export function captureResponse(order: EcomOrderRecord, entry: EcomTransactionLogEntry): EcomCaptureResponse {
  return {
    orderId: order.orderId,
    transactionInfo: transactionOf(entry, 'Captured'),
    transactionSummary: summaryOf(order),
  }
}

export function cancelResponse(order: EcomOrderRecord, entry: EcomTransactionLogEntry): EcomCancelResponse {
  return {
    orderId: order.orderId,
    transactionInfo: transactionOf(entry, 'Cancelled'),
    transactionSummary: summaryOf(order),
  }
}

/** The refund's answer names its part `transaction`, not `transactionInfo` (the spec's own difference). */
export function refundResponse(order: EcomOrderRecord, entry: EcomTransactionLogEntry): EcomRefundResponse {
  return {
    orderId: order.orderId,
    transaction: transactionOf(entry, 'Refund'),
    transactionSummary: summaryOf(order),
  }
}

/** A shipping option as the phone shows it, with what the user would pay in all. */
export const EcomPhoneShippingOption = Type.Object({
  shippingMethodId: Type.String(),
  shippingMethod: Type.String(),
  /** Kroner, as the merchant gave it. */
  shippingCost: Type.Number(),
  isDefault: Type.Boolean(),
  priority: Type.Optional(Type.Integer()),
  /** Øre: the order's amount plus this option's shipping, what approving with it reserves. */
  totalAmount: Type.Integer(),
})
export type EcomPhoneShippingOption = Static<typeof EcomPhoneShippingOption>

/**
 * An eCom order as the simulated phone and the landing page see it: what the
 * app would show the user, and enough to act on it through the control API.
 */
export const EcomPhoneOrder = Type.Object({
  msn: Type.String(),
  merchantName: Type.String(),
  orderId: Type.String(),
  state: literals(ECOM_ORDER_STATES),
  paymentType: literals(ECOM_PAYMENT_TYPES),
  /** Øre, without shipping. */
  amount: Type.Integer(),
  transactionText: Type.String(),
  /** ISO 8601, on the sandbox clock. */
  createdAt: Type.String(),
  expiresAt: Type.String(),
  /** Where the landing page (or the app) sends the user back to, whatever the outcome. */
  fallBack: Type.String(),
  isApp: Type.Boolean(),
  /** The user whose phone shows the order, once known. */
  msisdn: Type.Optional(Type.String()),
  /** The number the merchant gave (`customerInfo.mobileNumber`) as an MSISDN, to prefill the landing page. */
  suggestedMsisdn: Type.Optional(Type.String()),
  /** Øre, once the user approved. */
  money: Type.Optional(
    Type.Object({
      reserved: Type.Integer(),
      captured: Type.Integer(),
      refunded: Type.Integer(),
      released: Type.Integer(),
      remainingToCapture: Type.Integer(),
      remainingToRefund: Type.Integer(),
    }),
  ),
  /** Express checkout only. */
  express: Type.Optional(
    Type.Object({
      useExplicitCheckoutFlow: Type.Boolean(),
      /** The address the user ships to: their profile's, once the order is on their phone. */
      address: Type.Optional(EcomAddress),
      shipping: Type.Object({
        status: literals(SHIPPING_STATUSES),
        /** In the order the app shows them. */
        options: Type.Array(EcomPhoneShippingOption),
        /** The option to preselect. */
        defaultShippingMethodId: Type.Optional(Type.String()),
        /** Why there are no options ("No shipping methods found" in the app). */
        error: Type.Optional(Type.String()),
      }),
      /** The option the user approved with. */
      chosen: Type.Optional(EcomPhoneShippingOption),
    }),
  ),
})
export type EcomPhoneOrder = Static<typeof EcomPhoneOrder>

function phoneOption(order: EcomOrderRecord, option: EcomShippingOption): EcomPhoneShippingOption {
  return {
    shippingMethodId: option.shippingMethodId,
    shippingMethod: option.shippingMethod,
    shippingCost: option.shippingCost,
    isDefault: option.isDefault === 'Y',
    ...(option.priority === undefined ? {} : { priority: option.priority }),
    totalAmount: order.amount + shippingCostInOre(option.shippingCost),
  }
}

/** The phone's view; `user` is the user whose phone shows it, for the address before approval. */
export function phoneOrder(order: EcomOrderRecord, merchantName: string, user?: User): EcomPhoneOrder {
  const { request, money } = order
  const { merchantInfo, transaction, customerInfo } = request
  const shipping = order.shipping
  const fallbackDefault = shipping ? defaultOption(shipping.options) : undefined
  const address = order.shared?.address ?? (user ? addressOf(user) : undefined)
  return {
    msn: order.msn,
    merchantName,
    orderId: order.orderId,
    state: order.state,
    paymentType: order.express ? EXPRESS : 'eComm Regular Payment',
    amount: transaction.amount,
    transactionText: transaction.transactionText,
    createdAt: new Date(order.createdAt).toISOString(),
    expiresAt: new Date(order.expiresAt).toISOString(),
    fallBack: merchantInfo.fallBack,
    isApp: merchantInfo.isApp === true,
    ...(order.msisdn ? { msisdn: order.msisdn } : {}),
    ...(customerInfo.mobileNumber ? { suggestedMsisdn: `47${customerInfo.mobileNumber}` } : {}),
    ...(money.reserved > 0
      ? {
          money: {
            ...money,
            remainingToCapture: remainingToCapture(money),
            remainingToRefund: remainingToRefund(money),
          },
        }
      : {}),
    ...(shipping
      ? {
          express: {
            useExplicitCheckoutFlow: transaction.useExplicitCheckoutFlow === true,
            ...(address ? { address } : {}),
            shipping: {
              status: shipping.status,
              options: sortedOptions(shipping.options).map((option) => phoneOption(order, option)),
              ...(fallbackDefault ? { defaultShippingMethodId: fallbackDefault.shippingMethodId } : {}),
              ...(shipping.error ? { error: shipping.error } : {}),
            },
            ...(order.chosen ? { chosen: phoneOption(order, order.chosen) } : {}),
          },
        }
      : {}),
  }
}
