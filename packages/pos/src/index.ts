export { type BuildPosAppOptions, buildPosApp, type PosApp } from './app.ts'
export type { Actor } from './cashiers/service.ts'
export { isValidEan13 } from './catalogue/ean13.ts'
export type { Product } from './catalogue/service.ts'
export { type Clock, ManualClock, systemClock } from './clock.ts'
export type { PosConfig, PosContext } from './context.ts'
export { type NormalisedPhoneNumber, normalisePhoneNumber } from './customers/phone-number.ts'
export {
  type Db,
  DEFAULT_DATA_DIR,
  type OpenDatabaseOptions,
  openDatabase,
  type PosDatabase,
} from './db/database.ts'
export { type ErrorBody, POS_ERRORS, PosError, type PosErrorCode } from './errors.ts'
export {
  claimOutboxMessages,
  completeOutboxMessage,
  enqueueOutboxMessage,
  type OutboxMessage,
  retryOutboxMessage,
} from './outbox/store.ts'
export {
  PAYMENT_ATTEMPT_STATES,
  PAYMENT_ATTEMPT_TRANSITIONS,
  type PaymentAttemptState,
  reconcile,
} from './payments/machine.ts'
export { VIPPS_ENV, type VippsSettings, vippsSettingsFromEnv } from './payments/platform.ts'
export type { PaymentTimings } from './payments/service.ts'
export type { PaymentAttemptView } from './payments/views.ts'
export { REFUND_STATES, type RefundState } from './refunds/machine.ts'
export { SALE_STATES, SALE_TRANSITIONS, type SaleState } from './sales/machine.ts'
export { type EpaymentReceipt, toEpaymentReceipt } from './sales/receipt.ts'
export type { Sale, SaleLine } from './sales/service.ts'
export { DEMO_CASHIERS, DEMO_STORE, DEMO_TILLS, describeDemoSeed, seedDemo } from './seed/demo.ts'
export { type RunningPos, type StartPosOptions, startPos } from './server.ts'
export { WEBHOOK_PATH } from './webhooks/service.ts'
