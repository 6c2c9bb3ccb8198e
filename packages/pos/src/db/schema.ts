/**
 * The drizzle view of the till's tables, for typed queries. The SQL in
 * `migrations/` is the truth (constraints, partial indexes, comments); a test
 * (database.test.ts) checks that these definitions match the migrated
 * database column by column, so the two cannot drift apart unnoticed.
 */
import type { CreatePaymentRequest, Currency } from '@kasse/vipps'
import { sql } from 'drizzle-orm'
import { bigint, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import type { EnrolmentState } from '../club/enrolment-machine.ts'
import type { PaymentErrorCode } from '../payments/errors.ts'
import type { RefundState } from '../refunds/machine.ts'
import type { SaleState } from '../sales/machine.ts'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const store = pgTable('store', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  msn: text('msn').notNull(),
  currency: text('currency').$type<Currency>().notNull(),
  country: text('country').$type<Country>().notNull(),
  nextReceiptNumber: integer('next_receipt_number').notNull().default(1),
  createdAt: timestamptz('created_at').notNull(),
  spendPerPoint: integer('spend_per_point').notNull().default(1000),
})

export const member = pgTable('member', {
  id: text('id').primaryKey(),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  msisdn: text('msisdn').notNull(),
  name: text('name').notNull(),
  email: text('email'),
  birthDate: text('birth_date'),
  vippsSub: text('vipps_sub').notNull(),
  sharedData: jsonb('shared_data').$type<string[]>().notNull(),
  points: integer('points').notNull().default(0),
  enrolledAt: timestamptz('enrolled_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const memberConsent = pgTable(
  'member_consent',
  {
    memberId: text('member_id')
      .notNull()
      .references(() => member.id, { onDelete: 'cascade' }),
    consentId: text('consent_id').notNull(),
    text: text('text').notNull(),
    required: boolean('required').notNull(),
    accepted: boolean('accepted').notNull(),
    answeredAt: timestamptz('answered_at').notNull(),
    withdrawnAt: timestamptz('withdrawn_at'),
  },
  (table) => [primaryKey({ columns: [table.memberId, table.consentId] })],
)

export const till = pgTable('till', {
  id: text('id').primaryKey(),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  posId: text('pos_id').notNull().unique(),
  name: text('name').notNull(),
  failedSignIns: integer('failed_sign_ins').notNull().default(0),
  lastFailedSignInAt: timestamptz('last_failed_sign_in_at'),
  lockedUntil: timestamptz('locked_until'),
  createdAt: timestamptz('created_at').notNull(),
})

export const cashier = pgTable('cashier', {
  id: text('id').primaryKey(),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  staffNumber: text('staff_number').notNull(),
  name: text('name').notNull(),
  role: text('role').$type<CashierRole>().notNull(),
  pinHash: text('pin_hash').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: timestamptz('created_at').notNull(),
})

export const cashierSession = pgTable('cashier_session', {
  id: text('id').primaryKey(),
  cashierId: text('cashier_id')
    .notNull()
    .references(() => cashier.id),
  tillId: text('till_id')
    .notNull()
    .references(() => till.id),
  csrfToken: text('csrf_token').notNull(),
  createdAt: timestamptz('created_at').notNull(),
  expiresAt: timestamptz('expires_at').notNull(),
  endedAt: timestamptz('ended_at'),
})

export const product = pgTable('product', {
  id: text('id').primaryKey(),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  name: text('name').notNull(),
  barcode: text('barcode').notNull(),
  grossPrice: integer('gross_price').notNull(),
  vatRate: integer('vat_rate').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const sale = pgTable('sale', {
  id: text('id').primaryKey(),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  tillId: text('till_id')
    .notNull()
    .references(() => till.id),
  openedBy: text('opened_by')
    .notNull()
    .references(() => cashier.id),
  state: text('state').$type<SaleState>().notNull(),
  currency: text('currency').$type<Currency>().notNull(),
  receiptNumber: integer('receipt_number'),
  openedAt: timestamptz('opened_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
  closedAt: timestamptz('closed_at'),
  customerMsisdn: text('customer_msisdn'),
  customerSource: text('customer_source').$type<CustomerSource>(),
  customerPersonalQr: text('customer_personal_qr'),
  memberId: text('member_id').references(() => member.id, { onDelete: 'set null' }),
})

export const saleLine = pgTable('sale_line', {
  id: text('id').primaryKey(),
  saleId: text('sale_id')
    .notNull()
    .references(() => sale.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  productId: text('product_id')
    .notNull()
    .references(() => product.id),
  name: text('name').notNull(),
  barcode: text('barcode').notNull(),
  unitPrice: integer('unit_price').notNull(),
  vatRate: integer('vat_rate').notNull(),
  quantity: integer('quantity').notNull(),
  discountKind: text('discount_kind').$type<'amount' | 'percent'>(),
  discountValue: integer('discount_value'),
  discountedBy: text('discounted_by').references(() => cashier.id),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const paymentAttempt = pgTable('payment_attempt', {
  id: text('id').primaryKey(),
  saleId: text('sale_id')
    .notNull()
    .references(() => sale.id),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  msn: text('msn').notNull(),
  reference: text('reference').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  state: text('state').notNull(),
  currency: text('currency').$type<Currency>().notNull(),
  amount: integer('amount').notNull(),
  authorizedAmount: integer('authorized_amount').notNull().default(0),
  capturedAmount: integer('captured_amount').notNull().default(0),
  refundedAmount: integer('refunded_amount').notNull().default(0),
  pspReference: text('psp_reference'),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
  attemptNumber: integer('attempt_number').notNull().default(1),
  customerMsisdn: text('customer_msisdn'),
  customerSource: text('customer_source').$type<CustomerSource>(),
  createRequest: jsonb('create_request').$type<CreatePaymentRequest>().notNull().default(sql`'{}'::jsonb`),
  captureIdempotencyKey: text('capture_idempotency_key').notNull().default(''),
  cancelIdempotencyKey: text('cancel_idempotency_key').notNull().default(''),
  cancelledAmount: integer('cancelled_amount').notNull().default(0),
  errorCode: text('error_code').$type<PaymentErrorCode>(),
  errorMessage: text('error_message'),
  errorRetryable: boolean('error_retryable'),
  createSentAt: timestamptz('create_sent_at'),
  cancelRequestedAt: timestamptz('cancel_requested_at'),
  checks: integer('checks').notNull().default(0),
  nextCheckAt: timestamptz('next_check_at'),
  claimedBy: text('claimed_by'),
  claimedUntil: timestamptz('claimed_until'),
  finalAt: timestamptz('final_at'),
})

export const webhookRegistration = pgTable('webhook_registration', {
  id: text('id').primaryKey(),
  msn: text('msn').notNull(),
  url: text('url').notNull(),
  secret: text('secret').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  createdAt: timestamptz('created_at').notNull(),
  confirmedAt: timestamptz('confirmed_at').notNull(),
})

export const paymentWebhookEvent = pgTable('payment_webhook_event', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  dedupeKey: text('dedupe_key').notNull(),
  msn: text('msn').notNull(),
  reference: text('reference').notNull(),
  name: text('name').notNull(),
  pspReference: text('psp_reference').notNull(),
  currency: text('currency').notNull(),
  amount: integer('amount').notNull(),
  eventTimestamp: text('event_timestamp').notNull(),
  attemptId: text('attempt_id').references(() => paymentAttempt.id),
  receivedAt: timestamptz('received_at').notNull(),
})

export const refund = pgTable('refund', {
  id: text('id').primaryKey(),
  saleId: text('sale_id')
    .notNull()
    .references(() => sale.id),
  attemptId: text('attempt_id')
    .notNull()
    .references(() => paymentAttempt.id),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  state: text('state').$type<RefundState>().notNull(),
  currency: text('currency').$type<Currency>().notNull(),
  amount: integer('amount').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  receiptNumber: integer('receipt_number'),
  requestedBy: text('requested_by')
    .notNull()
    .references(() => cashier.id),
  errorCode: text('error_code'),
  errorMessage: text('error_message'),
  nextCheckAt: timestamptz('next_check_at'),
  claimedBy: text('claimed_by'),
  claimedUntil: timestamptz('claimed_until'),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const refundLine = pgTable(
  'refund_line',
  {
    refundId: text('refund_id')
      .notNull()
      .references(() => refund.id, { onDelete: 'cascade' }),
    saleLineId: text('sale_line_id')
      .notNull()
      .references(() => saleLine.id),
    quantity: integer('quantity').notNull(),
    grossAmount: integer('gross_amount').notNull(),
    vatAmount: integer('vat_amount').notNull(),
    netAmount: integer('net_amount').notNull(),
  },
  (table) => [primaryKey({ columns: [table.refundId, table.saleLineId] })],
)

export const outbox = pgTable('outbox', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  topic: text('topic').notNull(),
  orderingKey: text('ordering_key'),
  payload: jsonb('payload').$type<unknown>().notNull(),
  availableAt: timestamptz('available_at').notNull(),
  attempts: integer('attempts').notNull().default(0),
  claimedBy: text('claimed_by'),
  claimedUntil: timestamptz('claimed_until'),
  lastError: text('last_error'),
  createdAt: timestamptz('created_at').notNull(),
  doneAt: timestamptz('done_at'),
})

export const endOfDay = pgTable(
  'end_of_day',
  {
    storeId: text('store_id')
      .notNull()
      .references(() => store.id),
    businessDate: text('business_date').notNull(),
    closedAt: timestamptz('closed_at').notNull(),
    closedBy: text('closed_by')
      .notNull()
      .references(() => cashier.id),
    report: jsonb('report').$type<unknown>().notNull(),
    saleIds: jsonb('sale_ids').$type<string[]>().notNull(),
    refundIds: jsonb('refund_ids').$type<string[]>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.storeId, table.businessDate] })],
)
export const pointsEntry = pgTable('points_entry', {
  id: text('id').primaryKey(),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  memberId: text('member_id').references(() => member.id, { onDelete: 'set null' }),
  saleId: text('sale_id')
    .notNull()
    .references(() => sale.id),
  refundId: text('refund_id').references(() => refund.id),
  reason: text('reason').$type<PointsReason>().notNull(),
  points: integer('points').notNull(),
  spendPerPoint: integer('spend_per_point').notNull(),
  createdAt: timestamptz('created_at').notNull(),
})

export const clubEnrolment = pgTable('club_enrolment', {
  id: text('id').primaryKey(),
  storeId: text('store_id')
    .notNull()
    .references(() => store.id),
  tillId: text('till_id')
    .notNull()
    .references(() => till.id),
  saleId: text('sale_id').references(() => sale.id),
  msn: text('msn').notNull(),
  msisdn: text('msisdn').notNull(),
  bindingMessage: text('binding_message').notNull(),
  state: text('state').$type<EnrolmentState>().notNull(),
  authReqId: text('auth_req_id'),
  accessToken: text('access_token'),
  pollIntervalSeconds: integer('poll_interval_seconds').notNull(),
  memberId: text('member_id').references(() => member.id, { onDelete: 'set null' }),
  errorCode: text('error_code'),
  errorMessage: text('error_message'),
  startedAt: timestamptz('started_at').notNull(),
  expiresAt: timestamptz('expires_at').notNull(),
  finishedAt: timestamptz('finished_at'),
  updatedAt: timestamptz('updated_at').notNull(),
  checks: integer('checks').notNull().default(0),
  nextCheckAt: timestamptz('next_check_at'),
  claimedBy: text('claimed_by'),
  claimedUntil: timestamptz('claimed_until'),
})

/** Every table, for drizzle's relational API and the schema drift test. */
export const tables = {
  store,
  till,
  cashier,
  cashierSession,
  product,
  sale,
  saleLine,
  paymentAttempt,
  outbox,
  webhookRegistration,
  paymentWebhookEvent,
  refund,
  refundLine,
  endOfDay,
  member,
  memberConsent,
  pointsEntry,
  clubEnrolment,
}

/** The countries the till sells in; decides VAT rates and how phone numbers are read. */
export type Country = 'NO' | 'DK' | 'FI'
export type CashierRole = 'cashier' | 'manager'
/** How the till learnt the customer's number: typed by the cashier, or from their scanned personal QR. */
export type CustomerSource = 'typed' | 'qr'
/** Why a member's points changed: a captured purchase earned them, a refund took some back. */
export type PointsReason = 'purchase' | 'refund'
