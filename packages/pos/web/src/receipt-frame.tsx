/**
 * A printable receipt page from the till (the 80 mm receipt.html), shown in
 * place, with Print (the browser's print dialog for that page alone) and
 * Open (a tab of its own).
 */
import type { ComponentChildren } from 'preact'
import { useRef } from 'preact/hooks'

export function ReceiptFrame(props: {
  url: string
  title: string
  testId: string
  children?: ComponentChildren
}) {
  const frameRef = useRef<HTMLIFrameElement>(null)
  return (
    <div class="receipt">
      <iframe
        ref={frameRef}
        class="receipt-frame"
        title={props.title}
        src={props.url}
        data-testid={props.testId}
      />
      <div class="actions">
        <button type="button" class="secondary big" onClick={() => frameRef.current?.contentWindow?.print()}>
          Print {props.title.toLowerCase()}
        </button>
        <a class="button secondary big" href={props.url} target="_blank" rel="noopener">
          Open {props.title.toLowerCase()}
        </a>
        {props.children}
      </div>
    </div>
  )
}
