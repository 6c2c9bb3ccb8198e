/** The catalogue over HTTP: search for everyone signed in; add and edit for managers. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { actorOf } from '../http/auth.ts'
import { errors, MinorUnits, SIGNED_IN, Timestamp } from '../http/schemas.ts'
import { rateFromPercent, rateToPercent } from '../money/vat.ts'
import type { Product } from './service.ts'

export const ProductView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  barcode: Type.String({ description: 'EAN-13' }),
  grossPrice: { ...MinorUnits, description: 'Price including VAT, in minor units (øre)' },
  currency: Type.String(),
  vatRate: Type.Number({ description: 'Percent, e.g. 15 or 25.5' }),
  active: Type.Boolean(),
  updatedAt: Timestamp,
})

const ProductFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  barcode: Type.String({ minLength: 1, maxLength: 20, description: 'EAN-13 with a valid check digit' }),
  grossPrice: { ...MinorUnits, description: 'Price including VAT, in minor units (øre)' },
  vatRate: Type.Number({ minimum: 0, maximum: 100, description: 'Percent: 25, 15, 12 or 0 in Norway' }),
  active: Type.Boolean(),
}

const NewProduct = Type.Object(
  { ...ProductFields, active: Type.Optional(ProductFields.active) },
  { additionalProperties: false },
)

const ProductChanges = Type.Object(
  {
    name: Type.Optional(ProductFields.name),
    barcode: Type.Optional(ProductFields.barcode),
    grossPrice: Type.Optional(ProductFields.grossPrice),
    vatRate: Type.Optional(ProductFields.vatRate),
    active: Type.Optional(ProductFields.active),
  },
  { additionalProperties: false, minProperties: 1 },
)

const ProductParams = Type.Object({ productId: Type.String({ minLength: 1, maxLength: 64 }) })

function productView(product: Product, currency: string): Static<typeof ProductView> {
  return {
    id: product.id,
    name: product.name,
    barcode: product.barcode,
    grossPrice: product.grossPrice,
    currency,
    vatRate: rateToPercent(product.vatRate),
    active: product.active,
    updatedAt: product.updatedAt.toISOString(),
  }
}

export function catalogueRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()

  api.get(
    '/products',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Search products by name or barcode prefix',
        security: SIGNED_IN,
        querystring: Type.Object({
          q: Type.Optional(
            Type.String({
              maxLength: 100,
              description: 'Part of the name, or the first digits of the barcode',
            }),
          ),
          includeInactive: Type.Optional(Type.Boolean({ default: false })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        }),
        response: { 200: Type.Object({ products: Type.Array(ProductView) }), ...errors(400, 401) },
      },
    },
    async (request) => {
      const actor = actorOf(request)
      const products = await ctx.catalogue.search(actor, {
        query: request.query.q,
        includeInactive: request.query.includeInactive,
        limit: request.query.limit,
      })
      return { products: products.map((p) => productView(p, actor.currency)) }
    },
  )

  api.get(
    '/products/:productId',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'One product',
        security: SIGNED_IN,
        params: ProductParams,
        response: { 200: ProductView, ...errors(401, 404) },
      },
    },
    async (request) => {
      const actor = actorOf(request)
      return productView(await ctx.catalogue.get(actor, request.params.productId), actor.currency)
    },
  )

  api.post(
    '/products',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Add a product (manager)',
        security: SIGNED_IN,
        body: NewProduct,
        response: { 201: ProductView, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request)
      const { vatRate, ...rest } = request.body
      const product = await ctx.catalogue.add(actor, { ...rest, vatRate: rateFromPercent(vatRate) })
      return reply.code(201).send(productView(product, actor.currency))
    },
  )

  api.patch(
    '/products/:productId',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Change a product (manager); sales already open keep their price',
        security: SIGNED_IN,
        params: ProductParams,
        body: ProductChanges,
        response: { 200: ProductView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request)
      const { vatRate, ...rest } = request.body
      const changes = vatRate === undefined ? rest : { ...rest, vatRate: rateFromPercent(vatRate) }
      return productView(await ctx.catalogue.edit(actor, request.params.productId, changes), actor.currency)
    },
  )
}
