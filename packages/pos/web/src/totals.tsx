/**
 * The sale's totals as the till computed them: the VAT per rate (net, VAT,
 * gross) and the total to pay, to the øre. Nothing is added up here.
 */
import type { Sale } from './api-types.ts'
import { formatMoney, formatVatRate } from './money.ts'

export function Totals(props: { sale: Sale }) {
  const { totals, currency } = props.sale
  const money = (amount: number) => formatMoney(amount, currency)
  return (
    <section class="card totals" aria-labelledby="totals-title" data-testid="totals">
      <h2 id="totals-title">Total</h2>
      <p class="grand-total">
        <strong data-testid="total">{money(totals.grossAmount)}</strong>
      </p>
      {totals.discountAmount > 0 && (
        <p class="total-row">
          <span>Discounts</span> <span data-testid="total-discount">{money(-totals.discountAmount)}</span>
        </p>
      )}
      {totals.vatBreakdown.length > 0 && (
        <table class="vat-breakdown" data-testid="vat-breakdown">
          <caption>VAT</caption>
          <thead>
            <tr>
              <th scope="col">Rate</th>
              <th scope="col">Net</th>
              <th scope="col">VAT</th>
              <th scope="col">Gross</th>
            </tr>
          </thead>
          <tbody>
            {totals.vatBreakdown.map((entry) => (
              <tr key={entry.vatRate} data-vat-rate={entry.vatRate}>
                <th scope="row">{formatVatRate(entry.vatRate)}</th>
                <td>{money(entry.netAmount)}</td>
                <td>{money(entry.vatAmount)}</td>
                <td>{money(entry.grossAmount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Sum</th>
              <td>{money(totals.netAmount)}</td>
              <td data-testid="total-vat">{money(totals.vatAmount)}</td>
              <td>{money(totals.grossAmount)}</td>
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  )
}
