import {
  appChain,
  isRouter,
  type LayerLike,
  layerPattern,
  mountedPrefix,
  originalHandle,
  type RouterLike,
  routePattern,
  routerOf,
} from './layers.js';
import { joinTemplate } from './template.js';

/**
 * Finds the route template of a request by walking the router tree, for the requests the layer
 * wrappers could not follow (the middleware mounted inside a router or a sub-app, or the request
 * during which those routers were first instrumented). Starting at the outermost application, it
 * follows the mount layers whose pattern consumes the request's concrete `req.baseUrl` down to
 * the route layer that handled the request (`req.route`). Only reads the layers: their own
 * `match()` (which stores per-request state on the layer) is never called.
 */

const MAX_DEPTH = 16;

export interface FoundRoute {
  readonly template: string;
  /** The routers the request went through, outermost first (to instrument them). */
  readonly routers: readonly RouterLike[];
}

interface Search {
  readonly target: unknown;
  readonly apps: readonly unknown[];
  /** The request path inside the innermost router (for a route with an array of paths). */
  readonly routePath: string;
}

function walk(
  search: Search,
  router: RouterLike,
  remaining: string,
  appIndex: number,
  depth: number,
): { mounts: string[]; route: string; routers: RouterLike[] } | undefined {
  if (depth > MAX_DEPTH) return undefined;
  for (const layer of router.stack) {
    if (layer.route !== undefined) {
      if (layer.route === search.target && remaining === '') {
        return { mounts: [], route: routePattern(layer, search.routePath), routers: [router] };
      }
      continue;
    }
    const found = descend(search, layer, remaining, appIndex, depth);
    if (found !== undefined) {
      found.routers.unshift(router);
      return found;
    }
  }
  return undefined;
}

function descend(search: Search, layer: LayerLike, remaining: string, appIndex: number, depth: number) {
  const handle = originalHandle(layer);
  if (typeof handle !== 'function' || handle.length > 3) return undefined;
  let inner: RouterLike | undefined;
  let nextApp = appIndex;
  if (isRouter(handle)) {
    inner = handle;
  } else if (handle.name === 'mounted_app') {
    // Express names the function that mounts a sub-application `mounted_app` (4 and 5)
    nextApp = appIndex + 1;
    inner = routerOf(search.apps[nextApp]);
  }
  if (inner === undefined) return undefined;
  const consumed = mountedPrefix(layer, remaining);
  if (consumed === undefined || !remaining.startsWith(consumed)) return undefined;
  const found = walk(search, inner, remaining.slice(consumed.length), nextApp, depth + 1);
  if (found === undefined) return undefined;
  found.mounts.unshift(layerPattern(layer, consumed === '' ? '/' : consumed));
  return found;
}

/** The template of the route `route` that handled a request with this `app`, `baseUrl` and path. */
export function findRoute(app: unknown, baseUrl: string, route: unknown, routePath: string): FoundRoute | undefined {
  const apps = appChain(app);
  const root = routerOf(apps[0]);
  if (root === undefined) return undefined;
  const found = walk({ target: route, apps, routePath }, root, baseUrl, 0, 0);
  if (found === undefined) return undefined;
  return { template: joinTemplate(found.mounts, found.route), routers: found.routers };
}
