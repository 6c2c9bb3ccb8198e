/**
 * The QR API's personal QR exchange (`POST /qr/v1/exchange`) and the control
 * routes that show and rotate a user's code, as the simulated phone does.
 */
import { PersonalQrExchangeRequest, type PersonalQrExchangeResponse } from '@kasse/vipps'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import QRCode from 'qrcode'
import type { SandboxContext } from '../context.ts'
import type { User } from '../directory/directory.ts'
import { gateway } from '../http/gateway.ts'
import { ProblemError } from '../http/problem.ts'
import { personalQrV1 } from './personal-qr.ts'

/** The platform's wording for a request without usable QR content (qr-v1.yaml, `/v1/exchange` 400). */
export const QR_CODE_REQUIRED = 'The complete data contained in the QR code is required.'
export const QR_CODE_UNKNOWN =
  'The QR code is not a personal QR code the user shows now; it may be incomplete or replaced by a newer one.'
export const REQUESTED_DATA_UNSUPPORTED = 'Only MSISDN is supported.'

/**
 * The exchange's 400, in the shape its spec gives (`title: "Bad request"`, the
 * invalid parameter in `extraDetails`), not the generic validation problem.
 */
const exchangeBadRequest = (name: string, reason: string) =>
  new ProblemError(
    400,
    'Bad request',
    'The request body contains one or more invalid parameters.',
    [{ name, reason }],
    'invalid-parameters',
  )

/** The user behind a control route's `:msisdn`, or a 404 that names the number. */
export function userOr404(ctx: SandboxContext, request: FastifyRequest): User {
  const { msisdn } = request.params as { msisdn: string }
  const user = ctx.directory.user(msisdn)
  if (!user) throw new ProblemError(404, 'User not found', `No sandbox user has the number ${msisdn}`)
  return user
}

/** The QR code drawn as an SVG document, as the phone shows it. */
export const qrSvg = (content: string): Promise<string> =>
  QRCode.toString(content, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })

export function qrRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post(
    '/qr/v1/exchange',
    {
      onRequest: gateway(ctx, { msn: 'optional' }),
      schema: { body: PersonalQrExchangeRequest },
      // Validation failures are answered below in the exchange's own error format.
      attachValidation: true,
    },
    async function exchangePersonalQr(request) {
      const body = request.body as Partial<PersonalQrExchangeRequest> | undefined
      if (request.validationError) {
        const aboutRequestedData = request.validationError.validation?.some((v: { instancePath: string }) =>
          v.instancePath.startsWith('/requestedData'),
        )
        if (aboutRequestedData && typeof body?.qrCode === 'string' && body.qrCode.trim() !== '') {
          throw exchangeBadRequest('requestedData', REQUESTED_DATA_UNSUPPORTED)
        }
        throw exchangeBadRequest('qrCode', QR_CODE_REQUIRED)
      }
      const qrCode = body?.qrCode ?? ''
      if (qrCode.trim() === '') throw exchangeBadRequest('qrCode', QR_CODE_REQUIRED)
      const resolved = ctx.personalQr.resolve(qrCode)
      if (!resolved) throw exchangeBadRequest('qrCode', QR_CODE_UNKNOWN)
      const response: PersonalQrExchangeResponse = {
        msisdn: resolved.msisdn,
        version: resolved.version,
        ...(resolved.timestamp !== undefined ? { timestamp: resolved.timestamp } : {}),
      }
      return response
    },
  )

  app.get('/_sandbox/users/:msisdn/qr', async function showPersonalQr(request) {
    const user = userOr404(ctx, request)
    const content = ctx.personalQr.current(user.msisdn)
    return { content, v1: personalQrV1(user.msisdn), svg: await qrSvg(content) }
  })

  app.post('/_sandbox/users/:msisdn/qr/rotate', async function rotatePersonalQr(request) {
    const user = userOr404(ctx, request)
    const content = ctx.personalQr.rotate(user.msisdn)
    // The phone shows the code, so an open phone page must redraw it.
    ctx.events.emit('phone.changed', { msisdn: user.msisdn })
    return { content }
  })
}
