/**
 * `GET /qr-image/v1?token=…`: the QR code a `userFlow: QR` payment's
 * redirectUrl points at, standing in for qr-image.vipps.no. Its content is the
 * payment's landing URL, so a phone that scans it lands on the payment. SVG by
 * default; PNG at the requested size when the payment asked for IMAGE/PNG.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import QRCode from 'qrcode'
import type { SandboxContext } from '../context.ts'
import { type EPaymentService, landingUrl } from './service.ts'

const Query = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) })

/** The platform's default PNG edge, in pixels. */
const DEFAULT_PNG_SIZE = 1024

export function qrImageRoute(app: FastifyInstance, ctx: SandboxContext, service: EPaymentService): void {
  app.get('/qr-image/v1', { schema: { querystring: Query } }, async function qrImage(request, reply) {
    const { token } = request.query as typeof Query.static
    const payment = service.byToken(token)
    const content = landingUrl(ctx.publicUrl, token)
    const format = payment.request.qrFormat
    if (format?.format === 'IMAGE/PNG') {
      const png = await QRCode.toBuffer(content, {
        type: 'png',
        width: format.size ?? DEFAULT_PNG_SIZE,
        margin: 2,
      })
      return reply.type('image/png').send(png)
    }
    const svg = await QRCode.toString(content, { type: 'svg', margin: 2 })
    return reply.type('image/svg+xml').send(svg)
  })
}
