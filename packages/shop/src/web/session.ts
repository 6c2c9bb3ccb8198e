/**
 * The shopper's cart cookie: a random token (the database keeps its hash),
 * HttpOnly, SameSite=Lax so a link from elsewhere still shows the cart but a
 * form posted from another site arrives without it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { newCartToken } from '../cart/service.ts'

export const CART_COOKIE = 'kasse_shop_cart'
const THIRTY_DAYS_S = 30 * 24 * 3600

/** The request's cart token, if it has one. */
export const cartTokenOf = (request: FastifyRequest): string | undefined => {
  const token = request.cookies[CART_COOKIE]
  return token && /^[A-Za-z0-9_-]{20,64}$/.test(token) ? token : undefined
}

/** The request's cart token, or a new one set on the reply. */
export function ensureCartToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = cartTokenOf(request)
  if (existing) return existing
  const token = newCartToken()
  reply.setCookie(CART_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: THIRTY_DAYS_S,
  })
  return token
}
