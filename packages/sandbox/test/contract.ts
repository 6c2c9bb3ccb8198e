/**
 * Contract checking against the official specs in `../shared/specs` (read from
 * there, never copied): every response a test sandbox gives is validated against
 * the schema the spec declares for its path, method and status. Responses the
 * spec does not declare (a 404 on GET payment, a 429) are checked against the
 * API's Problem schema when they are problem+json; gateway refusals (401/403/429
 * from APIM) are in the gateway's own format, which no spec describes.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import { parse } from 'yaml'

const here = dirname(fileURLToPath(import.meta.url))
/** `../shared/specs` beside the repository, or KASSE_SPECS_DIR. */
export const SPECS_DIR = process.env.KASSE_SPECS_DIR ?? resolve(here, '../../../../shared/specs')

/**
 * Places where the official spec is known to be wrong (research/vipps-api.md §2),
 * each corrected before validation. The test in contract.test.ts checks that each
 * bug is still in the spec, so a fixed spec makes that test fail and this go.
 */
export const KNOWN_SPEC_BUGS = [
  {
    spec: 'epayment-v1.yaml',
    name: 'PaymentEvent requires `paymentAction`, a field removed in v1.2.1; the platform sends `name`',
    isPresent: (doc: SpecDoc) => schemaOf(doc, 'PaymentEvent').required?.includes('paymentAction') === true,
    fix: (doc: SpecDoc) => {
      const schema = schemaOf(doc, 'PaymentEvent')
      schema.required = [...(schema.required ?? []).filter((r) => r !== 'paymentAction'), 'name']
    },
  },
  {
    spec: 'access-token-v1.yaml',
    name: 'access_token declares format "byte" (base64), but the platform issues a JWT, whose dots are not base64',
    isPresent: (doc: SpecDoc) =>
      propertyOf(doc, 'AuthorizationTokenResponse', 'access_token').format === 'byte',
    fix: (doc: SpecDoc) => {
      delete propertyOf(doc, 'AuthorizationTokenResponse', 'access_token').format
    },
  },
  {
    spec: 'login-v1.yaml',
    name: 'OauthTokenResponse types id_token as an integer; it is a JWS (a string), as its own example shows',
    isPresent: (doc: SpecDoc) => propertyOf(doc, 'OauthTokenResponse', 'id_token').type === 'integer',
    fix: (doc: SpecDoc) => {
      const idToken = propertyOf(doc, 'OauthTokenResponse', 'id_token')
      idToken.type = 'string'
      delete idToken.format
    },
  },
  {
    spec: 'userinfo-v2.yaml',
    name: 'phone_number requires 15 digits (^\\d{15}$), contradicting its own example 4791234567; an MSISDN is 10 to 15',
    isPresent: (doc: SpecDoc) => propertyOf(doc, 'Userinfo', 'phone_number').pattern === '^\\d{15}$',
    fix: (doc: SpecDoc) => {
      propertyOf(doc, 'Userinfo', 'phone_number').pattern = '^\\d{10,15}$'
    },
  },
  {
    spec: 'userinfo-v2.yaml',
    name: 'UserinfoAddress.country gives its regular expression as a "format", which no validator knows; it is a pattern',
    isPresent: (doc: SpecDoc) => propertyOf(doc, 'UserinfoAddress', 'country').format === '^[A-Z]{2}$',
    fix: (doc: SpecDoc) => {
      const country = propertyOf(doc, 'UserinfoAddress', 'country')
      delete country.format
      country.pattern = '^[A-Z]{2}$'
    },
  },
  {
    spec: 'userinfo-v2.yaml',
    name: 'the Login flow path is /vipps-userinfo-api/userinfo/ with a trailing slash; the guides and clients call it without',
    isPresent: (doc: SpecDoc) =>
      doc.paths['/vipps-userinfo-api/userinfo/'] !== undefined &&
      doc.paths['/vipps-userinfo-api/userinfo'] === undefined,
    fix: (doc: SpecDoc) => {
      doc.paths['/vipps-userinfo-api/userinfo'] = doc.paths['/vipps-userinfo-api/userinfo/']!
    },
  },
  {
    spec: 'report-v2.yaml',
    name: 'Transaction declares format "DateTime" on time and "Date in YYYY-MM-DD format." on ledgerDate, which are not formats; they mean date-time and date',
    isPresent: (doc: SpecDoc) =>
      propertyOf(doc, 'Transaction', 'time').format === 'DateTime' &&
      propertyOf(doc, 'Transaction', 'ledgerDate').format === 'Date in YYYY-MM-DD format.',
    fix: (doc: SpecDoc) => {
      propertyOf(doc, 'Transaction', 'time').format = 'date-time'
      propertyOf(doc, 'Transaction', 'ledgerDate').format = 'date'
    },
  },
  {
    spec: 'ecom-v2.yaml',
    name: 'AddressExpress (the express callback) requires postCode but declares only zipCode ("apologies for not using postCode"); either is taken',
    isPresent: (doc: SpecDoc) => {
      const schema = schemaOf(doc, 'AddressExpress')
      const properties = schema.properties as Record<string, unknown>
      return (
        schema.required?.includes('postCode') === true &&
        !('postCode' in properties) &&
        'zipCode' in properties
      )
    },
    fix: (doc: SpecDoc) => {
      const schema = schemaOf(doc, 'AddressExpress')
      schema.required = (schema.required ?? []).filter((r) => r !== 'postCode')
      schema.anyOf = [{ required: ['postCode'] }, { required: ['zipCode'] }]
    },
  },
  {
    spec: 'ecom-v2.yaml',
    name: 'ShippingCostAndMethod.addressType has the pattern ^\\[A-Z]$ (a literal "[A-Z]"), contradicting its own enum H, W, O',
    isPresent: (doc: SpecDoc) =>
      propertyOf(doc, 'ShippingCostAndMethod', 'addressType').pattern === '^\\[A-Z]$',
    fix: (doc: SpecDoc) => {
      delete propertyOf(doc, 'ShippingCostAndMethod', 'addressType').pattern
    },
  },
] as const

