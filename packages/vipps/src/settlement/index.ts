/**
 * Helpers for integrators who reconcile what the platform settled with their
 * own records: `reconcileSettlement` (pure; feed it the Report API's funds
 * report for a date and your captures and refunds) and the CSV it exports.
 */
export { type CsvCell, minorUnitsText, toCsv } from './csv.ts'
export {
  type AmountMismatch,
  DIFFERENCE_STATUSES,
  type EntryCategory,
  entryCategory,
  RECONCILIATION_STATUSES,
  type ReconcileInput,
  type ReconciliationLine,
  type ReconciliationStatus,
  reconcileSettlement,
  reconciliationCsv,
  type SettledMatch,
  type SettlementReconciliation,
  type SettlementRecord,
  type SettlementRecordKind,
  type SettlementTotals,
} from './reconcile.ts'
