import { patternFromRegExp, type RegExpKey } from './template.js';

/** The parts of an Express 4 / Express 5 router layer that route templates need (duck-typed). */

export type Handle = (req: never, res: unknown, next: (err?: unknown) => void) => unknown;

export interface LayerLike {
  handle: Handle;
  route?: { path: unknown };
  /** Express 5 (router ≥ 2.3): the pattern as written. */
  rawPath?: unknown;
  /** Express 5: one matcher per pattern in `rawPath`. */
  matchers?: ReadonlyArray<(path: string) => unknown>;
  /** Express 5: a mount at `/` (matches every path, consumes nothing). */
  slash?: boolean;
  /** Express 4: the compiled pattern and its keys. */
  regexp?: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  keys?: RegExpKey[];
}

export interface RouterLike {
  stack: LayerLike[];
}

let warnedOldRouter = false;

export function isRouter(value: unknown): value is RouterLike {
  return typeof value === 'function' && Array.isArray((value as Partial<RouterLike>).stack);
}

/** The router of an Express 4 (`app._router`) or Express 5 (`app.router`) application. */
export function routerOf(app: unknown): RouterLike | undefined {
  if (typeof app !== 'function') return undefined;
  const candidate = app as { _router?: unknown; router?: unknown; lazyrouter?: unknown };
  const router = candidate._router ?? (typeof candidate.lazyrouter === 'function' ? undefined : candidate.router);
  return isRouter(router) ? router : undefined;
}

export function patternText(pattern: unknown): string {
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

/** Runs an Express 5 matcher without letting a malformed percent-encoding throw. */
function tryMatch(match: (path: string) => unknown, path: string): unknown {
  try {
    return match(path);
  } catch {
    return false;
  }
}

/** The pattern of `layer` that matched `path` (the part of the URL this layer consumed). */
export function layerPattern(layer: LayerLike, path: string): string {
  if (layer.rawPath !== undefined) {
    if (Array.isArray(layer.rawPath)) {
      const index = layer.matchers?.findIndex((match) => Boolean(tryMatch(match, path))) ?? -1;
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

/** The pattern of a route layer (`app.get(pattern, …)`); for an array of paths, the one that matched `path`. */
export function routePattern(layer: LayerLike, path: string): string {
  const routePath = layer.route?.path;
  if (!Array.isArray(routePath)) return patternText(routePath);
  return layer.rawPath !== undefined ? layerPattern(layer, path) : patternText(alternativeFor(layer, routePath, path));
}

/**
 * The part of `path` a mount layer (`use(pattern, …)`) consumes, as it ends up in `req.baseUrl`
 * (without a trailing slash), or `undefined` when the layer does not match `path`. Pure: the
 * layer's own `match()` is not called (it stores per-request state on the layer).
 */
export function mountedPrefix(layer: LayerLike, path: string): string | undefined {
  const target = path === '' ? '/' : path;
  let matched: string | undefined;
  if (layer.slash === true || layer.regexp?.fast_slash === true) return '';
  if (layer.matchers !== undefined) {
    for (const match of layer.matchers) {
      const result = tryMatch(match, target) as { path?: unknown } | false;
      if (result !== false && typeof result?.path === 'string') {
        matched = result.path;
        break;
      }
    }
  } else if (layer.regexp !== undefined) {
    layer.regexp.lastIndex = 0;
    matched = layer.regexp.exec(target)?.[0];
  }
  if (matched === undefined) return undefined;
  return matched.endsWith('/') ? matched.slice(0, -1) : matched;
}

/** The handle a wrapper replaced, keyed by the wrapper. */
const originals = new WeakMap<Handle, Handle>();

export function rememberOriginal(wrapper: Handle, original: Handle): void {
  originals.set(wrapper, original);
}

/** The handle the user registered (the wrapper removed). */
export function originalHandle(layer: LayerLike): Handle {
  return originals.get(layer.handle) ?? layer.handle;
}

/** The applications from the outermost one down to `app` (Express sets `parent` on a mounted sub-app). */
export function appChain(app: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = app;
  while (typeof current === 'function' && chain.length < 16 && !chain.includes(current)) {
    chain.unshift(current);
    current = (current as { parent?: unknown }).parent;
  }
  return chain;
}
