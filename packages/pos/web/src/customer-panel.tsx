/**
 * Who pays: the customer's personal QR code (scanned into the scan field, or
 * read with this device's camera), or their mobile number typed in. The till
 * checks the number and says what is wrong with it; the request later goes to
 * that phone. Under an identified customer, the sale screen shows their club
 * membership.
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError, messageOf } from './api.ts'
import type { SaleCustomer } from './api-types.ts'
import { CameraScanner, useHasCamera } from './camera-scanner.tsx'

export interface CustomerPanelProps {
  customer: SaleCustomer | null
  editable: boolean
  /** Sets the customer from a typed number; rejects with the till's error. */
  identifyByPhone(phoneNumber: string): Promise<void>
  /** Handles what the camera read as a scan (a QR code's content). */
  onCameraScan(content: string): void
  remove(): void
  /** Shown under an identified customer (their club membership). */
  children?: ComponentChildren
}

export function CustomerPanel(props: CustomerPanelProps) {
  const [phoneNumber, setPhoneNumber] = useState('')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [camera, setCamera] = useState(false)
  const hasCamera = useHasCamera()

  useEffect(() => {
    if (props.customer) setProblem(undefined)
  }, [props.customer?.msisdn])

  async function submit(event: Event) {
    event.preventDefault()
    if (phoneNumber.trim() === '') {
      setProblem('Type the customer’s mobile number')
      return
    }
    setBusy(true)
    try {
      await props.identifyByPhone(phoneNumber)
      setPhoneNumber('')
      setProblem(undefined)
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : messageOf(error))
    } finally {
      setBusy(false)
    }
  }

  if (props.customer) {
    return (
      <section class="card customer" aria-labelledby="customer-title">
        <h2 id="customer-title">Customer</h2>
        <p class="customer-who">
          <strong data-testid="customer">{props.customer.display}</strong>{' '}
          <span class="hint">{props.customer.source === 'qr' ? 'from their QR code' : 'typed in'}</span>
        </p>
        {props.children}
        {props.editable && (
          <button type="button" class="secondary" onClick={props.remove}>
            Change customer
          </button>
        )}
      </section>
    )
  }

  return (
    <section class="card customer" aria-labelledby="customer-title">
      <h2 id="customer-title">Customer</h2>
      <p class="hint">Scan the customer’s Vipps MobilePay QR code, or type their mobile number.</p>
      <form class="inline-form" onSubmit={submit} noValidate>
        <label class="field">
          <span>Mobile number</span>
          <input
            type="tel"
            name="phoneNumber"
            autocomplete="off"
            placeholder="912 34 567"
            value={phoneNumber}
            disabled={!props.editable}
            aria-invalid={problem !== undefined}
            aria-describedby={problem ? 'phone-problem' : undefined}
            onInput={(e) => setPhoneNumber(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="secondary" disabled={busy || !props.editable}>
          Use number
        </button>
      </form>
      {problem && (
        <p class="error" id="phone-problem" role="alert" data-testid="phone-error">
          {problem}
        </p>
      )}
      {hasCamera && props.editable && (
        <button type="button" class="secondary" onClick={() => setCamera(true)}>
          Scan QR with the camera
        </button>
      )}
      {camera && (
        <CameraScanner
          onResult={(content) => {
            setCamera(false)
            props.onCameraScan(content)
          }}
          onClose={() => setCamera(false)}
        />
      )}
    </section>
  )
}
