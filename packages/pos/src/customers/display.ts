/**
 * An MSISDN as a person reads it, grouped as each country writes its
 * numbers: +47 123 45 678, +45 12 34 56 78, +358 40 123 4567.
 */

/**
 * @example
 * displayMsisdn('4712345678')   // '+47 123 45 678'
 * displayMsisdn('4520123456')   // '+45 20 12 34 56'
 * displayMsisdn('358401234567') // '+358 40 123 4567'
 */
export function displayMsisdn(msisdn: string): string {
  if (/^47\d{8}$/.test(msisdn)) return `+47 ${group(msisdn.slice(2), [3, 2, 3])}`
  if (/^45\d{8}$/.test(msisdn)) return `+45 ${group(msisdn.slice(2), [2, 2, 2, 2])}`
  if (/^358\d{6,10}$/.test(msisdn)) {
    const rest = msisdn.slice(3)
    return `+358 ${group(rest, [2, 3, rest.length - 5])}`
  }
  return `+${msisdn}`
}

function group(digits: string, sizes: number[]): string {
  const parts: string[] = []
  let at = 0
  for (const size of sizes) {
    if (size <= 0) continue
    parts.push(digits.slice(at, at + size))
    at += size
  }
  if (at < digits.length) parts.push(digits.slice(at))
  return parts.filter(Boolean).join(' ')
}
