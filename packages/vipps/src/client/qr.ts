/** QR API v1: the personal QR exchange, from a scanned code to the customer's phone number. */
import { PersonalQrExchangeResponse } from '../schemas/qr.ts'
import type { CallOptions } from './config.ts'
import type { Transport } from './transport.ts'

export class QrApi {
  constructor(private readonly transport: Transport) {}

  /**
   * The MSISDN behind a scanned personal QR code. Pass the code's content
   * verbatim (both `?v=1` URLs with the number and opaque v2 tokens work).
   * It changes nothing, so it is retried like a read.
   *
   * @example
   * const { msisdn } = await client.qr.exchangePersonalQr(scanned)
   */
  async exchangePersonalQr(qrCode: string, options: CallOptions = {}): Promise<PersonalQrExchangeResponse> {
    const reply = await this.transport.send({
      operation: 'qr.exchange',
      method: 'POST',
      path: '/qr/v1/exchange',
      json: { qrCode, requestedData: ['MSISDN'] },
      auth: 'merchant',
      retry: 'safe',
      success: [200],
      schema: PersonalQrExchangeResponse,
      options,
    })
    return reply.body as PersonalQrExchangeResponse
  }
}
