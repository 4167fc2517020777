// SPDX-License-Identifier: Apache-2.0
/**
 * A FIFO with O(1) push, shift and peek at both ends, for the sender's batch
 * buffer (an outage can queue tens of thousands of small batches, where
 * `Array.prototype.shift` would be O(n) per call).
 * @module
 */

/** Growable ring-buffer queue. */
export class Deque<T> {
  private items: (T | undefined)[] = new Array(16)
  private head = 0
  private count = 0

  /** Number of items. */
  get size(): number {
    return this.count
  }

  /** Append at the back. */
  push(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) % this.items.length] = item
    this.count++
  }

  /** Insert at the front. */
  unshift(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.head = (this.head - 1 + this.items.length) % this.items.length
    this.items[this.head] = item
    this.count++
  }

  /** Remove and return the front item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.items.length
    this.count--
    return item
  }

  /** The front item, without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  /** Items front to back. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) % this.items.length] as T
  }

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.items.length * 2)
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length]
    this.items = next
    this.head = 0
  }
}
