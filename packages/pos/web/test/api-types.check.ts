/**
 * Holds the cashier app's own copy of the API's types (src/api-types.ts) to
 * the till's schemas: this file compiles only while every answer the till
 * gives can be read as the app's type, and the app's lists of states are
 * exactly the till's (so its exhaustive switches cover each state). Checked
 * by the root typecheck; nothing here runs.
 */
import type { Static } from '@sinclair/typebox'
import type { SessionView } from '../../src/cashiers/routes.ts'
import type { ProductView } from '../../src/catalogue/routes.ts'
import type { EnrolmentView, MemberDetailView, MemberSummaryView } from '../../src/club/views.ts'
import type { ZReportView } from '../../src/endofday/views.ts'
import type { JournalEntryView } from '../../src/journal/routes.ts'
import type { PaymentAttemptView } from '../../src/payments/views.ts'
import type { InFlightItemView, SettlementView } from '../../src/reconciliation/routes.ts'
import type { RefundView } from '../../src/refunds/routes.ts'
import type { SaleView } from '../../src/sales/routes.ts'
import type * as App from '../src/api-types.ts'

type Reads<Answer, AppType> = [Answer] extends [AppType] ? true : false
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

type Sale = Static<typeof SaleView>
type Attempt = Static<typeof PaymentAttemptView>
type JournalEntry = Static<typeof JournalEntryView>
type Refund = Static<typeof RefundView>

export const answersReadByTheApp: [
  Reads<Static<typeof SessionView>, App.Session>,
  Reads<Static<typeof ProductView>, App.Product>,
  Reads<Sale, App.Sale>,
  Reads<Attempt, App.PaymentAttempt>,
  Reads<JournalEntry, App.JournalEntry>,
  Reads<Refund, App.Refund>,
  Reads<Static<typeof ZReportView>, App.ZReport>,
  Reads<Static<typeof SettlementView>, App.Settlement>,
  Reads<Static<typeof InFlightItemView>, App.InFlightPayment>,
  Reads<MemberSummaryView, App.MemberSummary>,
  Reads<MemberDetailView, App.MemberDetail>,
  Reads<EnrolmentView, App.Enrolment>,
] = [true, true, true, true, true, true, true, true, true, true, true, true]

export const statesTheSame: [
  Same<Sale['state'], App.SaleState>,
  Same<Attempt['state'], App.AttemptState>,
  Same<Refund['state'], App.RefundState>,
  Same<Static<typeof SettlementView>['lines'][number]['status'], App.SettlementLineStatus>,
  Same<Static<typeof InFlightItemView>['status'], App.InFlightStatus>,
  Same<EnrolmentView['state'], App.EnrolmentState>,
] = [true, true, true, true, true, true]