type JsonSchema = { required?: string[]; [key: string]: unknown }
export type SpecDoc = {
  servers?: Array<{ url: string }>
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>
  components?: { schemas?: Record<string, JsonSchema>; responses?: Record<string, unknown> }
}

function schemaOf(doc: SpecDoc, name: string): JsonSchema {
  const schema = doc.components?.schemas?.[name]
  if (!schema) throw new Error(`spec has no schema ${name}`)
  return schema
}

function propertyOf(doc: SpecDoc, schema: string, property: string): JsonSchema {
  const properties = schemaOf(doc, schema).properties as Record<string, JsonSchema> | undefined
  const found = properties?.[property]
  if (!found) throw new Error(`spec schema ${schema} has no property ${property}`)
  return found
}

export function loadSpec(file: string): SpecDoc {
  const path = join(SPECS_DIR, file)
  if (!existsSync(path)) {
    throw new Error(
      `The official spec ${path} is missing: the contract tests read ../shared/specs (or KASSE_SPECS_DIR)`,
    )
  }
  return parse(readFileSync(path, 'utf8')) as SpecDoc
}

/** Which spec describes which path prefix of the sandbox. */
const SPEC_FOR_PREFIX: Array<[string, string]> = [
  ['/epayment/v1/', 'epayment-v1.yaml'],
  ['/webhooks/v1/', 'webhooks-v1.yaml'],
  ['/qr/v1/', 'qr-v1.yaml'],
  ['/accesstoken/get', 'access-token-v1.yaml'],
  ['/ecomm/v2/', 'ecom-v2.yaml'],
  ['/settlement/v1/', 'report-v2.yaml'],
  ['/report/v2/', 'report-v2.yaml'],
  // The CIBA endpoint (/vipps-login-ciba/) is in no spec.
  ['/access-management-1.0/', 'login-v1.yaml'],
  ['/vipps-userinfo-api/', 'userinfo-v2.yaml'],
]

// ePayment's receipt refers to Order Management 2.3.24 by URL; resolve it locally.
const ORDER_MANAGEMENT_URL =
  'https://raw.githubusercontent.com/vippsas/vipps-order-management-api/2.3.24/docs/swagger.yaml'

class ContractChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
  private readonly docs = new Map<string, SpecDoc>()
  private readonly cache = new Map<string, ValidateFunction | null>()

  constructor() {
    const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
    addFormats(this.ajv)
    this.ajv.addSchema(loadSpec('order-management-2.3.24.yaml') as object, ORDER_MANAGEMENT_URL)
    for (const [, file] of SPEC_FOR_PREFIX) {
      // One spec may describe several prefixes (report-v2: /settlement and /report).
      if (this.docs.has(file)) continue
      const doc = loadSpec(file)
      for (const bug of KNOWN_SPEC_BUGS) if (bug.spec === file) bug.fix(doc)
      this.docs.set(file, doc)
      this.ajv.addSchema(doc as object, file)
    }
  }

  /** Returns what is wrong with a response, or undefined when it matches the spec. */
  check(
    method: string,
    routeUrl: string,
    status: number,
    contentType: string,
    body: unknown,
  ): string | undefined {
    const entry = SPEC_FOR_PREFIX.find(([prefix]) => routeUrl.startsWith(prefix))
    if (!entry) return undefined
    const [, file] = entry
    // Some specs' paths are relative to their server URL (`https://api.vipps.no/qr` + `/v1/exchange`).
    const base = new URL(this.docs.get(file)!.servers?.[0]?.url ?? 'https://api.vipps.no').pathname
    const relative = routeUrl.slice(base.replace(/\/$/, '').length)
    const specPath = relative.replace(/:(\w+)/g, '{$1}')
    const declared = this.docs.get(file)!.paths[specPath]?.[method.toLowerCase()]?.responses?.[String(status)]
    // Gateway refusals come from APIM, not the API: their format is {statusCode, message}.
    // eCom answers its own refusals, 403 included, as an error list: that is not the gateway's.
    const ownList = Array.isArray(body)
    if (!declared && !ownList && !contentType.includes('problem+json') && [401, 403, 429].includes(status)) {
      const ok = typeof body === 'object' && body !== null && 'statusCode' in body && 'message' in body
      return ok
        ? undefined
        : `${status} gateway refusal is not {statusCode, message}: ${JSON.stringify(body)}`
    }
    const validate = this.validator(file, specPath, method.toLowerCase(), status, contentType)
    if (validate === null) return undefined
    if (validate(body)) return undefined
    return `${method} ${routeUrl} ${status} does not match ${file}: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`
  }

  private validator(file: string, path: string, method: string, status: number, contentType: string) {
    const key = `${file} ${method} ${path} ${status} ${contentType.includes('problem')}`
    if (this.cache.has(key)) return this.cache.get(key)!
    const doc = this.docs.get(file)!
    let ref: string | undefined
    const responses = doc.paths[path]?.[method]?.responses
    // eCom declares its errors once, as the `default` response, for every error status.
    const declared = (responses?.[String(status)] ?? (status >= 400 ? responses?.default : undefined)) as
      | Declared
      | undefined
    if (declared) {
      const name = declared.$ref?.split('/').pop()
      const response = name ? (doc.components?.responses?.[name] as Declared) : declared
      const base = name
        ? `${file}#/components/responses/${name}`
        : `${file}#/paths/${pointer(path)}/${method}/responses/${responses?.[String(status)] ? status : 'default'}`
      const type = Object.keys(response?.content ?? {})[0]
      if (type) ref = `${base}/content/${pointer(type)}/schema`
    } else if (contentType.includes('problem+json') && doc.components?.schemas?.Problem) {
      ref = `${file}#/components/schemas/Problem`
    }
    const validate = ref ? this.ajv.compile({ $ref: ref }) : null
    this.cache.set(key, validate)
    return validate
  }
}

type Declared = { $ref?: string; content?: Record<string, { schema?: unknown }> }

/** One JSON-pointer segment inside a URI fragment. */
const pointer = (segment: string) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))

let checker: ContractChecker | undefined

/**
 * Validates every response `app` sends against the specs, collecting what does
 * not match. Call before the app is ready; assert `violations` is empty after.
 */
export function attachContractCheck(app: FastifyInstance): { violations: string[]; checked: number } {
  checker ??= new ContractChecker()
  const result = { violations: [] as string[], checked: 0 }
  app.addHook('onSend', async (request, reply, payload) => {
    const routeUrl = request.routeOptions.url
    if (!routeUrl || typeof payload !== 'string' || payload === '') return payload
    const contentType = String(reply.getHeader('content-type') ?? '')
    if (!contentType.includes('json')) return payload
    const violation = checker!.check(
      request.method,
      routeUrl,
      reply.statusCode,
      contentType,
      JSON.parse(payload),
    )
    result.checked++
    if (violation) result.violations.push(violation)
    return payload
  })
  return result
}
