/**
 * The ceiling: a bare node:http JSON server doing the least an API must do for
 * a create — read the body, parse it, answer a small JSON — and nothing else
 * (no routing library, no validation, no auth). Nothing real can be faster on
 * this machine, so "sandbox create ÷ this" says how much the sandbox's work costs.
 */
import { createServer } from 'node:http'

const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    let reference = 'unknown'
    if (chunks.length > 0) {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reference?: unknown }
        if (typeof body.reference === 'string') reference = body.reference
      } catch {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"title":"Bad Request"}')
        return
      }
    }
    const status = request.method === 'POST' ? 201 : 200
    const answer = JSON.stringify({ reference, redirectUrl: `http://127.0.0.1/landing?token=${reference}` })
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(answer),
    })
    response.end(answer)
  })
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`)
})

let stopping = false
function stop(): void {
  if (stopping) return
  stopping = true
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
