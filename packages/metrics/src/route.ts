import type { IncomingMessage } from 'node:http';
import { joinTemplate, patternFromRegExp, type RegExpKey } from './template.js';

/**
 * Route templates without patching the `express` module: the first request that reaches a
 * `metrics().middleware` wraps the `handle` of the layers in that app's own router (once per
 * layer, and again only when a router's stack has grown). A mount layer's wrapper pushes its
 * path pattern on the request's mount list and pops it when the mounted router calls `next`;
 * a route layer's wrapper records `mounts + route.path`. Per request this costs one push/pop per
 * mount point passed through. Requests the middleware did not see pass through untouched.
 */

type Handle = (req: IncomingMessage, res: unknown, next: (err?: unknown) => void) => unknown;

interface LayerLike {
  handle: Handle;
  route?: { path: unknown };
  /** Express 5 (router ≥ 2.3): the pattern as written. */
  rawPath?: unknown;
  /** Express 5: one matcher per pattern in `rawPath`. */
  matchers?: ReadonlyArray<(path: string) => unknown>;
  /** Express 4: the compiled pattern and its keys. */
  regexp?: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  keys?: RegExpKey[];
}

interface RouterLike {
  stack: LayerLike[];
}

interface RouteState {
  mounts: string[];
  /** Concrete `req.baseUrl` at each mount, to find which of several patterns matched. */
  bases: string[];
  template: string | undefined;
  /** Whether a wrapped route layer saw this request (then `req.route` is not consulted). */
  routed: boolean;
}

const states = new WeakMap<IncomingMessage, RouteState>();
const wrapped = new WeakSet<LayerLike>();
const instrumentedLength = new WeakMap<RouterLike, number>();
let warnedOldRouter = false;

function isRouter(value: unknown): value is RouterLike {
  return typeof value === 'function' && Array.isArray((value as Partial<RouterLike>).stack);
}

function patternText(pattern: unknown): string {
  if (typeof pattern === 'string') return pattern;
  if (pattern instanceof RegExp) return String(pattern);
  return Array.isArray(pattern) ? pattern.map(patternText).join('|') : String(pattern);
}

const alternatives = new WeakMap<LayerLike, RegExp[]>();

/** Express 4 compiles an array of paths into one regexp: compile each alone with the same Layer class. */
function alternativeFor(layer: LayerLike, paths: readonly unknown[], path: string): unknown {
  let compiled = alternatives.get(layer);
  if (compiled === undefined) {
    const LayerClass = layer.constructor as new (path: unknown, options: object, fn: () => void) => LayerLike;
    compiled = paths.map((alternative) => new LayerClass(alternative, { end: true }, () => {}).regexp ?? /$^/);
    alternatives.set(layer, compiled);
  }
  const index = compiled.findIndex((regexp) => regexp.test(path));
  return index >= 0 ? paths[index] : paths;
}

