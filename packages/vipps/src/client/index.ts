export { AccessTokenCache } from './access-token.ts'
export { newIdempotencyKey, VippsClient } from './client.ts'
export {
  type CallOptions,
  type IdempotentCallOptions,
  type ResponseValidationMode,
  type RetryInfo,
  type RetryOptions,
  VIPPS_HOSTS,
  type VippsClientOptions,
  type VippsCredentials,
  type VippsHost,
  type VippsSystemInfo,
} from './config.ts'
export type { EcomAmountAction, EcomApi, EcomInitiateInput, EcomRequestOptions } from './ecom.ts'
export type { EPaymentApi, WaitForPaymentOptions } from './epayment.ts'
export {
  type FailedRequest,
  outcomeUnknown,
  type RequestOutcome,
  type ValidationIssue,
  VIPPS_ERROR_KINDS,
  VippsApiError,
  VippsConfigurationError,
  VippsEcomError,
  VippsError,
  type VippsErrorKind,
  VippsGatewayError,
  VippsHttpError,
  VippsNetworkError,
  VippsOAuthError,
  VippsResponseValidationError,
  VippsTimeoutError,
  VippsUnexpectedResponseError,
} from './errors.ts'
export type { CibaOutcome, CibaPollResult, CibaStartRequest, LoginApi } from './login.ts'
export type { OrderManagementApi, OrderOptions, ReceiptOutcome } from './order-management.ts'
export type { QrApi } from './qr.ts'
export type { DateReport, FeedOptions, ReportApi } from './report.ts'
export type { RetryPolicy } from './retry.ts'
export { schemaIssues } from './validation.ts'
export { verifiedWebhookBody, WebhookVerificationError } from './webhook-verification.ts'
export type { WebhooksApi } from './webhooks.ts'
