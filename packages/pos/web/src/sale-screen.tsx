/**
 * The sale: the scan field (always ready for the scanner), the cart, the
 * totals, the customer with their club membership (and joining the club),
 * and the payment. The till's database holds the sale; this screen shows the
 * till's answers and never changes the cart by itself, so an error leaves
 * the cart exactly as the till has it.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, api, messageOf } from './api.ts'
import type { Enrolment, PaymentAttempt, Product, Sale, SaleLine, Session } from './api-types.ts'
import { Cart, type CartActions } from './cart.tsx'
import { ClubStatus, ENROLMENT_FINAL } from './club-status.tsx'
import { CustomerPanel } from './customer-panel.tsx'
import { type LiveState, useLiveEvents } from './live.ts'
import { formatMoney } from './money.ts'
import { PaymentPanel, phaseOf } from './payment-panel.tsx'
import { ProductSearch } from './product-search.tsx'
import { serialQueue } from './queue.ts'
import { classifyScan } from './scan.ts'
import { Totals } from './totals.tsx'

interface Message {
  tone: 'info' | 'error'
  text: string
}

/** How often the screen asks for the payment's state itself while the live events are down. */
const POLL_WITHOUT_LIVE_MS = 2_000

const salePath = (sale: Sale, rest = '') => `/api/sales/${encodeURIComponent(sale.id)}${rest}`

/** The line a scan or tap added to (a new line, or one whose quantity went up). */
function addedLine(before: Sale, after: Sale): SaleLine | undefined {
  const previous = new Map(before.lines.map((line) => [line.id, line.quantity]))
  return after.lines.find((line) => line.quantity > (previous.get(line.id) ?? 0))
}

/** True if focus is somewhere the cashier types (so the scan field must not take it). */
function typingElsewhere(scan: HTMLInputElement | null): boolean {
  const active = document.activeElement
  if (!active || active === scan || active === document.body) return false
  if (active.closest('dialog[open]')) return true
  return (
    active instanceof HTMLInputElement ||
    active instanceof HTMLTextAreaElement ||
    active instanceof HTMLSelectElement
  )
}

