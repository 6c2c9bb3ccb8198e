/**
 * The transport's promises, against a scripted platform: tokens are fetched
 * once and refreshed in time, retries repeat only what is safe to repeat and
 * always with the same key, errors arrive as their own classes, and answers
 * that break the contract are caught at the field.
 */
import { describe, expect, it, vi } from 'vitest'
import { backoffDelay, parseRetryAfter } from '../src/client/retry.ts'
import {
  AccessTokenCache,
  CreatePaymentResponse,
  GetPaymentResponse,
  ModificationResponse,
  outcomeUnknown,
  RegisterWebhookResponse,
  VippsApiError,
  VippsClient,
  VippsConfigurationError,
  VippsEcomError,
  VippsGatewayError,
  VippsNetworkError,
  VippsOAuthError,
  VippsResponseValidationError,
  VippsTimeoutError,
  VippsUnexpectedResponseError,
} from '../src/index.ts'
import {
  CREDENTIALS,
  FakePlatform,
  FakeTime,
  fakeClient,
  fetchFailed,
  json,
  problem,
} from './helpers/fake-platform.ts'
import { modificationBody, paymentBody } from './helpers/fixtures.ts'

const REF = 'till1-000001'
const PAYMENT_PATH = `/epayment/v1/payments/${REF}`

describe('access token', () => {
  it('makes one token request for a hundred concurrent calls', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () =>
      json(200, paymentBody(REF), GetPaymentResponse),
    )
    const client = fakeClient(platform)
    const payments = await Promise.all(Array.from({ length: 100 }, () => client.epayment.get(REF)))
    expect(payments).toHaveLength(100)
    expect(platform.tokenRequests).toBe(1)
    const authorizations = new Set(
      platform.calls('GET', PAYMENT_PATH).map((r) => r.headers.get('authorization')),
    )
    expect(authorizations).toEqual(new Set(['Bearer token-1']))
  })

  it('keeps the shared token fetch going for the others when one caller gives up', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () =>
      json(200, paymentBody(REF), GetPaymentResponse),
    )
    const issue = platform.tokenHandler
    platform.on('POST', '/accesstoken/get', async (request, nth) => {
      await gate
      return issue(request, nth)
    })
    const client = fakeClient(platform)
    const impatient = new AbortController()
    const givingUp = client.epayment.get(REF, { signal: impatient.signal })
    const waiting = client.epayment.get(REF)
    impatient.abort(new Error('cashier cancelled'))
    await expect(givingUp).rejects.toThrow('cashier cancelled')
    release()
    expect((await waiting).reference).toBe(REF)
    expect(platform.tokenRequests).toBe(1)
  })

  it('sends the credentials as headers to the token endpoint only', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () =>
      json(200, paymentBody(REF), GetPaymentResponse),
    )
    await fakeClient(platform, new FakeTime(), { system: { name: 'kasse', version: '0.1.0' } }).epayment.get(
      REF,
    )
    const [token, get] = platform.requests
    expect(token!.headers.get('client_id')).toBe(CREDENTIALS.clientId)
    expect(token!.headers.get('client_secret')).toBe(CREDENTIALS.clientSecret)
    expect(token!.headers.get('ocp-apim-subscription-key')).toBe(CREDENTIALS.subscriptionKey)
    expect(get!.headers.get('client_secret')).toBeNull()
    expect(get!.headers.get('authorization')).toBe('Bearer token-1')
    expect(get!.headers.get('ocp-apim-subscription-key')).toBe(CREDENTIALS.subscriptionKey)
    expect(get!.headers.get('merchant-serial-number')).toBe('123456')
    expect(get!.headers.get('vipps-system-name')).toBe('kasse')
    expect(get!.headers.get('vipps-system-version')).toBe('0.1.0')
  })

  it('refreshes the token before it expires, measured on the client clock', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () =>
      json(200, paymentBody(REF), GetPaymentResponse),
    )
    const time = new FakeTime()
    const client = fakeClient(platform, time, { tokenRefreshMarginMs: 60_000 })
    await client.epayment.get(REF)
    time.now += 3600_000 - 60_000 - 1
    await client.epayment.get(REF)
    expect(platform.tokenRequests).toBe(1)
    time.now += 2
    await client.epayment.get(REF)
    expect(platform.tokenRequests).toBe(2)
    expect(platform.calls('GET', PAYMENT_PATH).at(-1)!.headers.get('authorization')).toBe('Bearer token-2')
  })

  it('refreshes once on a 401 and repeats the call', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, (request) =>
      request.headers.get('authorization') === 'Bearer token-1'
        ? json(401, { statusCode: 401, message: 'Unauthorized. Access token is missing or invalid.' })
        : json(200, paymentBody(REF), GetPaymentResponse),
    )
    const payment = await fakeClient(platform).epayment.get(REF)
    expect(payment.state).toBe('AUTHORIZED')
    expect(platform.tokenRequests).toBe(2)
  })

  it('gives up after one refresh when the platform keeps refusing the token', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () =>
      json(401, { statusCode: 401, message: 'Unauthorized. Access token is missing or invalid.' }),
    )
    const error = await fakeClient(platform)
      .epayment.get(REF)
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsGatewayError)
    expect(error.status).toBe(401)
    expect(platform.tokenRequests).toBe(2)
    expect(platform.calls('GET', PAYMENT_PATH)).toHaveLength(2)
  })

  it('shares a token cache between clients with the same credentials, not with others', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () =>
      json(200, paymentBody(REF), GetPaymentResponse),
    )
    const tokenCache = new AccessTokenCache()
    const time = new FakeTime()
    await fakeClient(platform, time, { tokenCache }).epayment.get(REF)
    await fakeClient(platform, time, { tokenCache }).epayment.get(REF)
    expect(platform.tokenRequests).toBe(1)
    await fakeClient(platform, time, {
      tokenCache,
      credentials: { ...CREDENTIALS, msn: '654321' },
    }).epayment.get(REF)
    expect(platform.tokenRequests).toBe(2)
  })

  it('reports refused credentials as an OAuth error that carries no secret', async () => {
    const platform = new FakePlatform().on('POST', '/accesstoken/get', () =>
      json(401, {
        error: 'unauthorized_client',
        error_description: 'The client_id or client_secret is wrong',
      }),
    )
    const error = await fakeClient(platform)
      .accessToken()
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsOAuthError)
    expect(error.error).toBe('unauthorized_client')
    const everything = `${error.message} ${JSON.stringify(error)} ${JSON.stringify(error.request)}`
    expect(everything).not.toContain(CREDENTIALS.clientSecret)
    expect(everything).not.toContain(CREDENTIALS.subscriptionKey)
  })
})

