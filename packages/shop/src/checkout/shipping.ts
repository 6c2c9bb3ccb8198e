/**
 * How the shop ships, and what it costs where. The same methods serve regular
 * checkout (chosen on the checkout page) and Hurtigkasse (offered to Vipps
 * MobilePay for the user's address through the shipping details callback).
 */
import { lineAmounts } from '../money.ts'

export const SHIPPING_METHOD_IDS = ['pickup-point', 'home', 'store'] as const
export type ShippingMethodId = (typeof SHIPPING_METHOD_IDS)[number]

export interface ShippingMethod {
  id: ShippingMethodId
  name: string
  description: string
  /** Øre, VAT included. */
  price: number
  /** Shipping carries the standard rate. */
  vatRate: number
  isDefault: boolean
}

/** Norwegian postal codes from 8000 are Nordland, Troms and Finnmark: home delivery costs more there. */
const isNorthernNorway = (postalCode: string | undefined) =>
  postalCode !== undefined && /^\d{4}$/.test(postalCode) && Number(postalCode) >= 8000

/**
 * The methods offered for an address (its postal code), cheapest first with
 * the pickup point preselected.
 *
 * @example
 * shippingMethodsFor('0154').map((m) => [m.id, m.price]) // [['store', 0], ['pickup-point', 6900], ['home', 14900]]
 */
export function shippingMethodsFor(postalCode?: string): ShippingMethod[] {
  return [
    {
      id: 'store',
      name: 'Hent i butikken',
      description: 'Storgata 1, Oslo – klar neste virkedag',
      price: 0,
      vatRate: 2500,
      isDefault: false,
    },
    {
      id: 'pickup-point',
      name: 'Posten/Bring – til hentested',
      description: 'Hent pakken på nærmeste hentested, 1–3 virkedager',
      price: 6_900,
      vatRate: 2500,
      isDefault: true,
    },
    {
      id: 'home',
      name: 'Posten/Bring – levert hjem',
      description: 'Levert på døren på kvelden, 1–3 virkedager',
      price: isNorthernNorway(postalCode) ? 19_900 : 14_900,
      vatRate: 2500,
      isDefault: false,
    },
  ]
}

/** The method with this id for the address, or undefined. */
export function findShippingMethod(id: string, postalCode?: string): ShippingMethod | undefined {
  return shippingMethodsFor(postalCode).find((method) => method.id === id)
}

/** The shipping as an order line's amounts. */
export const shippingAmounts = (method: ShippingMethod) => lineAmounts(method.price, 1, method.vatRate)
