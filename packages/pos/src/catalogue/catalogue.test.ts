import { describe, expect, it } from 'vitest'
import { MARTIN, useTestPos } from '../../test/helpers.ts'
import { DEMO_PRODUCTS } from '../seed/demo.ts'

const pos = useTestPos()

const newProduct = { name: 'Solbærtoddy 10 pk', barcode: '7038010000003', grossPrice: 4990, vatRate: 15 }

describe('the seeded catalogue', () => {
  it('has the demo products at all four Norwegian VAT rates, and hides the one no longer sold', async () => {
    const kari = await pos().signIn()
    const response = await kari.request('GET', '/api/products?limit=200')
    expect(response.statusCode).toBe(200)
    const products = response.json().products as Array<{ name: string; vatRate: number; active: boolean }>
    expect(products).toHaveLength(DEMO_PRODUCTS.length - 1)
    expect(new Set(products.map((p) => p.vatRate))).toEqual(new Set([25, 15, 12, 0]))
    expect(products.map((p) => p.name)).not.toContain('Julebrus 0,5 l')
    expect(products.find((p) => p.name === 'Tine Helmelk 1 l')).toMatchObject({
      barcode: '7039610197728',
      grossPrice: 2590,
      currency: 'NOK',
      vatRate: 15,
      active: true,
    })

    const all = await kari.request('GET', '/api/products?limit=200&includeInactive=true')
    expect(all.json().products).toHaveLength(DEMO_PRODUCTS.length)
  })
})

describe('search', () => {
  it('finds products by part of the name, in any case', async () => {
    const kari = await pos().signIn()
    const response = await kari.request('GET', `/api/products?q=${encodeURIComponent('MELK')}`)
    expect(response.json().products.map((p: { name: string }) => p.name)).toEqual([
      'Freia Melkesjokolade 200 g',
      'Tine Helmelk 1 l',
      'Tine Lettmelk 1 l',
    ])
  })

  it('finds products by the first digits of the barcode, an exact barcode first', async () => {
    const kari = await pos().signIn()
    const prefix = await kari.request('GET', '/api/products?q=70396&limit=200')
    const barcodes = prefix.json().products.map((p: { barcode: string }) => p.barcode)
    expect(barcodes.length).toBeGreaterThan(1)
    expect(barcodes.every((b: string) => b.startsWith('70396'))).toBe(true)

    const exact = await kari.request('GET', '/api/products?q=7039610549374')
    expect(exact.json().products[0]).toMatchObject({ name: 'Toalettpapir 8 rl' })
  })

  it('treats % and _ in the query as themselves, not as wildcards', async () => {
    const kari = await pos().signIn()
    const response = await kari.request('GET', `/api/products?q=${encodeURIComponent('%')}`)
    expect(response.json().products).toEqual([])
  })
})