describe('retries', () => {
  it('repeats an idempotent write with the same key after a lost connection', async () => {
    const platform = new FakePlatform().on('POST', `${PAYMENT_PATH}/capture`, (_request, nth) => {
      if (nth === 0) throw fetchFailed('ECONNRESET')
      return json(200, modificationBody(REF, 10_000), ModificationResponse)
    })
    const time = new FakeTime()
    const result = await fakeClient(platform, time).epayment.capture(
      REF,
      { currency: 'NOK', value: 10_000 },
      { idempotencyKey: 'attempt-42-capture' },
    )
    expect(result.aggregate.capturedAmount.value).toBe(10_000)
    const keys = platform
      .calls('POST', `${PAYMENT_PATH}/capture`)
      .map((r) => r.headers.get('idempotency-key'))
    expect(keys).toEqual(['attempt-42-capture', 'attempt-42-capture'])
    expect(time.sleeps).toHaveLength(1)
  })

  it('makes up a key when none is given, and keeps it across retries', async () => {
    const platform = new FakePlatform().on('POST', '/epayment/v1/payments', (_request, nth) =>
      nth < 2 ? problem(503, 'Service Unavailable') : json(201, { reference: REF }, CreatePaymentResponse),
    )
    await fakeClient(platform).epayment.create({
      reference: REF,
      amount: { currency: 'NOK', value: 100 },
      paymentMethod: { type: 'WALLET' },
      userFlow: 'PUSH_MESSAGE',
      customer: { phoneNumber: '4712345678' },
    })
    const keys = platform.calls('POST', '/epayment/v1/payments').map((r) => r.headers.get('idempotency-key'))
    expect(keys).toHaveLength(3)
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(new Set(keys).size).toBe(1)
  })

  it('waits out a 429 for as long as Retry-After says', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, (_request, nth) =>
      nth === 0
        ? json(429, { statusCode: 429, message: 'Rate limit is exceeded.' }, undefined, {
            'retry-after': '7',
          })
        : json(200, paymentBody(REF), GetPaymentResponse),
    )
    const time = new FakeTime()
    await fakeClient(platform, time).epayment.get(REF)
    expect(time.sleeps).toEqual([7000])
  })

  it('does not wait out a Retry-After longer than allowed', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () =>
      json(429, { statusCode: 429, message: 'Rate limit is exceeded.' }, undefined, { 'retry-after': '600' }),
    )
    const error = await fakeClient(platform)
      .epayment.get(REF)
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsGatewayError)
    expect(error.retryAfterMs).toBe(600_000)
    expect(platform.calls('GET', PAYMENT_PATH)).toHaveLength(1)
  })

  it('stops after the configured number of retries, with growing jittered backoff', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () => problem(500, 'Internal Server Error'))
    const time = new FakeTime()
    const error = await fakeClient(platform, time, {
      retry: { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 10_000 },
    })
      .epayment.get(REF)
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error.request.attempts).toBe(4)
    expect(platform.calls('GET', PAYMENT_PATH)).toHaveLength(4)
    // random() is 0.5: three quarters of 100, 200, 400.
    expect(time.sleeps).toEqual([75, 150, 300])
  })

  it('stops when the next retry would pass the total time budget', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () => problem(502, 'Bad Gateway'))
    const time = new FakeTime()
    await fakeClient(platform, time, {
      retry: { maxRetries: 10, initialDelayMs: 1000, maxDelayMs: 1000, maxElapsedMs: 2500 },
    })
      .epayment.get(REF)
      .catch(() => undefined)
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2500)
    expect(platform.calls('GET', PAYMENT_PATH).length).toBeLessThan(11)
  })

  it('does not retry a refusal (4xx)', async () => {
    const platform = new FakePlatform().on('POST', `${PAYMENT_PATH}/capture`, () =>
      problem(400, 'Capture amount too high', 'Cannot capture more than the authorized amount'),
    )
    const error = await fakeClient(platform)
      .epayment.capture(REF, { currency: 'NOK', value: 99_999 })
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error.title).toBe('Capture amount too high')
    expect(outcomeUnknown(error)).toBe(false)
    expect(platform.calls('POST', `${PAYMENT_PATH}/capture`)).toHaveLength(1)
  })

  it('does not repeat a write without a key once it may have arrived, and says the outcome is unknown', async () => {
    const platform = new FakePlatform().on('POST', '/webhooks/v1/webhooks', () => {
      throw fetchFailed('ECONNRESET')
    })
    const error = await fakeClient(platform)
      .webhooks.register({ url: 'https://till.example/hooks', events: ['epayments.payment.captured.v1'] })
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsNetworkError)
    expect(error.outcome).toBe('unknown')
    expect(outcomeUnknown(error)).toBe(true)
    expect(platform.calls('POST', '/webhooks/v1/webhooks')).toHaveLength(1)
  })

  it('repeats a write without a key when the connection was refused before sending', async () => {
    const platform = new FakePlatform().on('POST', '/webhooks/v1/webhooks', (_request, nth) => {
      if (nth === 0) throw fetchFailed('ECONNREFUSED')
      return json(201, { id: 'wh-1', secret: 's3cret' }, RegisterWebhookResponse)
    })
    const registered = await fakeClient(platform).webhooks.register({
      url: 'https://till.example/hooks',
      events: ['epayments.payment.captured.v1'],
    })
    expect(registered.id).toBe('wh-1')
    expect(platform.calls('POST', '/webhooks/v1/webhooks')).toHaveLength(2)
  })

  it('does not repeat a write without a key after a 5xx', async () => {
    const platform = new FakePlatform().on('POST', '/webhooks/v1/webhooks', () =>
      problem(500, 'Internal Server Error'),
    )
    const error = await fakeClient(platform)
      .webhooks.register({ url: 'https://till.example/hooks', events: ['epayments.payment.captured.v1'] })
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(outcomeUnknown(error)).toBe(true)
    expect(platform.calls('POST', '/webhooks/v1/webhooks')).toHaveLength(1)
  })

  it('counts a 404 on a repeated delete as done, since the lost first attempt deleted it', async () => {
    const path = '/webhooks/v1/webhooks/3fa85f64-5717-4562-b3fc-2c963f66afa6'
    const platform = new FakePlatform().on('DELETE', path, (_request, nth) => {
      if (nth === 0) throw fetchFailed('ECONNRESET')
      return problem(404, 'Not Found', 'No webhook with this id')
    })
    await fakeClient(platform).webhooks.delete('3fa85f64-5717-4562-b3fc-2c963f66afa6')
    expect(platform.calls('DELETE', path)).toHaveLength(2)
    const fresh = new FakePlatform().on('DELETE', path, () =>
      problem(404, 'Not Found', 'No webhook with this id'),
    )
    const error = await fakeClient(fresh)
      .webhooks.delete('3fa85f64-5717-4562-b3fc-2c963f66afa6')
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error.status).toBe(404)
  })

  it('says the outcome is unknown when a refusal follows an attempt whose answer was lost', async () => {
    const path = '/ecomm/v2/payments/shop-000042/cancel'
    const platform = new FakePlatform().on('PUT', path, (_request, nth) =>
      nth === 0
        ? new Response('', { status: 504 })
        : json(400, [{ errorGroup: 'Payment', errorCode: '43', errorMessage: 'Payment already cancelled' }]),
    )
    const error = await fakeClient(platform)
      .ecom.cancel('shop-000042', { transactionText: 'Avbrutt' })
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsEcomError)
    expect(error.request.unansweredAttempts).toBe(1)
    expect(outcomeUnknown(error)).toBe(true)
  })

  it('turns a call with no answer into a timeout error naming the request', async () => {
    const platform = new FakePlatform().on(
      'POST',
      `${PAYMENT_PATH}/capture`,
      () => new Promise<Response>(() => {}),
    )
    const error = await fakeClient(platform, new FakeTime(), { timeoutMs: 20, retry: { maxRetries: 1 } })
      .epayment.capture(REF, { currency: 'NOK', value: 100 }, { idempotencyKey: 'k-timeout' })
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsTimeoutError)
    expect(error.timeoutMs).toBe(20)
    expect(error.request).toMatchObject({
      operation: 'epayment.capture',
      method: 'POST',
      url: `https://vipps.fake${PAYMENT_PATH}/capture`,
      idempotencyKey: 'k-timeout',
      attempts: 2,
    })
    expect(outcomeUnknown(error)).toBe(true)
  })

  it("stops at once when the caller aborts, with the caller's reason", async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () => new Promise<Response>(() => {}))
    const controller = new AbortController()
    const pending = fakeClient(platform).epayment.get(REF, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('cashier cancelled')), 5)
    await expect(pending).rejects.toThrow('cashier cancelled')
    expect(platform.calls('GET', PAYMENT_PATH)).toHaveLength(1)
  })

  it('reports each retry to onRetry without secrets', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, (_r, nth) =>
      nth === 0 ? problem(503, 'Service Unavailable') : json(200, paymentBody(REF), GetPaymentResponse),
    )
    const onRetry = vi.fn()
    await fakeClient(platform, new FakeTime(), { onRetry }).epayment.get(REF)
    expect(onRetry).toHaveBeenCalledOnce()
    expect(onRetry.mock.calls[0]![0]).toMatchObject({ operation: 'epayment.get', attempt: 1 })
    expect(JSON.stringify(onRetry.mock.calls)).not.toContain(CREDENTIALS.clientSecret)
  })

  it('computes backoff within half and all of the doubled delay, and reads both Retry-After forms', () => {
    expect(backoffDelay(0, 200, 5000, () => 0)).toBe(100)
    expect(backoffDelay(0, 200, 5000, () => 0.999999)).toBe(200)
    expect(backoffDelay(3, 200, 5000, () => 0)).toBe(800)
    expect(backoffDelay(10, 200, 5000, () => 0.999999)).toBe(5000)
    const now = Date.UTC(2025, 0, 1, 12, 0, 0)
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter(new Date(now + 10_000).toUTCString(), now)).toBe(10_000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})

