/** Something in flight with a deadline: an entry of a `Deadlines` list. */
export interface Pending {
  /** `performance.now()` milliseconds after which it has timed out. */
  deadline: number;
  prev: Pending | undefined;
  next: Pending | undefined;
  /** Called once when the deadline passes before `settle`. */
  expire(): void;
}

/**
 * Timeouts for calls that all wait the same `ms`, with one shared timer instead of one per call:
 * a call is appended to a list (deadlines therefore in order) and unlinked when it settles; the
 * one timer is armed for the oldest call's deadline and, when it fires, expires what is overdue
 * and re-arms for the next. A call answered in time costs a clock read and two links, no timer.
 * The timer is `unref()`'d and not re-armed once the list is empty.
 *
 * When the timer fires, the expiry itself waits for the event loop's check phase
 * (`setImmediate`): the poll phase in between reads the sockets, so an answer that already
 * arrived while the process was busy (a long synchronous callback, a CPU-starved machine) settles
 * its call first instead of losing to a timer that was merely overdue.
 */
export class Deadlines {
  #head: Pending | undefined;
  #tail: Pending | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #expireNow = (): void => this.#expire();
  // `#timer` stays set until the expiry runs, so `add()` does not arm a second timer meanwhile.
  // Not unref()'d: an unref()'d immediate lets the poll phase block until the next I/O, which
  // would delay the expiry until Redis answers (a one-shot immediate never keeps a process alive).
  readonly #sweep = (): void => {
    setImmediate(this.#expireNow);
  };

  constructor(readonly ms: number) {}

  /** The number of calls in flight (tests). */
  get size(): number {
    let size = 0;
    for (let call = this.#head; call !== undefined; call = call.next) size += 1;
    return size;
  }

  /** Starts the clock for `call` (sets its deadline and links it last). */
  add(call: Pending): void {
    call.deadline = performance.now() + this.ms;
    call.prev = this.#tail;
    call.next = undefined;
    if (this.#tail === undefined) this.#head = call;
    else this.#tail.next = call;
    this.#tail = call;
    if (this.#timer === undefined) this.#arm(this.ms);
  }

  /**
   * Stops the clock for `call` (it settled); the timer stays armed, for whichever call is oldest
   * then. A call that is not in the list (already removed, or expired) is left alone.
   */
  remove(call: Pending): void {
    const { prev, next } = call;
    if (prev === undefined && this.#head !== call) return;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    call.prev = undefined;
    call.next = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#sweep, Math.max(1, Math.ceil(ms)));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (let call = this.#head; call !== undefined && call.deadline <= now; call = this.#head) {
      this.remove(call);
      call.expire();
    }
    if (this.#head !== undefined) this.#arm(this.#head.deadline - now);
  }
}
