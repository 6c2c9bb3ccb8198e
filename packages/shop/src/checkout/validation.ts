/**
 * The checkout form, checked field by field. Every problem is kept (the page
 * shows each beside its field), each naming its field; nothing is stored
 * until the whole form is right.
 */
import type { CheckoutDetails } from '../orders/service.ts'
import type { FormBody } from '../web/http.ts'
import { findShippingMethod } from './shipping.ts'

export const CHECKOUT_FIELDS = [
  'name',
  'email',
  'phone',
  'addressLine1',
  'addressLine2',
  'postalCode',
  'city',
  'shippingMethodId',
] as const
export type CheckoutField = (typeof CHECKOUT_FIELDS)[number]

export type CheckoutErrors = Partial<Record<CheckoutField, string>>

export type CheckoutValidation =
  | { ok: true; details: CheckoutDetails }
  | { ok: false; errors: CheckoutErrors; values: Partial<Record<CheckoutField, string>> }

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** A Norwegian mobile number as typed ("912 34 567", "+47 91234567") → 8 digits, or undefined. */
export function norwegianMobile(text: string): string | undefined {
  const digits = text.replace(/[\s\-().]/g, '').replace(/^(\+47|0047)/, '')
  return /^\d{8}$/.test(digits) ? digits : undefined
}

/**
 * @example
 * validateCheckout({ name: 'Kari Nordmann', email: 'kari@example.no', phone: '912 34 567',
 *   addressLine1: 'Storgata 1', postalCode: '0155', city: 'Oslo', shippingMethodId: 'pickup-point' })
 * // { ok: true, details: { …, phone: '4791234567' } }
 */
export function validateCheckout(body: FormBody): CheckoutValidation {
  const values: Partial<Record<CheckoutField, string>> = {}
  for (const field of CHECKOUT_FIELDS) values[field] = (body[field] ?? '').trim().slice(0, 200)
  const errors: CheckoutErrors = {}
  const need = (field: CheckoutField, message: string) => {
    if (!values[field]) errors[field] = message
  }
  need('name', 'Skriv inn fullt navn')
  need('addressLine1', 'Skriv inn gateadresse')
  need('city', 'Skriv inn poststed')
  if (!EMAIL.test(values.email ?? '')) errors.email = 'Skriv inn en gyldig e-postadresse'
  const mobile = norwegianMobile(values.phone ?? '')
  if (!mobile) errors.phone = 'Skriv inn et norsk mobilnummer med 8 siffer'
  if (!/^\d{4}$/.test(values.postalCode ?? '')) errors.postalCode = 'Postnummer er fire siffer'
  if (!findShippingMethod(values.shippingMethodId ?? '', values.postalCode)) {
    errors.shippingMethodId = 'Velg en leveringsmåte'
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors, values }
  return {
    ok: true,
    details: {
      name: values.name!,
      email: values.email!,
      phone: `47${mobile}`,
      addressLine1: values.addressLine1!,
      ...(values.addressLine2 ? { addressLine2: values.addressLine2 } : {}),
      postalCode: values.postalCode!,
      city: values.city!,
      shippingMethodId: values.shippingMethodId!,
    },
  }
}
