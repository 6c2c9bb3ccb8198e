/**
 * Who exists on the sandbox platform: merchants (sales units with their API
 * credentials) and users (people with the app). Seeded from config; the control
 * API adds and changes them at run time.
 */
import { CURRENCIES } from '@kasse/vipps'
import type { MerchantConfig, UserConfig } from '../config.ts'
import { invalidField } from '../http/problem.ts'

export type Merchant = MerchantConfig
export type User = UserConfig

export class Directory {
  private merchants = new Map<string, Merchant>()
  private users = new Map<string, User>()

  constructor(
    private readonly seedMerchants: Merchant[],
    private readonly seedUsers: User[],
  ) {
    this.reset()
  }

  reset(): void {
    this.merchants = new Map(this.seedMerchants.map((m) => [m.msn, { ...m }]))
    this.users = new Map(this.seedUsers.map((u) => [u.msisdn, { ...u, address: { ...u.address } }]))
  }

  merchant(msn: string): Merchant | undefined {
    return this.merchants.get(msn)
  }

  merchantBySubscriptionKey(key: string): Merchant | undefined {
    for (const m of this.merchants.values()) if (m.subscriptionKey === key) return m
    return undefined
  }

  merchantByClientId(clientId: string): Merchant | undefined {
    for (const m of this.merchants.values()) if (m.clientId === clientId) return m
    return undefined
  }

  listMerchants(): Merchant[] {
    return [...this.merchants.values()]
  }

  /** Adds a merchant or replaces the one with the same MSN. */
  upsertMerchant(merchant: Merchant): Merchant {
    if (!/^[0-9]{4,6}$/.test(merchant.msn)) throw invalidField('msn', 'must be 4 to 6 digits')
    if (!CURRENCIES.includes(merchant.currency))
      throw invalidField('currency', `must be one of ${CURRENCIES.join(', ')}`)
    for (const other of this.merchants.values()) {
      if (other.msn === merchant.msn) continue
      if (other.clientId === merchant.clientId) throw invalidField('clientId', 'is used by another merchant')
      if (other.subscriptionKey === merchant.subscriptionKey)
        throw invalidField('subscriptionKey', 'is used by another merchant')
    }
    this.merchants.set(merchant.msn, { ...merchant })
    return merchant
  }

  user(msisdn: string): User | undefined {
    return this.users.get(msisdn)
  }

  listUsers(): User[] {
    return [...this.users.values()]
  }

  /** Adds a user (a phone with the app) or replaces the one with the same MSISDN. */
  upsertUser(user: User): User {
    if (!/^\d{10,15}$/.test(user.msisdn))
      throw invalidField('msisdn', 'must be 10 to 15 digits (country code first)')
    this.users.set(user.msisdn, { ...user, address: { ...user.address } })
    return user
  }
}
