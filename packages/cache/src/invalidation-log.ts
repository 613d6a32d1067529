/**
 * Remembers recent invalidations by generation number, so that a response whose handler started
 * before an invalidation of one of its tags or keys is not stored afterwards (it may hold the data
 * the invalidation was about). Pure and bounded.
 */
import type { Invalidation } from './bus.js';

export class InvalidationLog {
  #generation = 0;
  /** Generation of the last invalidation that affected everything (prefix, all, or overflow). */
  #everything = 0;
  readonly #tags = new Map<string, number>();
  readonly #keys = new Map<string, number>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** The current generation; take it before running a handler. */
  get generation(): number {
    return this.#generation;
  }

  record(invalidation: Invalidation): void {
    const generation = ++this.#generation;
    if (invalidation.all || invalidation.prefix !== undefined) this.#everything = generation;
    for (const tag of invalidation.tags ?? []) this.#remember(this.#tags, tag, generation);
    for (const key of invalidation.keys ?? []) this.#remember(this.#keys, key, generation);
  }

  #remember(map: Map<string, number>, name: string, generation: number): void {
    map.delete(name);
    map.set(name, generation);
    if (map.size > this.#limit) {
      // Forgetting is only safe if everything older counts as invalidated.
      const [oldest] = map;
      if (oldest) {
        map.delete(oldest[0]);
        this.#everything = Math.max(this.#everything, oldest[1]);
      }
    }
  }

  /** Whether anything the entry depends on was invalidated after generation `since`. */
  changedSince(since: number, keys: readonly string[], tags: readonly string[]): boolean {
    if (this.#everything > since) return true;
    for (const key of keys) if ((this.#keys.get(key) ?? 0) > since) return true;
    for (const tag of tags) if ((this.#tags.get(tag) ?? 0) > since) return true;
    return false;
  }
}
