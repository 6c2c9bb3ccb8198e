import { describe, expect, it } from 'vitest'
import { ResponseParser, serializeRequest } from './http1.ts'

const bytes = (text: string) => Buffer.from(text, 'utf8')

/** Feeds the text one byte at a time: the worst split a socket can give. */
function byteByByte(parser: ResponseParser, text: string) {
  const answers = []
  for (const byte of bytes(text)) answers.push(...parser.push(Buffer.from([byte])))
  return answers
}

describe('ResponseParser', () => {
  it('reads an answer by Content-Length in bytes, however its bytes arrive', () => {
    // 18 bytes: the body's é is two bytes in UTF-8.
    const text =
      'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{"reference":"é"}'
    const answer = { status: 201, body: '{"reference":"é"}', close: false }
    expect(new ResponseParser().push(bytes(text))).toEqual([answer])
    expect(byteByByte(new ResponseParser(), text)).toEqual([answer])
  })

  it('reads chunked answers with trailers', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3;x=y\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n'
    expect(byteByByte(new ResponseParser(), text)).toEqual([{ status: 200, body: '{"a":1}', close: false }])
  })

  it('reads an empty answer and two answers in one read, and notes Connection: close', () => {
    const text =
      'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}'
    expect(new ResponseParser().push(bytes(text))).toEqual([
      { status: 200, body: '', close: false },
      { status: 429, body: '{}', close: true },
    ])
  })

  it('refuses what it cannot frame rather than waiting forever', () => {
    expect(() => new ResponseParser().push(bytes('HTTP/1.1 200 OK\r\n\r\nhello'))).toThrow(/neither/)
    expect(() => new ResponseParser().push(bytes('garbage\r\n\r\n'))).toThrow(/status line/)
  })
})

describe('serializeRequest', () => {
  it('writes the request line, host, headers, and a body with its byte length', () => {
    expect(
      serializeRequest('POST', '/p', '127.0.0.1:1', { 'content-type': 'application/json' }, '{"v":"ø"}'),
    ).toBe(
      'POST /p HTTP/1.1\r\nhost: 127.0.0.1:1\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{"v":"ø"}',
    )
    expect(serializeRequest('GET', '/p', 'h', {})).toBe('GET /p HTTP/1.1\r\nhost: h\r\n\r\n')
  })
})
