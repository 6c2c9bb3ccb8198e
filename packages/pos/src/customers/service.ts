/**
 * The customer a sale's payment request goes to: a number the cashier typed
 * (validated and made an MSISDN here), or the personal QR the customer showed,
 * exchanged through the QR API for their number. The scanned content is kept
 * whole, because the payment request must carry it complete.
 */
import { VippsApiError, VippsError, VippsGatewayError } from '@kasse/vipps'
import type { Actor } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import { findMemberByMsisdn } from '../club/store.ts'
import type { Db } from '../db/database.ts'
import { PosError } from '../errors.ts'
import type { VippsPlatform } from '../payments/platform.ts'
import { describeState } from '../sales/machine.ts'
import type { Sale, Sales } from '../sales/service.ts'
import { lockSale, updateSale } from '../sales/store.ts'
import { normalisePhoneNumber } from './phone-number.ts'

export type CustomerInput = { phoneNumber: string } | { personalQr: string }

export class Customers {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sales: Sales,
    private readonly platform: VippsPlatform,
  ) {}

  /**
   * Sets the sale's customer, and with it the membership check: the sale
   * carries the store's club member with that number, if there is one. A typed number that is not a Nordic mobile
   * number is refused with INVALID_PHONE_NUMBER (field phoneNumber); a QR the
   * platform does not recognise with INVALID_PERSONAL_QR (field personalQr).
   */
  async setForSale(actor: Actor, saleId: string, input: CustomerInput): Promise<Sale> {
    const customer =
      'phoneNumber' in input
        ? {
            customerMsisdn: normalisePhoneNumber(input.phoneNumber, actor.country).msisdn,
            customerSource: 'typed' as const,
            customerPersonalQr: null,
          }
        : await this.fromPersonalQr(actor, input.personalQr)
    await this.change(actor, saleId, customer)
    return this.sales.get(actor, saleId)
  }

  /** Takes the customer off the sale. */
  async clearForSale(actor: Actor, saleId: string): Promise<Sale> {
    await this.change(actor, saleId, { customerMsisdn: null, customerSource: null, customerPersonalQr: null })
    return this.sales.get(actor, saleId)
  }

  private async fromPersonalQr(actor: Actor, scanned: string) {
    // A scanner ends what it types with Enter; the code itself never starts or ends with blanks.
    const content = scanned.trim()
    if (content.length < 5 || content.length > 255) {
      throw invalidQr('That is not a Vipps MobilePay code; ask the customer to open their QR code in the app')
    }
    try {
      const { msisdn } = await this.platform.clientFor(actor.msn).qr.exchangePersonalQr(content)
      return { customerMsisdn: msisdn, customerSource: 'qr' as const, customerPersonalQr: content }
    } catch (error) {
      if (error instanceof VippsApiError && error.status >= 400 && error.status < 500) {
        throw invalidQr(
          'Vipps MobilePay does not recognise that code. Ask the customer to show the QR code in the app again, or type their number.',
        )
      }
      if (error instanceof VippsGatewayError && error.status !== 429) {
        throw new PosError(
          'PAYMENTS_NOT_CONFIGURED',
          'Vipps MobilePay does not accept this till’s keys. Ask a manager to check the set-up.',
        )
      }
      if (error instanceof VippsError) {
        throw new PosError(
          'PLATFORM_UNAVAILABLE',
          'Vipps MobilePay cannot be reached right now. Scan again, or type the customer’s number.',
          { retryAfterSeconds: 2 },
        )
      }
      throw error
    }
  }

  private async change(
    actor: Actor,
    saleId: string,
    customer: {
      customerMsisdn: string | null
      customerSource: 'typed' | 'qr' | null
      customerPersonalQr: string | null
    },
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const sale = await lockSale(tx, saleId)
      if (!sale || sale.tillId !== actor.tillId) {
        throw new PosError('SALE_NOT_FOUND', `There is no sale ${saleId} at this till`, { field: 'saleId' })
      }
      if (sale.state !== 'open') {
        throw new PosError(
          'SALE_NOT_EDITABLE',
          sale.state === 'awaiting_payment'
            ? 'The payment request is under way; cancel it before changing the customer'
            : `This sale is ${describeState(sale.state)}; its customer can no longer change`,
        )
      }
      // Identifying the customer is the membership check: the member's account gets the points.
      const member =
        customer.customerMsisdn === null
          ? undefined
          : await findMemberByMsisdn(tx, sale.storeId, customer.customerMsisdn)
      await updateSale(tx, saleId, {
        ...customer,
        memberId: member?.id ?? null,
        updatedAt: new Date(this.clock.now()),
      })
    })
  }
}

function invalidQr(message: string): PosError {
  return new PosError('INVALID_PERSONAL_QR', message, { field: 'personalQr' })
}
