/**
 * The customer a sale's payment request goes to: a number the cashier typed
 * (validated and made an MSISDN here), or the personal QR the customer showed,
 * exchanged through the QR API for their number. The scanned content is kept
 * whole, because the payment request must carry it complete.
 */
import { VippsApiError, VippsError, VippsGatewayError } from '@kasse/vipps'
import type { Actor } from '../cashiers/service.ts'
import { PosError } from '../errors.ts'
import type { VippsPlatform } from '../payments/platform.ts'
import { describeState } from '../sales/machine.ts'
import type { Sale, Sales } from '../sales/service.ts'
import { normalisePhoneNumber } from './phone-number.ts'

export type CustomerInput = { phoneNumber: string } | { personalQr: string }

export class Customers {
  constructor(
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
    return this.change(actor, saleId, customer)
  }

  /** Takes the customer off the sale. */
  async clearForSale(actor: Actor, saleId: string): Promise<Sale> {
    return this.change(actor, saleId, {
      customerMsisdn: null,
      customerSource: null,
      customerPersonalQr: null,
    })
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

  /** Sets the customer and their membership under the sale's lock, and answers the sale as it leaves it. */
  private async change(
    actor: Actor,
    saleId: string,
    customer: {
      customerMsisdn: string | null
      customerSource: 'typed' | 'qr' | null
      customerPersonalQr: string | null
    },
  ): Promise<Sale> {
    // Identifying the customer is the membership check: the member's account gets the points.
    // The statement that sets the customer looks the member up by the number, in the till's
    // store (a sale of another till is refused, whatever its store).
    return this.sales.setCustomer(
      actor,
      saleId,
      customer,
      (state) =>
        new PosError(
          'SALE_NOT_EDITABLE',
          state === 'awaiting_payment'
            ? 'The payment request is under way; cancel it before changing the customer'
            : `This sale is ${describeState(state)}; its customer can no longer change`,
        ),
    )
  }
}

function invalidQr(message: string): PosError {
  return new PosError('INVALID_PERSONAL_QR', message, { field: 'personalQr' })
}
