/**
 * Reading the customer's QR code with the device's camera, for a till
 * without a 2D scanner: getUserMedia for the picture, jsQR to find and read
 * the code (loaded only when the camera is first used, so the till's first
 * screen stays small). The button is offered only where there is a camera.
 */
import { useEffect, useRef, useState } from 'preact/hooks'

/** Frames looked at per second: enough to catch a code held up, cheap on a slow till. */
const FRAMES_PER_SECOND = 8
/** Frames are scaled down to this width before reading; a phone screen's QR needs no more. */
const READ_WIDTH = 640

/** True once the browser reports a camera; follows cameras plugged in and out. */
export function useHasCamera(): boolean {
  const [hasCamera, setHasCamera] = useState(false)
  useEffect(() => {
    const devices = navigator.mediaDevices
    if (!devices?.enumerateDevices || !devices.getUserMedia) return
    const check = () => {
      devices
        .enumerateDevices()
        .then((list) => setHasCamera(list.some((device) => device.kind === 'videoinput')))
        .catch(() => setHasCamera(false))
    }
    check()
    devices.addEventListener('devicechange', check)
    return () => devices.removeEventListener('devicechange', check)
  }, [])
  return hasCamera
}

function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : ''
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The browser is not allowed to use the camera. Allow it in the browser’s settings, or scan the code with the scanner.'
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Scan the code with the scanner, or type the number.'
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is in use by another program. Close it and try again.'
    default:
      return 'The camera could not be started. Scan the code with the scanner, or type the number.'
  }
}

export function CameraScanner(props: { onResult(content: string): void; onClose(): void }) {
  const dialogRef = useRef<HTMLDialogElement>(null)
  const videoRef = useRef<HTMLVideoElement>(null)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [looking, setLooking] = useState(false)
  const latest = useRef(props)
  latest.current = props

  useEffect(() => {
    dialogRef.current?.showModal()
    let stream: MediaStream | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    const canvas = document.createElement('canvas')
    const context = canvas.getContext('2d', { willReadFrequently: true })

    async function start() {
      try {
        const [{ default: readQr }, media] = await Promise.all([
          import('jsqr'),
          navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }),
        ])
        stream = media
        const video = videoRef.current
        if (stopped || !video || !context) return
        video.srcObject = media
        await video.play()
        setLooking(true)
        const look = () => {
          if (stopped) return
          if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
            const scale = Math.min(1, READ_WIDTH / video.videoWidth)
            canvas.width = Math.round(video.videoWidth * scale)
            canvas.height = Math.round(video.videoHeight * scale)
            context.drawImage(video, 0, 0, canvas.width, canvas.height)
            const frame = context.getImageData(0, 0, canvas.width, canvas.height)
            const code = readQr(frame.data, frame.width, frame.height, { inversionAttempts: 'attemptBoth' })
            if (code?.data) {
              stopped = true
              latest.current.onResult(code.data)
              return
            }
          }
          timer = setTimeout(look, 1000 / FRAMES_PER_SECOND)
        }
        look()
      } catch (error) {
        if (!stopped) setProblem(cameraProblem(error))
      }
    }
    start()
    return () => {
      stopped = true
      clearTimeout(timer)
      for (const track of stream?.getTracks() ?? []) track.stop()
    }
  }, [])

  return (
    <dialog
      ref={dialogRef}
      class="camera"
      aria-labelledby="camera-title"
      onCancel={(e) => {
        e.preventDefault()
        props.onClose()
      }}
    >
      <h2 id="camera-title">Scan the customer’s QR code</h2>
      <video ref={videoRef} class="camera-view" muted playsInline aria-label="Camera picture" />
      <output class={problem ? 'error' : 'hint'} data-testid="camera-status">
        {problem ?? (looking ? 'Hold the code in front of the camera.' : 'Starting the camera…')}
      </output>
      <button type="button" class="secondary big" onClick={props.onClose}>
        Close
      </button>
    </dialog>
  )
}
