import type { IncomingMessage } from 'node:http';
import {
  appChain,
  type Handle,
  isRouter,
  type LayerLike,
  layerPattern,
  patternText,
  type RouterLike,
  rememberOriginal,
  routePattern,
  routerOf,
} from './layers.js';
import { joinTemplate } from './template.js';
import { findRoute } from './tree.js';

/**
 * Route templates without patching the `express` module: a request that reaches a
 * `metrics().middleware` wraps the `handle` of the layers in the routers of its application and
 * of the applications it is mounted in (once per layer, and again only when a router's stack has
 * grown). A mount layer's wrapper pushes its path pattern on the request's mount list and pops it
 * when the mounted router calls `next`; a route layer's wrapper records `mounts + route.path`.
 * Per request this costs one push/pop per mount point passed through. A route the wrappers did not
 * see (the request that instrumented its router, the middleware mounted inside a router) is found
 * by walking the router tree once (`tree.ts`), which also instruments the routers on its way.
 */

type RequestHandle = (req: IncomingMessage, res: unknown, next: (err?: unknown) => void) => unknown;

interface RouteState {
  mounts: string[];
  /** Concrete `req.baseUrl` at each mount, to find which of several patterns matched. */
  bases: string[];
  template: string | undefined;
  /** Whether a wrapped route layer saw this request (then `req.route` is not consulted). */
  routed: boolean;
  /** Tracking began inside a mount no wrapper saw (`req.baseUrl` was set): `mounts` lacks its prefix. */
  partial: boolean;
}

const states = new WeakMap<IncomingMessage, RouteState>();
const wrapped = new WeakSet<LayerLike>();
const instrumentedLength = new WeakMap<RouterLike, number>();
/** The routers of an application and of the applications it is mounted in. */
const appRouters = new WeakMap<object, RouterLike[]>();

/** The mounts of a request that passed none (most requests): shared, replaced before the first push. */
const NO_MOUNTS: string[] = [];

function stateOf(req: IncomingMessage): RouteState {
  let state = states.get(req);
  if (state === undefined) {
    state = { mounts: NO_MOUNTS, bases: NO_MOUNTS, template: undefined, routed: false, partial: false };
    states.set(req, state);
  }
  return state;
}

/**
 * Labelling must never fail a request: a wrapper's exception would become the request's 500, and
 * one in the 'finish' listener an uncaught exception. An odd layer costs its label, nothing more.
 */
function safely<T>(compute: () => T, fallback: T): T {
  try {
    return compute();
  } catch {
    return fallback;
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function baseUrlOf(req: IncomingMessage): string {
  return (req as IncomingMessage & { baseUrl?: string }).baseUrl ?? '';
}

function wrapMount(layer: LayerLike, original: RequestHandle): RequestHandle {
  if (layer.slash === true || layer.regexp?.fast_slash === true) return wrapSlashMount(original);
  const mounted = function mountedWithTemplate(req: IncomingMessage, res: unknown, next: (err?: unknown) => void) {
    const state = stateOf(req); // also before the middleware: it may be mounted deeper, inside this router
    if (state.mounts === NO_MOUNTS) {
      state.mounts = [];
      state.bases = [];
    }
    const depth = state.mounts.length;
    const parentBase = state.bases[depth - 1] ?? '';
    const base = baseUrlOf(req);
    state.mounts.push(safely(() => layerPattern(layer, base.slice(parentBase.length) || '/'), '/'));
    state.bases.push(base);
    if (isRouter(original)) safely(() => instrumentRouter(original), undefined);
    return original(req, res, function restoreMounts(err?: unknown) {
      state.mounts.length = depth;
      state.bases.length = depth;
      return next(err);
    });
  };
  Object.setPrototypeOf(mounted, original); // `stack`, `params`… of a router stay readable
  return mounted;
}

/**
 * A router mounted at `/` (`app.use(router)`) adds nothing to a template and leaves `req.baseUrl`
 * as it is: nothing to push or restore, only its stack to instrument when it grew.
 */
function wrapSlashMount(original: RequestHandle): RequestHandle {
  const router = isRouter(original) ? original : undefined;
  const mounted = function mountedAtSlash(req: IncomingMessage, res: unknown, next: (err?: unknown) => void) {
    if (router !== undefined && instrumentedLength.get(router) !== router.stack.length) {
      safely(() => instrumentRouter(router), undefined);
    }
    return original(req, res, next);
  };
  Object.setPrototypeOf(mounted, original);
  return mounted;
}

function wrapRoute(layer: LayerLike, original: RequestHandle): RequestHandle {
  const routed = function routeWithTemplate(req: IncomingMessage, res: unknown, next: (err?: unknown) => void) {
    const state = stateOf(req);
    let pattern: string | undefined;
    try {
      pattern = typeof layer.route?.path === 'string' ? layer.route.path : routePattern(layer, pathOf(req));
    } catch {
      pattern = undefined;
    }
    if (pattern !== undefined) {
      state.template = joinTemplate(state.mounts, pattern);
      state.routed = true;
    }
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
    const original = layer.handle as RequestHandle;
    if (typeof original !== 'function' || original.length > 3) continue; // error handlers
    let wrapper: RequestHandle | undefined;
    if (layer.route !== undefined) wrapper = wrapRoute(layer, original);
    else if (isRouter(original) || layerPattern(layer, '/') !== '/') wrapper = wrapMount(layer, original);
    if (wrapper !== undefined) {
      layer.handle = wrapper as Handle;
      rememberOriginal(wrapper as Handle, original as Handle);
    }
  }
  instrumentedLength.set(router, stack.length);
}

/** Starts tracking the route template of `req`; instruments the routers of `req.app` and of its parent apps. */
export function trackRoute(req: IncomingMessage): void {
  try {
    track(req);
  } catch {
    // an odd application costs its labels, never the request
  }
}

function track(req: IncomingMessage): void {
  if (!states.has(req)) stateOf(req).partial = baseUrlOf(req) !== '';
  const app = (req as IncomingMessage & { app?: unknown }).app;
  if (typeof app !== 'function') return;
  let routers = appRouters.get(app);
  if (routers === undefined) {
    // once per application (mounting happens at start-up; a route missed later is found by tree.ts)
    routers = appChain(app)
      .map(routerOf)
      .filter((router) => router !== undefined);
    appRouters.set(app, routers);
  }
  for (const router of routers) instrumentRouter(router);
}

/**
 * The route template that handled `req` (`/api/v1/orgs/:org/users/:id`), or `undefined` when no
 * route matched. A route the wrappers did not see is found in the router tree; failing that,
 * `req.route.path` is joined to the mounts the wrappers saw.
 */
export function routeTemplate(req: IncomingMessage): string | undefined {
  try {
    return templateOf(req);
  } catch {
    return undefined;
  }
}

function templateOf(req: IncomingMessage): string | undefined {
  const state = states.get(req);
  if (state?.routed === true && (state.template === undefined || !state.partial)) return state.template;
  const route = (req as IncomingMessage & { route?: { path?: unknown } }).route;
  if (route?.path === undefined) return state?.template;
  const app = (req as IncomingMessage & { app?: unknown }).app;
  const found = findRoute(app, baseUrlOf(req), route, pathOf(req));
  if (found === undefined) return state?.template ?? joinTemplate(state?.mounts ?? [], patternText(route.path));
  for (const router of found.routers) instrumentRouter(router);
  return found.template;
}
