// SPDX-License-Identifier: Apache-2.0
/**
 * Waiting that an `AbortSignal` cuts short: the pipelines' backoff sleeps and
 * in-flight races, and the forwarder's start() racing a stop().
 * @module
 */

/** The rejection of an aborted wait. */
export class Aborted extends Error {}

/** Resolve after `ms`, or reject with `Aborted` as soon as `signal` aborts (an unref'd timer). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Aborted())
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new Aborted())
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    ;(timer as { unref?: () => void }).unref?.()
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** `promise`, or a rejection with `Aborted` as soon as `signal` aborts (the promise itself keeps running). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(new Aborted())
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {}) // settles later, unobserved
      reject(new Aborted())
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
