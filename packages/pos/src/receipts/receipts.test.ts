import { describe, expect, it } from 'vitest'
import { displayMsisdn } from '../customers/display.ts'
import { localDateTime, localDayBounds } from '../journal/local-time.ts'
import { refundShare } from '../refunds/pricing.ts'
import { receiptBarcodeData, receiptNumberFrom } from './barcode-data.ts'
import { CODE128_PATTERNS, code128Svg, code128Values, code128Widths } from './code128.ts'
import { escapeHtml, formatMoney } from './html.ts'

describe('the CODE 128 encoder', () => {
  it('has 107 patterns of 11 modules (the stop 13), each three bars and three spaces', () => {
    expect(CODE128_PATTERNS).toHaveLength(107)
    CODE128_PATTERNS.forEach((pattern, value) => {
      const widths = [...pattern].map(Number)
      expect(
        widths.reduce((a, b) => a + b, 0),
        `pattern ${value}`,
      ).toBe(value === 106 ? 13 : 11)
      expect(widths.length).toBe(value === 106 ? 7 : 6)
    })
    // No two symbols look alike.
    expect(new Set(CODE128_PATTERNS).size).toBe(107)
  })

  it('encodes in set B with the weighted modulo-103 check', () => {
    expect(code128Values('K1')).toEqual([104, 43, 17, 78, 106])
    // Worked by hand: "PJJ123C" → 104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7 = 879; 879 mod 103 = 55
    expect(code128Values('PJJ123C').at(-2)).toBe(55)
  })

  it('reads back to the data it was given', () => {
    const data = receiptBarcodeData(4711)
    const widths = code128Widths(data)
    const symbols: number[] = []
    for (let at = 0; at < widths.length - 7; at += 6) {
      symbols.push(
        CODE128_PATTERNS.indexOf(widths.slice(at, at + 6).join('') as (typeof CODE128_PATTERNS)[number]),
      )
    }
    const [start, ...rest] = symbols
    expect(start).toBe(104)
    const text = rest
      .slice(0, -1)
      .map((v) => String.fromCharCode(v + 32))
      .join('')
    expect(text).toBe('K00004711')
  })

  it('refuses what set B cannot carry, and draws an SVG with the text beneath', () => {
    expect(() => code128Values('')).toThrow()
    expect(() => code128Values('blåbær')).toThrow()
    const svg = code128Svg('K00000042')
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(svg.match(/<rect /g)).toHaveLength(3 * 12 + 1)
    expect(svg).toContain('>K00000042</text>')
  })
})

describe('receipt numbers in barcodes', () => {
  it('read back from a scan or from typing', () => {
    expect(receiptBarcodeData(42)).toBe('K00000042')
    expect(receiptNumberFrom('K00000042')).toBe(42)
    expect(receiptNumberFrom('42')).toBe(42)
    expect(receiptNumberFrom(' 000042 ')).toBe(42)
    expect(receiptNumberFrom('7039610197728')).toBeUndefined()
    expect(receiptNumberFrom('0')).toBeUndefined()
    expect(receiptNumberFrom('abc')).toBeUndefined()
  })
})

describe('money and text on a receipt', () => {
  it('prints øre as kroner with a comma, grouped thousands', () => {
    expect(formatMoney(123450, 'NOK')).toBe('1\u00a0234,50\u00a0kr')
    expect(formatMoney(-4990, 'NOK')).toBe('-49,90\u00a0kr')
    expect(formatMoney(5, 'EUR')).toBe('0,05\u00a0€')
  })

  it('escapes what a manager typed', () => {
    expect(escapeHtml('<b>"Tom & Jerry\'s"</b>')).toBe(
      '&#60;b&#62;&#34;Tom &#38; Jerry&#39;s&#34;&#60;/b&#62;',
    )
  })
})

describe('partial refunds', () => {
  it('add up to exactly the line however the quantity is split', () => {
    const line = { grossAmount: 1000, vatAmount: 130, quantity: 3 }
    const one = [refundShare(line, 0, 1), refundShare(line, 1, 1), refundShare(line, 2, 1)]
    expect(one.map((s) => s.grossAmount)).toEqual([333, 334, 333])
    expect(one.reduce((sum, s) => sum + s.grossAmount, 0)).toBe(1000)
    expect(one.reduce((sum, s) => sum + s.vatAmount, 0)).toBe(130)
    expect(refundShare(line, 0, 3)).toEqual({ grossAmount: 1000, vatAmount: 130, netAmount: 870 })
    expect(() => refundShare(line, 2, 2)).toThrow(RangeError)
  })
})

describe('the store’s local time', () => {
  it('bounds a day in Oslo, including the 23-hour day in March', () => {
    expect(localDayBounds('2026-03-02', 'Europe/Oslo')).toEqual({
      start: new Date('2026-03-01T23:00:00Z'),
      end: new Date('2026-03-02T23:00:00Z'),
    })
    const spring = localDayBounds('2026-03-29', 'Europe/Oslo')!
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * 3600_000)
    expect(localDayBounds('2026-02-30', 'Europe/Oslo')).toBeUndefined()
    expect(localDateTime(new Date('2026-07-01T08:05:00Z'), 'Europe/Helsinki')).toBe('01.07.2026 11:05')
  })
})

describe('phone numbers shown to people', () => {
  it('are grouped as each country writes them', () => {
    expect(displayMsisdn('4712345678')).toBe('+47 123 45 678')
    expect(displayMsisdn('4520123456')).toBe('+45 20 12 34 56')
    expect(displayMsisdn('358401234567')).toBe('+358 40 123 4567')
  })
})