export function SaleScreen(props: { session: Session }) {
  const manager = props.session.cashier.role === 'manager'
  const [sale, setSale] = useState<Sale | null>(null)
  const [attempt, setAttempt] = useState<PaymentAttempt | null>(null)
  const [dismissedAttempt, setDismissedAttempt] = useState<string | null>(null)
  const [message, setMessage] = useState<Message | null>(null)
  const [openProblem, setOpenProblem] = useState<string | undefined>(undefined)
  const [pending, setPending] = useState(0)
  const [confirmVoid, setConfirmVoid] = useState(false)
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null)
  const [enrolmentProblem, setEnrolmentProblem] = useState<string | undefined>(undefined)
  // The latest of each, for the queued tasks (which outlive the render that queued them).
  const saleRef = useRef<Sale | null>(null)
  const attemptRef = useRef<PaymentAttempt | null>(null)
  const enrolmentRef = useRef<Enrolment | null>(null)
  // Enrolments whose result the cashier has closed: the live stream repeats the latest on reconnecting.
  const closedEnrolments = useRef(new Set<string>())
  const scanRef = useRef<HTMLInputElement>(null)
  const enqueue = useMemo(() => serialQueue(), [])

  /**
   * Shows a sale from an answer or a live event, unless the screen already
   * has a newer state of it. Another sale replaces the one shown only when
   * the till answered with it (a new sale), not from a live event.
   */
  function showSale(next: Sale, from: 'answer' | 'live') {
    const current = saleRef.current
    if (current) {
      if (current.id !== next.id && from === 'live') return
      if (current.id === next.id && next.updatedAt < current.updatedAt) return
    }
    saleRef.current = next
    setSale(next)
  }

  /** Shows the payment attempt, unless it is another sale's or older than the one shown. */
  function showAttempt(next: PaymentAttempt) {
    const current = attemptRef.current
    if (saleRef.current && next.saleId !== saleRef.current.id) return
    if (current && current.id === next.id && next.updatedAt < current.updatedAt) return
    attemptRef.current = next
    setAttempt(next)
  }

  /**
   * Shows an enrolment of the sale on screen, unless the one shown is the
   * same enrolment in a final state already (its states only move forward),
   * or the cashier has closed it.
   */
  function showEnrolment(next: Enrolment) {
    const current = enrolmentRef.current
    if (next.saleId !== null && saleRef.current && next.saleId !== saleRef.current.id) return
    if (closedEnrolments.current.has(next.id)) return
    if (current && current.id === next.id && ENROLMENT_FINAL.has(current.state)) return
    enrolmentRef.current = next
    setEnrolment(next)
  }

  function forgetEnrolment() {
    if (enrolmentRef.current) closedEnrolments.current.add(enrolmentRef.current.id)
    enrolmentRef.current = null
    setEnrolment(null)
    setEnrolmentProblem(undefined)
  }

  const live: LiveState = useLiveEvents({
    onPayment: showAttempt,
    onSale: (next) => showSale(next, 'live'),
    onEnrolment: showEnrolment,
  })

  /** The sale on screen, for a queued task when it runs. */
  function currentSale(): Sale {
    const current = saleRef.current
    if (!current) throw new ApiError(0, 'NO_SALE', 'The sale is still opening; try again in a moment.')
    return current
  }

  function focusScan() {
    if (!typingElsewhere(scanRef.current)) scanRef.current?.focus()
  }

  /**
   * Queues a request that answers with the sale, shows the answer, and says
   * what happened (`success`) or what went wrong. Resolves true on success.
   */
  function change(
    request: (sale: Sale) => Promise<Sale>,
    options: { success?: (before: Sale, after: Sale) => Message | null; editsCart?: boolean } = {},
  ): Promise<boolean> {
    setPending((n) => n + 1)
    return enqueue(async () => {
      const before = currentSale()
      const after = await request(before)
      showSale(after, 'answer')
      if (options.editsCart && attemptRef.current && phaseOf(attemptRef.current.state) === 'ended') {
        // The cart changed after a request that did not go through: its message has had its day.
        setDismissedAttempt(attemptRef.current.id)
      }
      setMessage(options.success?.(before, after) ?? null)
      return true
    })
      .catch((error: unknown) => {
        setMessage({ tone: 'error', text: messageOf(error) })
        return false
      })
      .finally(() => {
        setPending((n) => n - 1)
        focusScan()
      })
  }

  function openSale() {
    setOpenProblem(undefined)
    setPending((n) => n + 1)
    enqueue(() => api<Sale>('POST', '/api/sales'))
      .then((opened) => showSale(opened, 'answer'))
      .catch((error: unknown) => setOpenProblem(messageOf(error)))
      .finally(() => setPending((n) => n - 1))
  }

  useEffect(openSale, [])

  // The scan field has the keyboard whenever nothing else wants it: a scanner's
  // first digit, arriving while a button has the focus, moves the focus there
  // before the character is typed, so no digit is lost.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return
      if (typingElsewhere(scanRef.current)) return
      scanRef.current?.focus()
    }
    document.addEventListener('keydown', onKeyDown, true)
    scanRef.current?.focus()
    return () => document.removeEventListener('keydown', onKeyDown, true)
  }, [])

  function scan(text: string) {
    const scanned = classifyScan(text)
    switch (scanned.kind) {
      case 'empty':
        return
      case 'unreadable':
        setMessage({ tone: 'error', text: scanned.message })
        return
      case 'barcode':
        change((current) => api<Sale>('POST', salePath(current, '/lines'), { barcode: scanned.code }), {
          editsCart: true,
          success: (before, after) => {
            const line = addedLine(before, after)
            return line
              ? { tone: 'info', text: `Added ${line.name}, ${formatMoney(line.unitPrice, after.currency)}` }
              : null
          },
        })
        return
      case 'personal-qr':
        if (
          enrolmentRef.current?.state === 'waiting' &&
          enrolmentRef.current.saleId === saleRef.current?.id
        ) {
          // The request on the phone is for the customer on the sale; another one now would cross them.
          setMessage({
            tone: 'error',
            text: 'A membership request is waiting on the customer’s phone: wait for the answer, or cancel it, before changing the customer.',
          })
          return
        }
        change(
          (current) => api<Sale>('PUT', salePath(current, '/customer'), { personalQr: scanned.content }),
          {
            success: (_, after) => ({
              tone: 'info',
              text: `Customer: ${after.customer?.display ?? 'identified'}`,
            }),
          },
        )
        return
      default: {
        const unknown: never = scanned
        throw new Error(`unhandled scan ${JSON.stringify(unknown)}`)
      }
    }
  }

  function onScanSubmit(event: Event) {
    event.preventDefault()
    const input = scanRef.current
    if (!input) return
    // Read and cleared at once, before the till answers: the scanner may already be typing the next code.
    const text = input.value
    input.value = ''
    scan(text)
  }

  function addProduct(product: Product) {
    change((current) => api<Sale>('POST', salePath(current, '/lines'), { productId: product.id }), {
      editsCart: true,
      success: (before, after) => {
        const line = addedLine(before, after)
        return { tone: 'info', text: `Added ${line?.name ?? product.name}` }
      },
    })
  }

  const cartActions: CartActions = {
    changeQuantity: (line, quantity) =>
      change(
        (current) =>
          api<Sale>('PATCH', salePath(current, `/lines/${encodeURIComponent(line.id)}`), { quantity }),
        { editsCart: true },
      ),
    remove: (line) =>
      change((current) => api<Sale>('DELETE', salePath(current, `/lines/${encodeURIComponent(line.id)}`)), {
        editsCart: true,
        success: () => ({ tone: 'info', text: `Removed ${line.name}` }),
      }),
    setDiscount: async (line, discount) => {
      setPending((n) => n + 1)
      try {
        const after = await enqueue(() =>
          api<Sale>(
            'PUT',
            salePath(currentSale(), `/lines/${encodeURIComponent(line.id)}/discount`),
            discount,
          ),
        )
        showSale(after, 'answer')
        return undefined
      } catch (error) {
        return messageOf(error)
      } finally {
        setPending((n) => n - 1)
      }
    },
    removeDiscount: (line) =>
      change(
        (current) => api<Sale>('DELETE', salePath(current, `/lines/${encodeURIComponent(line.id)}/discount`)),
        { editsCart: true },
      ),
  }

  function sendToPhone() {
    change(async (current) => {
      const answer = await api<{ attempt: PaymentAttempt }>('POST', salePath(current, '/payment'))
      setDismissedAttempt(null)
      showAttempt(answer.attempt)
      return api<Sale>('GET', salePath(current))
    })
  }

  function cancelPayment() {
    change(async (current) => {
      const answer = await api<{ attempt: PaymentAttempt }>('POST', salePath(current, '/payment/cancel'))
      showAttempt(answer.attempt)
      return api<Sale>('GET', salePath(current))
    })
  }

  function newSale() {
    change(() => api<Sale>('POST', '/api/sales')).then((opened) => {
      if (opened) {
        attemptRef.current = null
        setAttempt(null)
        forgetEnrolment()
      }
    })
  }

  /** Sends the membership request to the customer's phone. */
  function enrol() {
    // What happens now replaces the last request's result.
    forgetEnrolment()
    setPending((n) => n + 1)
    enqueue(() =>
      api<Enrolment>('POST', '/api/club/enrolments', { saleId: currentSale().id }).then((started) => {
        showEnrolment(started)
      }),
    )
      .catch((error: unknown) =>
        setEnrolmentProblem(`The membership request was not sent: ${messageOf(error)}`),
      )
      .finally(() => setPending((n) => n - 1))
  }

  function cancelEnrolment() {
    const current = enrolmentRef.current
    if (!current) return
    setEnrolmentProblem(undefined)
    setPending((n) => n + 1)
    const path = `/api/club/enrolments/${encodeURIComponent(current.id)}`
    enqueue(async () => {
      try {
        showEnrolment(await api<Enrolment>('POST', `${path}/cancel`))
      } catch (error) {
        // The customer answered first: show what they answered.
        if (error instanceof ApiError && error.code === 'ENROLMENT_FINISHED') {
          showEnrolment(await api<Enrolment>('GET', path))
        } else throw error
      }
    })
      .catch((error: unknown) =>
        setEnrolmentProblem(`The membership request could not be cancelled: ${messageOf(error)}`),
      )
      .finally(() => {
        setPending((n) => n - 1)
        focusScan()
      })
  }

  function voidSale() {
    setConfirmVoid(false)
    change(
      async (current) => {
        await api<Sale>('POST', salePath(current, '/void'))
        return api<Sale>('POST', '/api/sales')
      },
      { success: () => ({ tone: 'info', text: 'The sale was voided. A new sale is open.' }) },
    )
  }

  const shownAttempt =
    attempt && sale && attempt.saleId === sale.id && attempt.id !== dismissedAttempt ? attempt : null
  const phase = shownAttempt ? phaseOf(shownAttempt.state) : undefined

  // When the payment ends the till changes the sale too (paid, or open again); fetch it if no live event did.
  useEffect(() => {
    const current = saleRef.current
    if (!current || !shownAttempt) return
    const settled =
      (phase === 'registered' && current.state !== 'paid') ||
      (phase === 'ended' && current.state === 'awaiting_payment')
    if (!settled) return
    enqueue(() => api<Sale>('GET', salePath(current)))
      .then((fresh) => showSale(fresh, 'answer'))
      .catch(() => undefined)
  }, [shownAttempt?.id, shownAttempt?.state])

  // An accepted enrolment makes the customer a member: fetch the sale if no live event brought it.
  useEffect(() => {
    const current = saleRef.current
    if (!current || enrolment?.state !== 'accepted' || current.customer?.member) return
    enqueue(() => api<Sale>('GET', salePath(current)))
      .then((fresh) => showSale(fresh, 'answer'))
      .catch(() => undefined)
  }, [enrolment?.id, enrolment?.state])

  // An enrolment belongs to the customer it was sent to: another customer on the sale closes it.
  const customerMsisdn = sale?.customer?.msisdn
  useEffect(() => {
    if (enrolmentRef.current && enrolmentRef.current.state !== 'waiting') forgetEnrolment()
    else setEnrolmentProblem(undefined)
  }, [customerMsisdn])

  // Without live events, ask for the enrolment's state while the customer has not answered.
  useEffect(() => {
    if (live === 'live' || enrolment?.state !== 'waiting') return
    const path = `/api/club/enrolments/${encodeURIComponent(enrolment.id)}`
    const timer = setInterval(() => {
      api<Enrolment>('GET', path)
        .then(showEnrolment)
        .catch(() => undefined)
    }, POLL_WITHOUT_LIVE_MS)
    return () => clearInterval(timer)
  }, [live, enrolment?.id, enrolment?.state])

  // The safety net when the live events are down: ask for the payment's state while it is under way.
  useEffect(() => {
    if (live === 'live' || !shownAttempt || (phase !== 'working' && phase !== 'waiting')) return
    const saleId = shownAttempt.saleId
    const timer = setInterval(() => {
      api<{ attempt: PaymentAttempt }>('GET', `/api/sales/${encodeURIComponent(saleId)}/payment`)
        .then((answer) => showAttempt(answer.attempt))
        .catch(() => undefined)
    }, POLL_WITHOUT_LIVE_MS)
    return () => clearInterval(timer)
  }, [live, shownAttempt?.id, phase])

  if (!sale) {
    return (
      <main class="sale-screen" aria-busy={openProblem === undefined}>
        {openProblem ? (
          <div class="card">
            <p class="error" role="alert">
              The sale could not be opened: {openProblem}
            </p>
            <button type="button" class="primary big" onClick={openSale}>
              Try again
            </button>
          </div>
        ) : (
          <p class="loading">Opening the sale…</p>
        )}
      </main>
    )
  }

  const cartEditable = sale.state === 'open' && (phase === undefined || phase === 'ended')
  const customer = sale.customer ?? null
  // An enrolment of a sale no longer on screen (voided, or a new sale) has had its day.
  const shownEnrolment = enrolment && (enrolment.saleId ?? sale.id) === sale.id ? enrolment : null
  const enrolling = shownEnrolment?.state === 'waiting'
  const canSend = sale.state === 'open' && sale.lines.length > 0 && customer !== null && !enrolling
  const whyNotSend =
    sale.lines.length === 0
      ? 'Add products to the sale first.'
      : customer === null
        ? 'Identify the customer first: scan their QR code or type their number.'
        : enrolling
          ? 'Wait for the customer’s answer to the membership request, or cancel it.'
          : undefined

  return (
    <main class="sale-screen" aria-busy={pending > 0} data-sale-state={sale.state} data-live={live}>
      <div class="sale-main">
        <form class="card scan" onSubmit={onScanSubmit} aria-labelledby="scan-label">
          <label id="scan-label" for="scan">
            Scan a product or the customer’s QR code
          </label>
          <div class="scan-row">
            <input
              id="scan"
              ref={scanRef}
              name="scan"
              autocomplete="off"
              autocapitalize="off"
              spellcheck={false}
              enterKeyHint="enter"
              data-testid="scan-input"
              aria-describedby="scan-message"
            />
            <button type="submit" class="primary">
              Add
            </button>
          </div>
          <div id="scan-message" class="scan-message">
            <output data-testid="scan-info">{message?.tone === 'info' ? message.text : ''}</output>
            <p role="alert" class="error" data-testid="scan-error">
              {message?.tone === 'error' ? message.text : ''}
            </p>
          </div>
        </form>

        {/* Above the cart, so it stays in reach however long the cart grows. */}
        {cartEditable && <ProductSearch onAdd={addProduct} onScan={scan} />}

        <Cart sale={sale} editable={cartEditable} manager={manager} actions={cartActions} />

        {cartEditable && sale.lines.length > 0 && (
          <div class="void-sale">
            {confirmVoid ? (
              <>
                <span>Void the whole sale?</span>
                <button type="button" class="danger" onClick={voidSale}>
                  Yes, void it
                </button>
                <button type="button" class="secondary" onClick={() => setConfirmVoid(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" class="secondary" onClick={() => setConfirmVoid(true)}>
                Void sale
              </button>
            )}
          </div>
        )}
      </div>

      <aside class="sale-side" aria-label="Payment">
        <Totals sale={sale} />
        {shownAttempt && phase !== 'ended' ? null : (
          <CustomerPanel
            customer={customer}
            editable={sale.state === 'open' && !enrolling}
            identifyByPhone={async (phoneNumber) => {
              // Not through `change`: a wrong number is shown beside the number field, not as a scan message.
              const after = await enqueue(() =>
                api<Sale>('PUT', salePath(currentSale(), '/customer'), { phoneNumber }),
              )
              showSale(after, 'answer')
              setMessage(null)
            }}
            onCameraScan={(content) => scan(content)}
            remove={() => change((current) => api<Sale>('DELETE', salePath(current, '/customer')))}
          >
            {customer && (
              <ClubStatus
                customer={customer}
                enrolment={shownEnrolment}
                canEnrol={sale.state === 'open'}
                busy={pending > 0}
                problem={enrolmentProblem}
                onEnrol={enrol}
                onCancel={cancelEnrolment}
                onDismiss={() => {
                  forgetEnrolment()
                  focusScan()
                }}
              />
            )}
          </CustomerPanel>
        )}
        {shownAttempt ? (
          <PaymentPanel
            sale={sale}
            attempt={shownAttempt}
            busy={pending > 0}
            onCancel={cancelPayment}
            onSendAgain={sendToPhone}
            onDismiss={() => {
              setDismissedAttempt(shownAttempt.id)
              focusScan()
            }}
            onNewSale={newSale}
          />
        ) : (
          <section class="card pay" aria-labelledby="pay-title">
            <h2 id="pay-title" class="visually-hidden">
              Pay
            </h2>
            <button
              type="button"
              class="primary huge"
              disabled={!canSend || pending > 0}
              onClick={sendToPhone}
            >
              Send to phone · {formatMoney(sale.totals.grossAmount, sale.currency)}
            </button>
            {whyNotSend && <p class="hint">{whyNotSend}</p>}
          </section>
        )}
      </aside>
    </main>
  )
}
