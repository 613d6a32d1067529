import { IncomingMessage } from 'node:http';

/**
 * Express's request prototype in `proto`'s chain: the object right above
 * `http.IncomingMessage.prototype` (`express.request`, which every app's `app.request` and a
 * mounted app's links to). `undefined` for a chain without it (not an Express request).
 */
export function expressRequestPrototype(proto: object | null): object | undefined {
  for (let target = proto; target !== null; ) {
    const up: object | null = Object.getPrototypeOf(target);
    if (up === IncomingMessage.prototype) return target;
    target = up;
  }
  return undefined;
}

/**
 * `answer(proto)` for an object's prototype, computed once per prototype: the requests of one app
 * share theirs, so the last answer is kept next to the map of all of them.
 */
export function perPrototype(answer: (proto: object | null) => boolean): (target: object) => boolean {
  const known = new WeakMap<object, boolean>();
  const none = answer(null);
  let lastProto: object | null = null;
  let last = none;
  return (target) => {
    const proto: object | null = Object.getPrototypeOf(target);
    if (proto === lastProto) return last;
    let value = proto === null ? none : known.get(proto);
    if (value === undefined && proto !== null) {
      value = answer(proto);
      known.set(proto, value);
    }
    lastProto = proto;
    last = value ?? none;
    return last;
  };
}
