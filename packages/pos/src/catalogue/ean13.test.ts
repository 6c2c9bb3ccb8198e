import { describe, expect, it } from 'vitest'
import { DEMO_PRODUCTS } from '../seed/demo.ts'
import { ean13CheckDigit, ean13Problem, isValidEan13, normaliseScannedCode } from './ean13.ts'

describe('EAN-13', () => {
  it('computes the check digit with weights 1 and 3', () => {
    expect(ean13CheckDigit('703961019772')).toBe(8)
    expect(ean13CheckDigit('400638133393')).toBe(1)
    expect(isValidEan13('4006381333931')).toBe(true)
  })

  it('says what is wrong with a bad code', () => {
    expect(ean13Problem('7039610197729')).toBe('has check digit 9, but its first 12 digits give 8')
    expect(ean13Problem('703961019772')).toBe('must have 13 digits (it has 12)')
    expect(ean13Problem('70396101977x8')).toBe('must contain only digits')
  })

  it('catches a swapped pair of neighbouring digits', () => {
    expect(isValidEan13('7039610197728')).toBe(true)
    expect(isValidEan13('7039601197728')).toBe(false)
  })

  it('reads a 12-digit UPC-A from the scanner as the EAN-13 it is', () => {
    expect(normaliseScannedCode(' 036000291452\r\n')).toBe('0036000291452')
    expect(isValidEan13(normaliseScannedCode('036000291452'))).toBe(true)
  })

  it('has valid, distinct barcodes for every demo product', () => {
    const barcodes = DEMO_PRODUCTS.map(([, barcode]) => barcode)
    expect(barcodes.filter((b) => !isValidEan13(b))).toEqual([])
    expect(new Set(barcodes).size).toBe(barcodes.length)
  })
})
