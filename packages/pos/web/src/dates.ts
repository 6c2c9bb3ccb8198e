/**
 * Times as the cashier reads them, in this device's time zone: the till
 * answers ISO 8601 instants.
 */

const pad = (n: number) => String(n).padStart(2, '0')

/** "14:05" */
export function timeOf(iso: string): string {
  const at = new Date(iso)
  return `${pad(at.getHours())}:${pad(at.getMinutes())}`
}

/** "2026-11-21" */
export function dateOf(iso: string): string {
  const at = new Date(iso)
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`
}

/** "2026-11-21 14:05" */
export function dateTimeOf(iso: string): string {
  return `${dateOf(iso)} ${timeOf(iso)}`
}