describe('errors', () => {
  it('turns a problem into VippsApiError with every field', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, () =>
      problem(404, 'Reference not found', `Reference ${REF} does not exist for MSN 123456`, {
        extraDetails: [{ name: 'reference', reason: 'unknown' }],
      }),
    )
    const error = await fakeClient(platform)
      .epayment.get(REF)
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error).toMatchObject({
      kind: 'api',
      status: 404,
      type: 'https://example.test/problems#404',
      title: 'Reference not found',
      detail: `Reference ${REF} does not exist for MSN 123456`,
      traceId: 'trace-1',
      extraDetails: [{ name: 'reference', reason: 'unknown' }],
    })
  })

  it('turns the gateway format, the eCom list and an HTML page into their own classes', async () => {
    const platform = new FakePlatform()
      .on('GET', '/epayment/v1/payments/ref-gateway', () =>
        json(403, { statusCode: 403, message: 'Merchant Not Allowed' }),
      )
      .on('GET', '/epayment/v1/payments/ref-ecom-list', () =>
        json(400, [
          {
            errorGroup: 'Payment',
            errorCode: '35',
            errorMessage: 'Requested Order not found',
            contextId: 'c1',
          },
        ]),
      )
      .on(
        'GET',
        '/epayment/v1/payments/ref-html',
        () =>
          new Response('<html><body>Bad gateway</body></html>', {
            status: 418,
            headers: { 'content-type': 'text/html' },
          }),
      )
    const client = fakeClient(platform)
    expect(await client.epayment.get('ref-gateway').catch((e) => e)).toMatchObject({
      kind: 'gateway',
      status: 403,
      gatewayMessage: 'Merchant Not Allowed',
    })
    const ecom = await client.epayment.get('ref-ecom-list').catch((e) => e)
    expect(ecom).toBeInstanceOf(VippsEcomError)
    expect(ecom.errorCode).toBe('35')
    const html = await client.epayment.get('ref-html').catch((e) => e)
    expect(html).toBeInstanceOf(VippsUnexpectedResponseError)
    expect(html.bodyExcerpt).toContain('Bad gateway')
  })
})

