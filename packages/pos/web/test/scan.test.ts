import { describe, expect, it } from 'vitest'
import { classifyScan } from '../src/scan.ts'

describe('what the scanner read', () => {
  it('takes digits as a product barcode (EAN-8, UPC-A, EAN-13, GTIN-14)', () => {
    for (const code of ['96385074', '036000291452', '7039610197728', '17039610197725']) {
      expect(classifyScan(code)).toEqual({ kind: 'barcode', code })
    }
  })

  it('ignores the whitespace some scanners add around or inside a code', () => {
    expect(classifyScan(' 7039610197728\t')).toEqual({ kind: 'barcode', code: '7039610197728' })
    expect(classifyScan('703961 019772 8')).toEqual({ kind: 'barcode', code: '7039610197728' })
  })

  it('takes a URL as a personal QR code, passed on whole (both code versions)', () => {
    for (const content of [
      'https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe',
      'https://qr.vipps.no/28/2/01/031/4791234567?v=1',
    ]) {
      expect(classifyScan(content)).toEqual({ kind: 'personal-qr', content })
    }
  })

  it('says why anything else cannot be used', () => {
    expect(classifyScan('')).toEqual({ kind: 'empty' })
    expect(classifyScan('   ')).toEqual({ kind: 'empty' })
    const short = classifyScan('12345')
    expect(short.kind === 'unreadable' && short.message).toContain('8 to 14 digits, this has 5')
    const words = classifyScan('hello there')
    expect(words.kind === 'unreadable' && words.message).toContain('neither a product barcode nor')
  })
})
