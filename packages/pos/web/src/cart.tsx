/**
 * The sale's lines: quantity up and down, remove, and for a manager a line
 * discount (an amount or a percent). Every change is a request to the till,
 * which answers with the whole sale; the buttons only ask.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Sale, SaleLine } from './api-types.ts'
import { formatMoney, formatVatRate, parseAmount } from './money.ts'

export interface CartActions {
  changeQuantity(line: SaleLine, quantity: number): void
  remove(line: SaleLine): void
  /** Resolves with a problem to show beside the form, or undefined when the discount was set. */
  setDiscount(line: SaleLine, discount: { amount: number } | { percent: number }): Promise<string | undefined>
  removeDiscount(line: SaleLine): void
}

export function Cart(props: { sale: Sale; editable: boolean; manager: boolean; actions: CartActions }) {
  const { sale } = props
  if (sale.lines.length === 0) {
    return (
      <section class="cart card" aria-labelledby="cart-title">
        <h2 id="cart-title">Sale</h2>
        <p class="empty" data-testid="cart-empty">
          Nothing yet. Scan a product or find it by name.
        </p>
      </section>
    )
  }
  return (
    <section class="cart card" aria-labelledby="cart-title">
      <h2 id="cart-title">
        Sale <span class="count">({itemCount(sale)} items)</span>
      </h2>
      <ul class="lines" data-testid="cart">
        {sale.lines.map((line) => (
          <CartLine
            key={line.id}
            line={line}
            currency={sale.currency}
            editable={props.editable}
            manager={props.manager}
            actions={props.actions}
          />
        ))}
      </ul>
    </section>
  )
}

function itemCount(sale: Sale): number {
  return sale.lines.reduce((sum, line) => sum + line.quantity, 0)
}

function CartLine(props: {
  line: SaleLine
  currency: string
  editable: boolean
  manager: boolean
  actions: CartActions
}) {
  const { line, currency, editable, actions } = props
  const [discounting, setDiscounting] = useState(false)
  const money = (amount: number) => formatMoney(amount, currency)
  return (
    <li class="line" data-testid="cart-line" data-barcode={line.barcode}>
      <div class="line-main">
        <span class="line-name">{line.name}</span>
        <span class="line-detail">
          {money(line.unitPrice)} · VAT {formatVatRate(line.vatRate)}
        </span>
        {line.discount && (
          <span class="line-discount" data-testid="line-discount">
            Discount{' '}
            {line.discount.kind === 'percent'
              ? formatVatRate(line.discount.percent)
              : money(line.discount.amount)}{' '}
            ({money(-line.discountAmount)})
          </span>
        )}
      </div>
      <fieldset class="line-quantity">
        <legend class="visually-hidden">Quantity of {line.name}</legend>
        <button
          type="button"
          class="step"
          aria-label={`One fewer ${line.name}`}
          disabled={!editable || line.quantity <= 1}
          onClick={() => actions.changeQuantity(line, line.quantity - 1)}
        >
          −
        </button>
        <span class="quantity" data-testid="line-quantity">
          {line.quantity}
        </span>
        <button
          type="button"
          class="step"
          aria-label={`One more ${line.name}`}
          disabled={!editable}
          onClick={() => actions.changeQuantity(line, line.quantity + 1)}
        >
          +
        </button>
      </fieldset>
      <span class="line-amount" data-testid="line-amount">
        {money(line.grossAmount)}
      </span>
      <div class="line-actions">
        {props.manager && (
          <button
            type="button"
            class="secondary"
            aria-expanded={discounting}
            disabled={!editable}
            onClick={() => setDiscounting(!discounting)}
          >
            Discount
          </button>
        )}
        <button
          type="button"
          class="secondary"
          aria-label={`Remove ${line.name}`}
          disabled={!editable}
          onClick={() => actions.remove(line)}
        >
          Remove
        </button>
      </div>
      {discounting && editable && (
        <DiscountForm line={line} actions={actions} onDone={() => setDiscounting(false)} />
      )}
    </li>
  )
}

function DiscountForm(props: { line: SaleLine; actions: CartActions; onDone(): void }) {
  const { line } = props
  const [kind, setKind] = useState<'percent' | 'amount'>(line.discount?.kind ?? 'percent')
  const [value, setValue] = useState('')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const id = `discount-${line.id}`
  const inputRef = useRef<HTMLInputElement>(null)
  useEffect(() => inputRef.current?.focus(), [])

  async function apply(event: Event) {
    event.preventDefault()
    let discount: { amount: number } | { percent: number }
    if (kind === 'percent') {
      const percent = Number(value.replace('%', '').trim())
      if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
        setProblem('A percent discount is a whole number from 1 to 100')
        return
      }
      discount = { percent }
    } else {
      const amount = parseAmount(value)
      if (amount === undefined || amount < 1) {
        setProblem('Type the amount off the line in kroner, like 10 or 10,50')
        return
      }
      discount = { amount }
    }
    setBusy(true)
    const failed = await props.actions.setDiscount(line, discount)
    setBusy(false)
    if (failed) setProblem(failed)
    else props.onDone()
  }

  return (
    <form class="discount-form" onSubmit={apply} noValidate aria-label={`Discount on ${line.name}`}>
      <fieldset>
        <legend>Discount as</legend>
        <label>
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === 'percent'}
            onChange={() => setKind('percent')}
          />{' '}
          percent
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === 'amount'}
            onChange={() => setKind('amount')}
          />{' '}
          amount (kr)
        </label>
      </fieldset>
      <label class="field">
        <span>{kind === 'percent' ? 'Percent off' : 'Kroner off'}</span>
        <input
          name="discount"
          inputMode="decimal"
          autocomplete="off"
          value={value}
          aria-invalid={problem !== undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onInput={(e) => setValue(e.currentTarget.value)}
          ref={inputRef}
        />
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Apply discount
        </button>
        {line.discount && (
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => {
              props.actions.removeDiscount(line)
              props.onDone()
            }}
          >
            Remove discount
          </button>
        )}
        <button type="button" class="secondary" onClick={props.onDone}>
          Close
        </button>
      </div>
      {problem && (
        <p class="error" id={`${id}-problem`} role="alert">
          {problem}
        </p>
      )}
    </form>
  )
}
