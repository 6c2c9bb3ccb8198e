/**
 * A small CODE 128 encoder (code set B: printable ASCII) that draws the
 * barcode as SVG, for the receipt's number. No library: the symbology is a
 * table of 107 bar patterns and a weighted modulo-103 check.
 */

/**
 * Bar and space widths, in modules, for symbol values 0 to 106: bar, space,
 * bar, space, bar, space (the stop, 106, ends with a final bar). Every
 * pattern is 11 modules wide, the stop 13.
 */
// biome-ignore format: a table reads best as a table
export const CODE128_PATTERNS = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213',
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132',
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211',
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313',
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331',
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111',
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214',
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111',
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141',
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141',
  '114131', '311141', '411131', '211412', '211214', '211232', '2331112',
] as const

export const START_B = 104
export const STOP = 106

/**
 * The symbol values for `data` in code set B: start, one per character,
 * the check symbol, stop.
 *
 * @example
 * code128Values('K1') // [104, 43, 17, 78, 106]: the check is (104 + 43·1 + 17·2) mod 103 = 78
 */
export function code128Values(data: string): number[] {
  if (data.length === 0) throw new RangeError('a barcode needs at least one character')
  const values = [START_B]
  for (const char of data) {
    const code = char.charCodeAt(0)
    if (char.length !== 1 || code < 32 || code > 126) {
      throw new RangeError('CODE 128 set B takes printable ASCII characters only')
    }
    values.push(code - 32)
  }
  const check = values.reduce((sum, value, position) => sum + value * Math.max(position, 1), 0) % 103
  values.push(check, STOP)
  return values
}

/** The widths of every bar and space in order, starting with a bar. */
export function code128Widths(data: string): number[] {
  return code128Values(data).flatMap((value) => [...CODE128_PATTERNS[value]!].map(Number))
}

export interface BarcodeSvgOptions {
  /** Width of the narrowest bar, in the SVG's units (mm on the receipt). Default 0.33. */
  moduleWidth?: number
  /** Height of the bars. Default 12. */
  height?: number
  /** Quiet zone on each side, in modules (the standard asks for 10). */
  quietZone?: number
}

/**
 * The barcode as an SVG element, in millimetres, with the data written
 * beneath for a person (and for typing when a scanner fails).
 */
export function code128Svg(data: string, options: BarcodeSvgOptions = {}): string {
  const module = options.moduleWidth ?? 0.33
  const height = options.height ?? 12
  const quiet = options.quietZone ?? 10
  const widths = code128Widths(data)
  const totalModules = widths.reduce((sum, width) => sum + width, 0) + 2 * quiet
  const width = round(totalModules * module)
  let x = quiet
  const bars: string[] = []
  widths.forEach((w, index) => {
    if (index % 2 === 0)
      bars.push(`<rect x="${round(x * module)}" y="0" width="${round(w * module)}" height="${height}"/>`)
    x += w
  })
  const textY = round(height + 3.2)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="barcode" width="${width}mm" height="${round(height + 4)}mm" viewBox="0 0 ${width} ${round(height + 4)}" role="img" aria-label="CODE 128 ${escapeXml(data)}">`,
    `<g fill="#000">${bars.join('')}</g>`,
    `<text x="${round(width / 2)}" y="${textY}" font-size="3" text-anchor="middle" font-family="monospace">${escapeXml(data)}</text>`,
    '</svg>',
  ].join('')
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