describe('a manager', () => {
  it('adds a product that cashiers can then find', async () => {
    const martin = await pos().signIn(MARTIN)
    const added = await martin.request('POST', '/api/products', newProduct)
    expect(added.statusCode).toBe(201)
    expect(added.json()).toMatchObject({
      ...newProduct,
      currency: 'NOK',
      active: true,
      id: expect.stringMatching(/^prd_/),
    })

    const kari = await pos().signIn(undefined, 'till-2')
    const found = await kari.request('GET', '/api/products?q=solbær')
    expect(found.json().products.map((p: { barcode: string }) => p.barcode)).toEqual([newProduct.barcode])
  })

  it('edits a product’s price, rate and name, and takes it out of sale', async () => {
    const martin = await pos().signIn(MARTIN)
    const [milk] = (await martin.request('GET', '/api/products?q=Helmelk')).json().products
    const edited = await martin.request('PATCH', `/api/products/${milk.id}`, {
      name: '  Tine  Helmelk 1,75 l ',
      grossPrice: 3990,
    })
    expect(edited.statusCode).toBe(200)
    expect(edited.json()).toMatchObject({ name: 'Tine Helmelk 1,75 l', grossPrice: 3990, vatRate: 15 })

    const retired = await martin.request('PATCH', `/api/products/${milk.id}`, { active: false })
    expect(retired.json().active).toBe(false)
    const search = await martin.request('GET', '/api/products?q=Helmelk')
    expect(search.json().products).toEqual([])
  })

  it('is told 409 naming the barcode when another product has it', async () => {
    const martin = await pos().signIn(MARTIN)
    const duplicate = await martin.request('POST', '/api/products', {
      ...newProduct,
      barcode: '7039610197728',
    })
    expect(duplicate.statusCode).toBe(409)
    expect(duplicate.json()).toEqual({
      error: {
        code: 'DUPLICATE_BARCODE',
        message: 'Another product already has barcode 7039610197728',
        field: 'barcode',
      },
    })

    const [bread] = (await martin.request('GET', '/api/products?q=Kneipp')).json().products
    const clash = await martin.request('PATCH', `/api/products/${bread.id}`, { barcode: '7039610197728' })
    expect(clash.statusCode).toBe(409)
    expect(clash.json().error.field).toBe('barcode')
  })

  it('is told 400 naming the barcode when its check digit is wrong', async () => {
    const martin = await pos().signIn(MARTIN)
    const response = await martin.request('POST', '/api/products', {
      ...newProduct,
      barcode: '7038010000004',
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({
      error: {
        code: 'INVALID_BARCODE',
        message: 'The barcode is not a valid EAN-13: it has check digit 4, but its first 12 digits give 3',
        field: 'barcode',
      },
    })
  })

  it('is told which VAT rates the country has', async () => {
    const martin = await pos().signIn(MARTIN)
    const response = await martin.request('POST', '/api/products', { ...newProduct, vatRate: 14 })
    expect(response.statusCode).toBe(400)
    expect(response.json().error).toEqual({
      code: 'INVALID_VAT_RATE',
      message: 'The VAT rate must be one of 25 %, 15 %, 12 %, 0 % in Norway',
      field: 'vatRate',
    })
  })

  it('cannot give a price in kroner as a decimal, a negative price or an unknown field', async () => {
    const martin = await pos().signIn(MARTIN)
    const decimal = await martin.request('POST', '/api/products', { ...newProduct, grossPrice: 49.9 })
    expect(decimal.statusCode).toBe(400)
    expect(decimal.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'grossPrice' })

    const negative = await martin.request('POST', '/api/products', { ...newProduct, grossPrice: -100 })
    expect(negative.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'grossPrice' })

    const typo = await martin.request('POST', '/api/products', { ...newProduct, price: 4990 })
    expect(typo.json().error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'price is not a field this request takes',
      field: 'price',
    })

    const missing = await martin.request('POST', '/api/products', {
      name: 'x',
      barcode: newProduct.barcode,
      vatRate: 15,
    })
    expect(missing.json().error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'grossPrice is required',
      field: 'grossPrice',
    })
  })

  it('gets 404 for a product that does not exist', async () => {
    const martin = await pos().signIn(MARTIN)
    const response = await martin.request('PATCH', '/api/products/prd_nope', { grossPrice: 100 })
    expect(response.statusCode).toBe(404)
    expect(response.json().error).toMatchObject({ code: 'PRODUCT_NOT_FOUND', field: 'productId' })
  })
})

describe('a cashier', () => {
  it('may search but not add or edit products (403 MANAGER_REQUIRED), and nothing changes', async () => {
    const kari = await pos().signIn()
    const add = await kari.request('POST', '/api/products', newProduct)
    expect(add.statusCode).toBe(403)
    expect(add.json().error.code).toBe('MANAGER_REQUIRED')

    const [milk] = (await kari.request('GET', '/api/products?q=Helmelk')).json().products
    const edit = await kari.request('PATCH', `/api/products/${milk.id}`, { grossPrice: 1 })
    expect(edit.statusCode).toBe(403)
    expect(edit.json().error.code).toBe('MANAGER_REQUIRED')
    const after = await kari.request('GET', `/api/products/${milk.id}`)
    expect(after.json().grossPrice).toBe(2590)
  })
})
