/**
 * A horizontal bar chart as a standalone SVG, drawn by hand: one bar per load
 * cell, grouped (server and scenario), coloured by server, on a linear scale
 * from zero so bar lengths compare honestly.
 */

export interface ChartBar {
  /** Rows with the same group are drawn together under its heading, e.g. `sandbox · lifecycle`. */
  group: string
  /** The row's own label, e.g. `50 clients`. */
  label: string
  /** Picks the colour, e.g. `sandbox`; the legend lists each series once. */
  series: string
  value: number
}

export interface ChartOptions {
  title: string
  subtitle?: string
  /** Printed after each value, e.g. `req/s`. */
  unit: string
}

const WIDTH = 920
const LABEL_WIDTH = 230
const VALUE_ROOM = 110
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_ROOM - 20
const ROW = 22
const BAR = 15
const GROUP_GAP = 26
const TOP = 92

// Known servers keep their colour from run to run; others take the rest in order.
const KNOWN_COLOURS: Record<string, string> = {
  sandbox: '#1a7f6e',
  prism: '#d9822b',
  'bare-http': '#7a7f87',
  pos: '#6a4bc4',
}
const SPARE_COLOURS = ['#2f6fbf', '#b8405e', '#4d8c2a', '#8c6d1f']

/** Escapes text and attribute values for XML. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  )
}

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above the value, so the axis ends on a round number. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude
  }
  return 10 * magnitude
}

const formatNumber = (value: number) => Math.round(value).toLocaleString('en-US')

/**
 * The chart's SVG text.
 *
 * @example
 * throughputChart([{ group: 'sandbox · create', label: '50 clients', series: 'sandbox', value: 9000 }],
 *   { title: 'Throughput', unit: 'req/s' })
 */
export function throughputChart(bars: readonly ChartBar[], options: ChartOptions): string {
  const groups = new Map<string, ChartBar[]>()
  for (const bar of bars) {
    const rows = groups.get(bar.group) ?? []
    rows.push(bar)
    groups.set(bar.group, rows)
  }
  const series = [...new Set(bars.map((bar) => bar.series))]
  const colours = new Map<string, string>()
  let spare = 0
  for (const name of series) {
    colours.set(name, KNOWN_COLOURS[name] ?? SPARE_COLOURS[spare++ % SPARE_COLOURS.length]!)
  }

  const max = niceCeiling(Math.max(0, ...bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0))))
  const x = (value: number) => LABEL_WIDTH + (Math.max(0, value) / max) * PLOT_WIDTH
  const height = TOP + groups.size * GROUP_GAP + bars.length * ROW + 30

  const parts: string[] = []
  const text = (px: number, py: number, content: string, attributes = '') =>
    parts.push(`<text x="${px.toFixed(1)}" y="${py.toFixed(1)}"${attributes}>${escapeXml(content)}</text>`)

  text(20, 30, options.title, ' class="title"')
  if (options.subtitle) text(20, 50, options.subtitle, ' class="subtitle"')

  // Legend, one swatch per server.
  let legendX = LABEL_WIDTH
  for (const name of series) {
    parts.push(`<rect x="${legendX}" y="58" width="12" height="12" fill="${colours.get(name)}"/>`)
    text(legendX + 17, 68.5, name, ' class="legend"')
    legendX += 30 + name.length * 7.5
  }

  // Grid and scale.
  const ticks = 5
  for (let i = 0; i <= ticks; i++) {
    const value = (max / ticks) * i
    const gx = x(value)
    parts.push(
      `<line x1="${gx.toFixed(1)}" y1="${TOP - 6}" x2="${gx.toFixed(1)}" y2="${height - 24}" class="grid"/>`,
    )
    text(gx, height - 10, formatNumber(value), ' class="tick" text-anchor="middle"')
  }

  let y = TOP
  for (const [group, rows] of groups) {
    y += GROUP_GAP
    text(20, y - 8, group, ' class="group"')
    for (const bar of rows) {
      const value = Number.isFinite(bar.value) ? Math.max(0, bar.value) : 0
      const width = x(value) - LABEL_WIDTH
      const label = `${bar.group} · ${bar.label}: ${formatNumber(value)} ${options.unit}`
      text(LABEL_WIDTH - 8, y + BAR - 3, bar.label, ' class="label" text-anchor="end"')
      parts.push(
        `<rect class="bar" x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${colours.get(bar.series)}"><title>${escapeXml(label)}</title></rect>`,
      )
      text(LABEL_WIDTH + width + 6, y + BAR - 3, `${formatNumber(value)} ${options.unit}`, ' class="value"')
      y += ROW
    }
  }
  if (bars.length === 0) text(LABEL_WIDTH, TOP + 20, 'no measurements', ' class="label"')

  const style = [
    'text { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; fill: #1f2328; }',
    '.title { font-size: 18px; font-weight: 600; }',
    '.subtitle { font-size: 12px; fill: #57606a; }',
    '.group { font-size: 13px; font-weight: 600; }',
    '.label, .legend, .value { font-size: 12px; }',
    '.value { fill: #57606a; }',
    '.tick { font-size: 11px; fill: #57606a; }',
    '.grid { stroke: #d0d7de; stroke-width: 1; }',
  ].join(' ')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<style>${style}</style>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
