/**
 * The Vipps MobilePay client: one object per sales unit (credentials), with one
 * property per API. It owns the access token, so callers never see one.
 */
import { AccessTokenCache } from './access-token.ts'
import type { CallOptions, VippsClientOptions } from './config.ts'
import { EcomApi } from './ecom.ts'
import { EPaymentApi } from './epayment.ts'
import { LoginApi } from './login.ts'
import { OrderManagementApi } from './order-management.ts'
import { QrApi } from './qr.ts'
import { ReportApi } from './report.ts'
import { Transport } from './transport.ts'
import { WebhooksApi } from './webhooks.ts'

/**
 * @example
 * const vipps = new VippsClient({
 *   host: 'test', // or 'production', or the sandbox's URL
 *   credentials: { clientId, clientSecret, subscriptionKey, msn: '123456' },
 *   system: { name: 'kasse', version: '0.1.0' },
 * })
 * const payment = await vipps.epayment.get('till1-000123')
 */
export class VippsClient {
  readonly epayment: EPaymentApi
  readonly webhooks: WebhooksApi
  readonly qr: QrApi
  readonly login: LoginApi
  readonly orderManagement: OrderManagementApi
  readonly report: ReportApi
  readonly ecom: EcomApi
  /** The resolved base URL, e.g. `https://apitest.vipps.no`. */
  readonly baseUrl: string
  private readonly transport: Transport

  constructor(options: VippsClientOptions) {
    this.transport = new Transport(options, options.tokenCache ?? new AccessTokenCache())
    this.baseUrl = this.transport.baseUrl
    this.epayment = new EPaymentApi(this.transport)
    this.webhooks = new WebhooksApi(this.transport)
    this.qr = new QrApi(this.transport)
    this.login = new LoginApi(this.transport)
    this.orderManagement = new OrderManagementApi(this.transport)
    this.report = new ReportApi(this.transport)
    this.ecom = new EcomApi(this.transport)
  }

  /**
   * The merchant's access token, fetched if none is cached. Calls fetch it
   * themselves; this is for warming up at start (and failing early on bad keys).
   */
  accessToken(options?: CallOptions): Promise<string> {
    return this.transport.accessToken(options)
  }
}

/**
 * A new idempotency key. Make one, store it with the operation, then call with
 * it, so a retry after a crash reuses it and the platform does the work once.
 */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID()
}
