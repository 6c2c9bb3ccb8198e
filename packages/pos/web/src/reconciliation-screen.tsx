/**
 * Reconciliation (manager): the day's settlement from Vipps MobilePay
 * matched with the till's captures and refunds — differences first, then
 * what matched, other sales channels, fees and the payout — with the
 * expected payout (captures − refunds − fees) beside the one scheduled, and
 * the CSV. Until the platform closes the day it is "not settled yet".
 */
import type { ComponentChildren } from 'preact'
import type { Settlement, SettlementLineStatus } from './api-types.ts'
import { useDayAnswer } from './day-answer.ts'
import { formatMoney } from './money.ts'

const STATUS_TEXT: Record<SettlementLineStatus, string> = {
  'missing-on-platform': 'Not settled by Vipps MobilePay',
  'missing-in-records': 'Settled, but not registered at the till',
  'amount-mismatch': 'Settled for another amount',
  matched: 'Matched',
  'other-channel': 'Another sales channel',
  fee: 'Fee',
  payout: 'Payout',
  adjustment: 'Adjustment',
}

export function ReconciliationScreen(props: { date: string; picker: ComponentChildren; currency: string }) {
  const {
    data: settlement,
    problem,
    loading,
    reload: load,
  } = useDayAnswer(
    `/api/reconciliation/${props.date}`,
    (body: { reconciliation: Settlement }) => body.reconciliation,
  )

  const money = (value: number | null) => (value === null ? '—' : formatMoney(value, props.currency))
  const totals = settlement?.totals
  return (
    <>
      <section class="card back-office-head" aria-labelledby="reconciliation-title" aria-busy={loading}>
        <h1 id="reconciliation-title">Reconciliation</h1>
        {props.picker}
        <div class="actions">
          <button type="button" class="secondary" onClick={load}>
            Check again
          </button>
          {settlement?.totals && (
            <a class="button secondary" href={`/api/reconciliation/${props.date}/report.csv`} download>
              Download CSV
            </a>
          )}
        </div>
      </section>

      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}

      {settlement && !totals && (
        <section class="card" data-testid="not-settled">
          <h2>Not settled yet</h2>
          <p>
            Vipps MobilePay settles {settlement.date} after the day ends. The till has registered{' '}
            {settlement.recorded.captures.count} payments ({money(settlement.recorded.captures.amount)}) and{' '}
            {settlement.recorded.refunds.count} refunds ({money(settlement.recorded.refunds.amount)}) to match
            then.
          </p>
        </section>
      )}

      {settlement && totals && (
        <section class="card" aria-labelledby="settlement-title" data-testid="settlement">
          <h2 id="settlement-title">
            {settlement.differences === 0
              ? `Everything matched on ${settlement.date}`
              : `${settlement.differences} difference${settlement.differences === 1 ? '' : 's'} on ${settlement.date}`}
          </h2>
          <dl class="figures">
            <div>
              <dt>Captures</dt>
              <dd>{money(totals.captures)}</dd>
            </div>
            <div>
              <dt>Refunds</dt>
              <dd>{money(totals.refunds)}</dd>
            </div>
            <div>
              <dt>Fees</dt>
              <dd>{money(totals.fees)}</dd>
            </div>
            <div>
              <dt>Expected payout</dt>
              <dd data-testid="expected-payout">{money(totals.expectedPayout)}</dd>
            </div>
            <div>
              <dt>Payout</dt>
              <dd data-testid="payout">{money(totals.payout)}</dd>
            </div>
            {settlement.otherChannels && settlement.otherChannels.count > 0 && (
              <div>
                <dt>Other sales channels</dt>
                <dd>{money(settlement.otherChannels.net)}</dd>
              </div>
            )}
          </dl>
          <div class="table-scroll">
            <table data-testid="settlement-lines">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Reference</th>
                  <th scope="col">Receipt</th>
                  <th scope="col">Registered</th>
                  <th scope="col">Settled</th>
                  <th scope="col">Fee</th>
                </tr>
              </thead>
              <tbody>
                {settlement.lines.map((line, index) => (
                  <tr
                    key={`${line.status}-${line.pspReference}-${index}`}
                    class={line.difference ? 'difference' : ''}
                  >
                    <td>{STATUS_TEXT[line.status]}</td>
                    <td>{line.kind}</td>
                    <td>
                      <code>{line.reference || '—'}</code>
                    </td>
                    <td>{line.receiptNumber ?? '—'}</td>
                    <td class="amount">{money(line.recordedAmount)}</td>
                    <td class="amount">{money(line.settledAmount)}</td>
                    <td class="amount">{money(line.fee)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  )
}