/** The pattern of `layer` that matched `path` (the part of the URL this layer consumed). */
function layerPattern(layer: LayerLike, path: string): string {
  if (layer.rawPath !== undefined) {
    if (Array.isArray(layer.rawPath)) {
      const index = layer.matchers?.findIndex((match) => Boolean(match(path))) ?? -1;
      return patternText(index >= 0 ? layer.rawPath[index] : layer.rawPath);
    }
    return patternText(layer.rawPath);
  }
  if (layer.regexp !== undefined) {
    if (layer.regexp.fast_slash) return '/';
    if (layer.regexp.fast_star) return '*';
    return patternFromRegExp(layer.regexp, layer.keys ?? []);
  }
  if (layer.matchers !== undefined && !warnedOldRouter) {
    warnedOldRouter = true;
    process.emitWarning(
      'the Express 5 router in use (router < 2.3) does not expose layer patterns: route labels lose their mount prefixes; update `router` to 2.3 or later',
      { type: 'ExpresskitMetricsWarning', code: 'EXPRESSKIT_METRICS_OLD_ROUTER' },
    );
  }
  return '/';
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function baseUrlOf(req: IncomingMessage): string {
  return (req as IncomingMessage & { baseUrl?: string }).baseUrl ?? '';
}

function wrapMount(layer: LayerLike, original: Handle): Handle {
  const mounted = function mountedWithTemplate(req: IncomingMessage, res: unknown, next: (err?: unknown) => void) {
    const state = states.get(req);
    if (state === undefined) return original(req, res, next);
    const depth = state.mounts.length;
    const parentBase = state.bases[depth - 1] ?? '';
    const base = baseUrlOf(req);
    state.mounts.push(layerPattern(layer, base.slice(parentBase.length) || '/'));
    state.bases.push(base);
    if (isRouter(original)) instrumentRouter(original);
    return original(req, res, function restoreMounts(err?: unknown) {
      state.mounts.length = depth;
      state.bases.length = depth;
      return next(err);
    });
  };
  Object.setPrototypeOf(mounted, original); // `stack`, `params`… of a router stay readable
  return mounted;
}

function wrapRoute(layer: LayerLike, original: Handle): Handle {
  const routed = function routeWithTemplate(req: IncomingMessage, res: unknown, next: (err?: unknown) => void) {
    const state = states.get(req);
    if (state === undefined) return original(req, res, next);
    const routePath = layer.route?.path;
    const pattern = !Array.isArray(routePath)
      ? patternText(routePath)
      : layer.rawPath !== undefined
        ? layerPattern(layer, pathOf(req))
        : patternText(alternativeFor(layer, routePath, pathOf(req)));
    state.template = joinTemplate(state.mounts, pattern);
    state.routed = true;
    return original(req, res, function leaveRoute(err?: unknown) {
      if (err === undefined || err === null || err === 'route' || err === 'router') state.template = undefined;
      return next(err);
    });
  };
  Object.setPrototypeOf(routed, original);
  return routed;
}

/** Wraps the layers of `router` that are not wrapped yet (only when its stack changed). */
export function instrumentRouter(router: RouterLike): void {
  const stack = router.stack;
  if (instrumentedLength.get(router) === stack.length) return;
  for (const layer of stack) {
    if (wrapped.has(layer)) continue;
    wrapped.add(layer);
    const original = layer.handle;
    if (typeof original !== 'function' || original.length > 3) continue; // error handlers
    if (layer.route !== undefined) {
      layer.handle = wrapRoute(layer, original);
    } else if (isRouter(original) || layerPattern(layer, '/') !== '/') {
      layer.handle = wrapMount(layer, original);
    }
  }
  instrumentedLength.set(router, stack.length);
}

/** The router of an Express 4 (`app._router`) or Express 5 (`app.router`) application. */
function routerOf(app: unknown): RouterLike | undefined {
  if (typeof app !== 'function') return undefined;
  const candidate = app as { _router?: unknown; router?: unknown; lazyrouter?: unknown };
  const router = candidate._router ?? (typeof candidate.lazyrouter === 'function' ? undefined : candidate.router);
  return isRouter(router) ? router : undefined;
}

/** Starts tracking the route template of `req` and instruments the router of `req.app`. */
export function trackRoute(req: IncomingMessage): void {
  if (!states.has(req)) states.set(req, { mounts: [], bases: [], template: undefined, routed: false });
  const router = routerOf((req as IncomingMessage & { app?: unknown }).app);
  if (router !== undefined) instrumentRouter(router);
}

/**
 * The route template that handled `req` (`/api/v1/orgs/:org/users/:id`), or `undefined` when no
 * route matched. Falls back to `req.route.path` below the known mounts for routes the wrappers
 * did not see (routes of a mounted sub-application).
 */
export function routeTemplate(req: IncomingMessage): string | undefined {
  const state = states.get(req);
  if (state?.template !== undefined || state?.routed === true) return state.template;
  const route = (req as IncomingMessage & { route?: { path?: unknown } }).route;
  if (route?.path === undefined) return undefined;
  return joinTemplate(state?.mounts ?? [], patternText(route.path));
}
