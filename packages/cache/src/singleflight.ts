/** Collapses concurrent calls for one key into one execution (per process). */
export class Singleflight<T> {
  readonly #inflight = new Map<string, Promise<T>>();

  /** Whether a call for `key` is running. */
  has(key: string): boolean {
    return this.#inflight.has(key);
  }

  /** The running call for `key`, if any. */
  join(key: string): Promise<T> | undefined {
    return this.#inflight.get(key);
  }

  /**
   * Runs `fn` for `key` unless a call is already running, in which case its promise is returned.
   * `leader` tells the caller whether it started the call.
   */
  run(key: string, fn: () => Promise<T>): { promise: Promise<T>; leader: boolean } {
    const running = this.#inflight.get(key);
    if (running) return { promise: running, leader: false };
    const promise = fn().finally(() => {
      if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
    });
    this.#inflight.set(key, promise);
    return { promise, leader: true };
  }

  get size(): number {
    return this.#inflight.size;
  }
}
