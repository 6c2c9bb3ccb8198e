/**
 * The consents a merchant collects through Login's `delegatedConsents` scope:
 * the merchant's consent screen (configurable per merchant, Norwegian by
 * default), the user's answers to it, and how userinfo shows both.
 */
import type { DelegatedConsents } from '@kasse/vipps'
import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import {
  CONSENT_IDS,
  type ConsentId,
  type MerchantConfig,
  type MerchantConsent,
  type MerchantConsentTexts,
} from '../config.ts'
import { invalidField } from '../http/problem.ts'

/** Only web links: the phone page puts these in `href`, where `javascript:` would run. */
const WEB_URL = '^https?://[^\\s]+$'

/** The control API's body for a merchant's consent screen; also checks texts from a config file. */
export const ConsentTextsSchema = Type.Object(
  {
    language: Type.String({ minLength: 2, maxLength: 5 }),
    heading: Type.String({ minLength: 1, maxLength: 200 }),
    text: Type.String({ maxLength: 1000 }),
    termsDescription: Type.String({ maxLength: 1000 }),
    confirmConsentButtonText: Type.String({ minLength: 1, maxLength: 50 }),
    links: Type.Record(Type.String({ maxLength: 50 }), Type.String({ maxLength: 2000 }), {
      maxProperties: 10,
    }),
    consents: Type.Array(
      Type.Object(
        {
          id: Type.Union(CONSENT_IDS.map((id) => Type.Literal(id))),
          required: Type.Boolean(),
          textDisplayedToUser: Type.String({ minLength: 1, maxLength: 300 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: CONSENT_IDS.length },
    ),
  },
  { additionalProperties: false },
)
export type ConsentTextsBody = Static<typeof ConsentTextsSchema>

/**
 * What the schema cannot say: each consent once, and link URLs (the keys
 * ending in `Url`) only http(s). Throws a 400 naming the field.
 */
export function checkConsentTexts(texts: MerchantConsentTexts): void {
  const seen = new Set<ConsentId>()
  texts.consents.forEach((consent, i) => {
    if (seen.has(consent.id)) throw invalidField(`consents.${i}.id`, `${consent.id} is listed twice`)
    seen.add(consent.id)
  })
  for (const [name, value] of Object.entries(texts.links)) {
    if (/url$/i.test(name) && !new RegExp(WEB_URL).test(value)) {
      throw invalidField(`links.${name}`, 'must be an http(s) URL')
    }
  }
}

/** The default consent screen: e-mail and SMS offers optional, club membership with tailored offers required. */
export function defaultConsentTexts(merchantName: string): MerchantConsentTexts {
  return {
    language: 'NO',
    heading: 'Bli medlem',
    text: `${merchantName} vil gjerne sende deg relevante tilbud og gi deg medlemsfordeler.`,
    termsDescription: `Ved å bekrefte godtar du medlemsvilkårene til ${merchantName}. ${merchantName} er ansvarlig for behandlingen av samtykkene. Du kan trekke dem tilbake når som helst.`,
    confirmConsentButtonText: 'Bekreft',
    links: {
      termsLinkText: 'Les medlemsvilkårene.',
      termsLinkUrl: 'https://example.no/medlemsvilkar',
      privacyStatementLinkText: 'Les personvernerklæringen.',
      privacyStatementLinkUrl: 'https://example.no/personvern',
    },
    consents: [
      { id: 'personal', required: true, textDisplayedToUser: 'Bli medlem og få tilbud tilpasset deg' },
      { id: 'email', required: false, textDisplayedToUser: 'Motta tilbud på e-post' },
      { id: 'sms', required: false, textDisplayedToUser: 'Motta tilbud på SMS' },
    ],
  }
}

/** A deep copy, so a login keeps the screen its user saw even if the merchant's texts change later. */
export const copyConsentTexts = (texts: MerchantConsentTexts): MerchantConsentTexts => ({
  ...texts,
  links: { ...texts.links },
  consents: texts.consents.map((consent) => ({ ...consent })),
})

/**
 * Each merchant's consent screen: set through the control API, else from the
 * merchant's config, else the defaults. Control API changes last until reset.
 */
export class ConsentScreens {
  private overrides = new Map<string, MerchantConsentTexts>()

  /** The screen the merchant's users see now. */
  forMerchant(merchant: MerchantConfig): MerchantConsentTexts {
    const set = this.overrides.get(merchant.msn)
    if (set) return copyConsentTexts(set)
    // A merchant added at run time may carry texts nobody checked; fall back rather than show nonsense.
    if (merchant.consents && isValidConsentTexts(merchant.consents))
      return copyConsentTexts(merchant.consents)
    return defaultConsentTexts(merchant.name)
  }

  set(msn: string, texts: MerchantConsentTexts): void {
    checkConsentTexts(texts)
    this.overrides.set(msn, copyConsentTexts(texts))
  }

  reset(): void {
    this.overrides.clear()
  }
}

/** Whether texts (say, from a config file) are a consent screen the sandbox can show. */
export function isValidConsentTexts(texts: unknown): texts is MerchantConsentTexts {
  if (!Value.Check(ConsentTextsSchema, texts)) return false
  try {
    checkConsentTexts(texts as MerchantConsentTexts)
    return true
  } catch {
    return false
  }
}

/** The user's answer: which consents they gave, by id. */
export type ConsentAnswers = Partial<Record<ConsentId, boolean>>

/**
 * The answers a user gives by accepting: what they ticked, required ones
 * always given (accepting means agreeing to them). Refuses an id the screen
 * did not ask for, and a required consent declined (the user rejects the
 * login instead), each as a 400 naming the field.
 */
export function resolveAnswers(
  screen: MerchantConsentTexts,
  given: ConsentAnswers,
): Record<ConsentId, boolean> {
  const asked = new Map<string, MerchantConsent>(screen.consents.map((c) => [c.id, c]))
  for (const [id, accepted] of Object.entries(given)) {
    const consent = asked.get(id)
    if (!consent) throw invalidField(`consents.${id}`, 'was not asked for by this merchant')
    if (consent.required && accepted === false) {
      throw invalidField(
        `consents.${id}`,
        'is required: accepting the login gives it; reject the login instead',
      )
    }
  }
  const answers = {} as Record<ConsentId, boolean>
  for (const consent of screen.consents) answers[consent.id] = consent.required || given[consent.id] === true
  return answers
}

/** Userinfo's `delegatedConsents`: the screen the user saw, their answers and when they gave them. */
export function delegatedConsents(
  screen: MerchantConsentTexts,
  answers: Record<ConsentId, boolean>,
  answeredAt: number,
): DelegatedConsents {
  return {
    language: screen.language,
    heading: screen.heading,
    text: screen.text,
    termsDescription: screen.termsDescription,
    confirmConsentButtonText: screen.confirmConsentButtonText,
    links: { ...screen.links },
    // Whole seconds, as the platform's example (`2022-11-23T11:40:13Z`).
    timeOfConsent: new Date(Math.floor(answeredAt / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    consents: screen.consents.map((consent) => ({
      id: consent.id,
      accepted: answers[consent.id] === true,
      required: consent.required,
      textDisplayedToUser: consent.textDisplayedToUser,
    })),
  }
}