describe('response validation', () => {
  const broken = () => {
    const body = paymentBody(REF) as Record<string, unknown>
    body.aggregate = { ...(body.aggregate as object), capturedAmount: { currency: 'NOK', value: '100' } }
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    })
  }

  it('names the field that breaks the contract', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, broken)
    const error = await fakeClient(platform)
      .epayment.get(REF)
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsResponseValidationError)
    expect(error.field).toBe('aggregate.capturedAmount.value')
    expect(error.message).toContain('aggregate.capturedAmount.value')
  })

  it('reports instead of throwing in report mode, and skips the check when off', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, broken)
    const reported: Error[] = []
    const reporting = fakeClient(platform, new FakeTime(), {
      responseValidation: 'report',
      onResponseValidationError: (e) => reported.push(e),
    })
    const payment = await reporting.epayment.get(REF)
    expect(payment.reference).toBe(REF)
    expect(reported).toHaveLength(1)
    expect(reported[0]).toBeInstanceOf(VippsResponseValidationError)
    const off = fakeClient(platform, new FakeTime(), { responseValidation: 'off' })
    expect((await off.epayment.get(REF)).reference).toBe(REF)
  })

  it('checks only the sampled share of answers', async () => {
    const platform = new FakePlatform().on('GET', PAYMENT_PATH, broken)
    const reported: Error[] = []
    const rolls: number[] = []
    const client = fakeClient(platform, new FakeTime(), {
      responseValidation: 'report',
      responseValidationSampleRate: 0.1,
      onResponseValidationError: (e) => reported.push(e),
      random: () => rolls.shift() ?? 0.5,
    })
    await client.accessToken()
    rolls.push(0.9, 0.05)
    await client.epayment.get(REF)
    expect(reported).toHaveLength(0)
    await client.epayment.get(REF)
    expect(reported).toHaveLength(1)
  })
})

describe('configuration', () => {
  const base = { credentials: { ...CREDENTIALS } }

  it('knows the test and production hosts and takes any base URL', () => {
    expect(new VippsClient({ ...base, host: 'test' }).baseUrl).toBe('https://apitest.vipps.no')
    expect(new VippsClient({ ...base, host: 'production' }).baseUrl).toBe('https://api.vipps.no')
    expect(new VippsClient({ ...base, host: 'http://127.0.0.1:4010/' }).baseUrl).toBe('http://127.0.0.1:4010')
  })

  it('refuses missing credentials, a bad MSN and overlong system headers', () => {
    expect(
      () => new VippsClient({ host: 'test', credentials: { ...CREDENTIALS, clientSecret: '' } }),
    ).toThrow(VippsConfigurationError)
    expect(() => new VippsClient({ host: 'test', credentials: { ...CREDENTIALS, msn: '12' } })).toThrow(/msn/)
    expect(() => new VippsClient({ ...base, host: 'test', system: { name: 'x'.repeat(31) } })).toThrow(
      /vipps-system-name/,
    )
  })
})
