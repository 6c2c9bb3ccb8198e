/** Loading what a manager's screen shows for a day, with the problem to show when it fails. */
import { useEffect, useState } from 'preact/hooks'
import { api, messageOf } from './api.ts'

/**
 * What a screen shows for its day: GET `path` (again whenever it changes, or
 * on `reload()`), the part of the answer `pick` takes, and a problem to show
 * instead when the till refuses or cannot be reached.
 */
export function useDayAnswer<Body, T>(path: string, pick: (body: Body) => T) {
  const [data, setData] = useState<T | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [loading, setLoading] = useState(false)

  async function reload() {
    setLoading(true)
    setProblem(undefined)
    try {
      setData(pick(await api<Body>('GET', path)))
    } catch (error) {
      setData(undefined)
      setProblem(messageOf(error))
    } finally {
      setLoading(false)
    }
  }

  useEffect(() => {
    reload()
  }, [path])

  return { data, problem, setProblem, loading, reload }
}
