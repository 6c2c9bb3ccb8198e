import { describe, expect, it } from 'vitest'
import { type ChartBar, escapeXml, niceCeiling, throughputChart } from './svg-chart.ts'

/**
 * A strict enough well-formedness check for the SVG we write: every tag closes
 * in order, attributes are quoted, and text holds no raw `<` or stray `&`.
 */
function wellFormedProblems(xml: string): string[] {
  const problems: string[] = []
  const stack: string[] = []
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y
  let i = 0
  let text = ''
  const checkText = () => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text)) problems.push(`stray & in "${text}"`)
    text = ''
  }
  while (i < xml.length) {
    if (xml[i] !== '<') {
      text += xml[i]
      i++
      continue
    }
    checkText()
    tag.lastIndex = i
    const match = tag.exec(xml)
    if (!match) {
      problems.push(`malformed tag at ${i}: ${xml.slice(i, i + 40)}`)
      break
    }
    const [whole, closing, name, , selfClosing] = match
    if (closing) {
      const open = stack.pop()
      if (open !== name) problems.push(`</${name}> closes <${open}>`)
    } else if (!selfClosing) {
      stack.push(name!)
    }
    i += whole.length
  }
  checkText()
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`)
  return problems
}

const bars: ChartBar[] = [
  { group: 'sandbox · lifecycle', label: '1 client', series: 'sandbox', value: 1200 },
  { group: 'sandbox · lifecycle', label: '50 clients', series: 'sandbox', value: 9100 },
  { group: 'prism · create+get', label: '50 clients', series: 'prism', value: 800 },
  { group: 'bare-http · create', label: '50 clients', series: 'bare-http', value: 21_000 },
]

describe('throughputChart', () => {
  it('is a well-formed SVG document', () => {
    const svg = throughputChart(bars, { title: 'Throughput', subtitle: '2 cores', unit: 'req/s' })
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(wellFormedProblems(svg)).toEqual([])
  })

  it('draws one bar per cell, longest for the largest value', () => {
    const svg = throughputChart(bars, { title: 'Throughput', unit: 'req/s' })
    const widths = [...svg.matchAll(/<rect class="bar"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]))
    expect(widths).toHaveLength(bars.length)
    expect(Math.max(...widths)).toBe(widths[3])
    // Linear from zero: 9100 is drawn 9100/1200 times as long as 1200.
    expect(widths[1]! / widths[0]!).toBeCloseTo(9100 / 1200, 1)
  })

  it('escapes labels, so a name with markup stays text', () => {
    const svg = throughputChart([{ group: 'a <b> & "c"', label: "it's", series: 'x&y', value: 5 }], {
      title: 'T & <U>',
      unit: 'req/s',
    })
    expect(wellFormedProblems(svg)).toEqual([])
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;')
  })

  it('draws a zero or failed cell as an empty bar, never a negative one', () => {
    const svg = throughputChart(
      [
        { group: 'g', label: 'zero', series: 's', value: 0 },
        { group: 'g', label: 'failed', series: 's', value: Number.NaN },
      ],
      { title: 'T', unit: 'req/s' },
    )
    expect(wellFormedProblems(svg)).toEqual([])
    const widths = [...svg.matchAll(/<rect class="bar"[^>]* width="([-\d.]+)"/g)].map((m) => Number(m[1]))
    expect(widths).toEqual([0, 0])
  })

  it('is still a well-formed SVG with no cells', () => {
    const svg = throughputChart([], { title: 'T', unit: 'req/s' })
    expect(wellFormedProblems(svg)).toEqual([])
    expect(svg).not.toContain('class="bar"')
  })
})

describe('niceCeiling', () => {
  it('rounds the axis up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceCeiling(9100)).toBe(10_000)
    expect(niceCeiling(21_000)).toBe(25_000)
    expect(niceCeiling(1500)).toBe(2000)
    expect(niceCeiling(0)).toBe(1)
  })
})

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;')
  })
})
