/**
 * Which URLs a webhook may be registered for. The platform's rules (spec and
 * research/vipps-api.md §3): HTTPS, no credentials in the URL, only the ports it
 * sends to (80, 443, 8080). The sandbox adds one exception so that receivers on
 * the developer's own machine work: plain HTTP, on any port, to a loopback host.
 */

/** The ports the platform delivers to; anything else never receives a webhook. */
export const DELIVERABLE_PORTS = ['80', '443', '8080'] as const

/** True for 127.0.0.0/8, ::1 and localhost, as `URL.hostname` spells them. */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true
  // URL has already normalised IPv4 forms such as 127.1 or 0x7f.0.0.1 to dotted decimal.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/**
 * Why `url` cannot be a webhook target, or undefined when it can.
 *
 * @example
 * webhookUrlProblem('http://127.0.0.1:3000/hooks') // undefined: loopback HTTP is fine locally
 * webhookUrlProblem('http://example.com/hooks')    // 'must use https …'
 */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'must be an absolute URL, such as https://example.com/webhooks'
  }
  if (parsed.username || parsed.password) return 'must not contain credentials'
  const loopback = isLoopbackHost(parsed.hostname)
  if (parsed.protocol === 'http:') {
    return loopback ? undefined : 'must use https (plain http is accepted only for a loopback host)'
  }
  if (parsed.protocol !== 'https:') return 'must use https'
  // URL leaves a default port out, so an empty port is 443.
  const port = parsed.port || '443'
  if (!loopback && !(DELIVERABLE_PORTS as readonly string[]).includes(port)) {
    return `must use port ${DELIVERABLE_PORTS.join(', ')}: the platform does not deliver to port ${port}`
  }
  return undefined
}
