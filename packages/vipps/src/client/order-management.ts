/**
 * Order Management API v2: the itemised receipt shown with a payment in the app,
 * and the category link. Prefer sending `receipt` in the ePayment create; this
 * is for adding one afterwards. A receipt is immutable: a second POST answers
 * 409, which is reported as `already-exists`, so sending is safe to retry.
 */
import {
  ORDER_MANAGEMENT_BASE_PATH,
  type OrderCategory,
  type OrderPaymentType,
  OrderWithReceipt,
} from '../schemas/order-management.ts'
import type { Receipt } from '../schemas/receipt.ts'
import type { CallOptions } from './config.ts'
import type { Transport } from './transport.ts'

export interface OrderOptions extends CallOptions {
  /** `ECOM` (ePayment and eCom, the default) or `RECURRING`. */
  paymentType?: OrderPaymentType
}

/** `created`: this call added it; `already-exists`: one was there (maybe from a lost earlier answer) and stays. */
export type ReceiptOutcome = 'created' | 'already-exists'

const orderPath = (options: OrderOptions, middle: string, orderId: string) =>
  `${ORDER_MANAGEMENT_BASE_PATH}/v2/${options.paymentType ?? 'ECOM'}${middle}/${encodeURIComponent(orderId)}`

export class OrderManagementApi {
  constructor(private readonly transport: Transport) {}

  /**
   * Adds the receipt to the order (`orderId` = the ePayment reference). The
   * platform does not check that the order exists.
   *
   * @example
   * const outcome = await client.orderManagement.sendReceipt(reference, receipt)
   */
  async sendReceipt(orderId: string, receipt: Receipt, options: OrderOptions = {}): Promise<ReceiptOutcome> {
    const reply = await this.transport.send({
      operation: 'orderManagement.sendReceipt',
      method: 'POST',
      path: orderPath(options, '/receipts', orderId),
      json: receipt,
      auth: 'merchant',
      retry: 'idempotent',
      success: [200, 201],
      passthrough: [409],
      options,
    })
    return reply.status === 409 ? 'already-exists' : 'created'
  }

  /** Sets the order's link in the app; overwrites the previous one. */
  async setCategory(orderId: string, category: OrderCategory, options: OrderOptions = {}): Promise<void> {
    await this.transport.send({
      operation: 'orderManagement.setCategory',
      method: 'PUT',
      path: orderPath(options, '/categories', orderId),
      json: category,
      auth: 'merchant',
      retry: 'idempotent',
      success: [200, 201, 204],
      options,
    })
  }

  /** The receipt and category added to an order. */
  async getOrder(orderId: string, options: OrderOptions = {}): Promise<OrderWithReceipt> {
    const reply = await this.transport.send({
      operation: 'orderManagement.getOrder',
      method: 'GET',
      path: orderPath(options, '', orderId),
      auth: 'merchant',
      retry: 'safe',
      success: [200],
      schema: OrderWithReceipt,
      options,
    })
    return reply.body as OrderWithReceipt
  }
}
