/**
 * CSV for people's spreadsheets (RFC 4180: comma separated, CRLF, quotes
 * doubled). Text that a spreadsheet would run as a formula (starting with
 * = + - @ or a tab) is prefixed with an apostrophe, so a reference chosen by
 * someone else cannot become a formula on the manager's machine. Numbers, and
 * text that is a plain decimal number such as "-49.90", are written as they are.
 */
export type CsvCell = string | number | undefined | null

const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/

function cell(value: CsvCell): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** The CSV text of a header row and data rows, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => `${row.map(cell).join(',')}\r\n`).join('')
}

/** Minor units as a decimal amount with two decimals (NOK, DKK and EUR all have øre/cents): 4990 → "49.90". */
export function minorUnitsText(minorUnits: number): string {
  const sign = minorUnits < 0 ? '-' : ''
  const absolute = Math.abs(minorUnits)
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`
}
