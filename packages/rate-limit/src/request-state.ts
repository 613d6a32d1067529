import type { Decision } from './gcra.js';
import type { RateLimitInfo } from './options.js';
import { expressRequestPrototype, perPrototype } from './prototypes.js';

/** Builds a limiter's `RateLimitInfo` for one decision (each limiter has one, made at creation). */
export type InfoBuilder = (
  key: string,
  cost: number,
  decision: Decision,
  source: 'store' | 'fallback',
) => RateLimitInfo;

/**
 * What the limiters know about one request: which of them have counted it (a limiter mounted
 * twice on one path counts a request once), and `req.rateLimit`, built from the last decision
 * when it is first read (most requests never read it).
 */
export class RequestState {
  /** The limiters (their tokens) that have counted the request. */
  #counted: object | object[] | undefined;
  #info: RateLimitInfo | undefined;
  #build: InfoBuilder | undefined;
  #key = '';
  #cost = 0;
  #decision: Decision | undefined;
  #source: 'store' | 'fallback' = 'store';

  constructor(counted: object | undefined) {
    this.#counted = counted;
  }

  /** Records that `limiter` counts the request; `false` if it already has. */
  count(limiter: object): boolean {
    const counted = this.#counted;
    if (counted === undefined) this.#counted = limiter;
    else if (Array.isArray(counted)) {
      if (counted.includes(limiter)) return false;
      counted.push(limiter);
    } else if (counted === limiter) return false;
    else this.#counted = [counted, limiter];
    return true;
  }

  /** A limiter decided: `req.rateLimit` is now this decision (built when read). */
  decided(build: InfoBuilder, key: string, cost: number, decision: Decision, source: 'store' | 'fallback'): void {
    this.#info = undefined;
    this.#build = build;
    this.#key = key;
    this.#cost = cost;
    this.#decision = decision;
    this.#source = source;
  }

  get info(): RateLimitInfo | undefined {
    const build = this.#build;
    if (build !== undefined && this.#decision !== undefined) {
      this.#info = build(this.#key, this.#cost, this.#decision, this.#source);
      this.#build = undefined;
      this.#decision = undefined;
    }
    return this.#info;
  }

  set info(value: RateLimitInfo | undefined) {
    this.#build = undefined;
    this.#decision = undefined;
    this.#info = value;
  }
}

/** Per request (a `WeakMap`: nothing is written on `req` itself). */
const states = new WeakMap<object, RequestState>();

/** The request's state, created (without a counting limiter) if there is none yet. */
export function stateOf(req: object): RequestState {
  let state = states.get(req);
  if (state === undefined) {
    state = new RequestState(undefined);
    states.set(req, state);
  }
  return state;
}

/**
 * The state of a request entering `limiter`, or `undefined` if that limiter has already counted it.
 * Creating it is the one `WeakMap` write per request.
 */
export function enter(req: object, limiter: object): RequestState | undefined {
  const state = states.get(req);
  if (state === undefined) {
    const created = new RequestState(limiter);
    states.set(req, created);
    return created;
  }
  return state.count(limiter) ? state : undefined;
}

function readInfo(this: object): RateLimitInfo | undefined {
  return states.get(this)?.info;
}

function writeInfo(this: object, value: RateLimitInfo | undefined): void {
  stateOf(this).info = value;
}

/**
 * `req.rateLimit` is an accessor on Express's request prototype (the object `express.request`,
 * right above `http.IncomingMessage.prototype` on every Express request's chain), reading the
 * `WeakMap`. Adding an own property to a request instead costs a new hidden class per request:
 * Express gives every request a new prototype (`Object.setPrototypeOf`), and V8 keeps no
 * transition from such a map, so each added property copies the request's whole layout.
 * Returns `false` where the accessor cannot serve (not an Express request, or another copy of
 * this package defined `rateLimit` first): the limiter then assigns an own property.
 */
function install(proto: object | null): boolean {
  const target = expressRequestPrototype(proto);
  if (target === undefined) return false;
  const existing = Object.getOwnPropertyDescriptor(target, 'rateLimit');
  if (existing !== undefined) return existing.get === readInfo;
  Object.defineProperty(target, 'rateLimit', { get: readInfo, set: writeInfo, configurable: true, enumerable: false });
  return true;
}

/** Whether `req.rateLimit` of this request reads the request's state (installs the accessor once per chain). */
export const accessorServes: (req: object) => boolean = perPrototype(install);
