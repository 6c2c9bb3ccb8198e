/**
 * Finding a product by name (or the first digits of its barcode) and adding
 * it with a tap, for what has no barcode or will not scan. A barcode typed or
 * scanned here, then Enter, is taken as a scan.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, messageOf } from './api.ts'
import type { Product } from './api-types.ts'
import { formatMoney } from './money.ts'
import { classifyScan } from './scan.ts'

/** Waits this long after the last keystroke before asking the till: one request per word, not per letter. */
const SEARCH_DELAY_MS = 150
const RESULTS = 12

export function ProductSearch(props: { onAdd(product: Product): void; onScan(text: string): void }) {
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<Product[]>([])
  const [problem, setProblem] = useState<string | undefined>(undefined)
  // Only the answer to the latest query is shown, whatever order the answers come in.
  const latestQuery = useRef('')

  useEffect(() => {
    const q = query.trim()
    latestQuery.current = q
    if (q === '') {
      setResults([])
      setProblem(undefined)
      return
    }
    const timer = setTimeout(async () => {
      try {
        const found = await api<{ products: Product[] }>(
          'GET',
          `/api/products?q=${encodeURIComponent(q)}&limit=${RESULTS}`,
        )
        if (latestQuery.current !== q) return
        setResults(found.products)
        setProblem(found.products.length === 0 ? `No product matches “${q}”` : undefined)
      } catch (error) {
        if (latestQuery.current === q) setProblem(messageOf(error))
      }
    }, SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [query])

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      setQuery('')
    } else if (event.key === 'Enter') {
      event.preventDefault()
      const scanned = classifyScan(query)
      if (scanned.kind === 'barcode' || scanned.kind === 'personal-qr') {
        props.onScan(query)
        setQuery('')
      } else if (results.length === 1) {
        props.onAdd(results[0]!)
        setQuery('')
      }
    }
  }

  return (
    <section class="card search" aria-labelledby="search-title">
      <h2 id="search-title">Find a product</h2>
      <label class="field">
        <span class="visually-hidden">Product name or barcode</span>
        <input
          type="search"
          name="product-search"
          placeholder="Name or barcode"
          autocomplete="off"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={onKeyDown}
        />
      </label>
      {problem && <output class="hint">{problem}</output>}
      {results.length > 0 && (
        <ul class="results" aria-label="Products found">
          {results.map((product) => (
            <li key={product.id}>
              <button
                type="button"
                class="result"
                data-testid="search-result"
                onClick={() => props.onAdd(product)}
              >
                <span>{product.name}</span>
                <span class="result-price">{formatMoney(product.grossPrice, product.currency)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
