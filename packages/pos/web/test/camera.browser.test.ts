/**
 * Reading the customer's QR code with the device's camera: Chromium's fake
 * camera plays a video file in which Kari's personal QR code is held up, and
 * the cashier app reads it (jsQR) and sets her as the customer.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import QRCode from 'qrcode'
import { afterAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS } from '../../../sandbox/test/browser.ts'
import { CASHIER, cartLines, KARI_MSISDN, PRODUCTS, scan, signIn, useCashierWorld } from './helpers.ts'

const WIDTH = 640
const HEIGHT = 480
const VIDEO = join(tmpdir(), `kasse-camera-${process.pid}.y4m`)

/**
 * A short Y4M video (what Chromium's fake camera plays) of `content` as a QR
 * code, black on white in the middle of the picture; a blank picture without.
 */
function writeCameraVideo(content?: string): void {
  const luma = Buffer.alloc(WIDTH * HEIGHT, 235)
  if (content !== undefined) {
    const { modules } = QRCode.create(content, { errorCorrectionLevel: 'M' })
    const quiet = 4
    const scale = Math.floor(Math.min(WIDTH, HEIGHT) / (modules.size + 2 * quiet))
    const left = Math.floor((WIDTH - modules.size * scale) / 2)
    const top = Math.floor((HEIGHT - modules.size * scale) / 2)
    for (let row = 0; row < modules.size; row++) {
      for (let column = 0; column < modules.size; column++) {
        if (!modules.get(row, column)) continue
        for (let y = 0; y < scale; y++) {
          luma.fill(
            16,
            (top + row * scale + y) * WIDTH + left + column * scale,
            (top + row * scale + y) * WIDTH + left + (column + 1) * scale,
          )
        }
      }
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2) * 2, 128)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma])
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`)
  writeFileSync(VIDEO, Buffer.concat([header, ...Array.from({ length: 10 }, () => frame)]))
}

// The browser is told of the video when it starts; the video is read when the camera starts.
writeCameraVideo()
const world = useCashierWorld({
  args: [
    ...CHROMIUM_ARGS,
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${VIDEO}`,
  ],
})
afterAll(() => rmSync(VIDEO, { force: true }))

describe('the camera', () => {
  it('reads the customer’s personal QR code held up to it and sets the customer', async () => {
    const shown = await fetch(`${world.sandbox().url}/_sandbox/users/${KARI_MSISDN}/qr`)
    const { content } = (await shown.json()) as { content: string }
    writeCameraVideo(content)

    const till = await world.openTill()
    await signIn(till, CASHIER)
    await scan(till, PRODUCTS.milk.barcode)
    await expect.poll(() => cartLines(till)).toHaveLength(1)

    await till.getByRole('button', { name: 'Scan QR with the camera' }).click()
    await till.getByRole('dialog', { name: 'Scan the customer’s QR code' }).waitFor()
    await till.getByTestId('customer').getByText('+47 123 45 678').waitFor()
    expect(await till.getByRole('dialog').count()).toBe(0)
    expect(await cartLines(till)).toHaveLength(1)
  })
})
