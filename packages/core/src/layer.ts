/*
 * Members on Express's request/response prototypes instead of on each request.
 *
 * Express gives every request and response the prototype of its app (`app.request`,
 * `app.response`) with `Object.setPrototypeOf`. V8 keeps no transitions from the hidden class
 * that produces: every own property added afterwards copies the object's whole layout into a new
 * hidden class of its own. Express itself adds some (`res.locals`, `req.next`, `req.params`…), so
 * every Express request and response already has a class of its own, and a property name read on
 * it misses the inline caches the first time (a few hundred ns, measured). Each own property a
 * middleware adds (`res.send = …`) copies the layout once more (about 6 µs each on the bench
 * machine). A member installed once on a prototype costs nothing per request.
 *
 * A layer is an object inserted into the prototype chain right above the topmost app object
 * (the object with an own `app` property: `app.request`/`app.response` of the root app). Express
 * links a mounted app's `request`/`response` to its parent's, so one layer serves the root app and
 * every app mounted below it. Each package keeps its own layer (its own key); the members are
 * inert for requests the package does not handle (they find no state of theirs).
 */

/**
 * One package's layer: `layer.of(req)` finds it in the prototype chain of an Express request or
 * response, installing it above the topmost app object on first use.
 *
 * @example
 * const layer = new ExpressLayer('@acme/thing', (parent) => ({ thing: { get() { return state.get(this); } } }));
 * app.use((req, res, next) => { if (layer.of(req) === undefined) req.thing = …; next(); });
 */
export class ExpressLayer {
  /** Marks the layer object, so another walk finds it instead of inserting a second one. */
  readonly #key: symbol;
  readonly #build: (parent: object) => PropertyDescriptorMap;
  /** The answer for each prototype seen (`null`: not an Express request/response). */
  readonly #byProto = new WeakMap<object, object | null>();
  #lastProto: object | null = null;
  #lastLayer: object | null = null;

  /**
   * @param name names the layer (its marker symbol's description).
   * @param build the layer's members; `parent` is the object the layer is inserted under, which
   *   the members call up to (e.g. `parent.send`).
   */
  constructor(name: string, build: (parent: object) => PropertyDescriptorMap) {
    this.#key = Symbol(name);
    this.#build = build;
  }

  /**
   * The layer in `target`'s prototype chain, installed there if needed; `undefined` when `target`
   * is not an Express request/response (no app object in its chain): the caller falls back to own
   * properties. `refresh` walks the chain again instead of trusting the answer cached for
   * `target`'s prototype (an app mounted into another one after its first request is re-parented
   * by Express and loses the layers above it).
   */
  of(target: object, refresh = false): object | undefined {
    const proto: object | null = Object.getPrototypeOf(target);
    if (proto === this.#lastProto && !refresh) return this.#lastLayer ?? undefined;
    if (proto === null) return undefined;
    let layer = refresh ? undefined : this.#byProto.get(proto);
    if (layer === undefined) {
      layer = this.#install(proto);
      this.#byProto.set(proto, layer);
    }
    this.#lastProto = proto;
    this.#lastLayer = layer;
    return layer ?? undefined;
  }

  #install(proto: object): object | null {
    const key = this.#key;
    // The topmost app object: Express's `app.request`/`app.response` carry an own `app`.
    let top: object | undefined;
    for (let current: object | null = proto; current !== null; current = Object.getPrototypeOf(current)) {
      if (Object.hasOwn(current, key)) return current;
      if (Object.hasOwn(current, 'app')) top = current;
    }
    if (top === undefined) return null;
    const parent: object | null = Object.getPrototypeOf(top);
    if (parent === null) return null;
    const layer: object = Object.create(parent, {
      ...this.#build(parent),
      [key]: { value: true, enumerable: false, writable: false, configurable: false },
    });
    Object.setPrototypeOf(top, layer);
    return layer;
  }
}
