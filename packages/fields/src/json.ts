/**
 * How `fields()` reaches the body of `res.json`: a `json` member on a layer of the app's response
 * prototype (`ExpressLayer`), installed once, instead of a wrapper assigned to every response (an
 * own property per response costs it a hidden class of its own, about 6 µs on the bench machine).
 * The member finds the response's selection in a `WeakMap`; responses without one pass through.
 */
import { ExpressLayer } from '@expresskit/core';
import type { Response } from 'express';
import type { CompiledFields } from './compile.js';
import { FORBIDDEN } from './plan.js';

/** Finds the member of an enveloped body that holds the items, or `undefined` when `body` is no envelope. */
export type EnvelopeLocator = (body: Readonly<Record<string, unknown>>) => string | undefined;

/**
 * The selection of one `fields()` for one response, and the one of a `fields()` mounted before
 * it on the same request (`outer`), applied after it: as when each wrapped `res.json` in turn.
 * Nothing here refers back to the response (a `WeakMap` value that leads back to its key makes V8
 * keep and revisit the entry).
 */
interface Selection {
  readonly selector: CompiledFields;
  readonly envelope: EnvelopeLocator | null;
  readonly outer: Selection | undefined;
}

const selections = new WeakMap<object, Selection>();

type Json = (this: Response, ...args: unknown[]) => Response;

/** The layers' `json` members (one per Express copy the layer was installed for). */
const layerJsons = new WeakSet<object>();

const layer = new ExpressLayer('@expresskit/fields res.json', (parent) => {
  const up = parent as { json: Json };
  const json = function json(this: Response, body?: unknown, second?: unknown): Response {
    const selection = selections.get(this);
    // biome-ignore lint/complexity/noArguments: passes any call through unchanged, without an array per call
    if (selection === undefined) return up.json.apply(this, arguments as unknown as unknown[]);
    // biome-ignore lint/complexity/noArguments: no array per response for the usual one-argument call
    return selectAndSend(this, selection, up.json, arguments.length, body, second);
  };
  layerJsons.add(json);
  return { json: { value: json, writable: true, configurable: true } };
});

/**
 * Applies `selector` to what this response's `res.json` is given (bodies of status < 400): through
 * the layer, or, where it cannot serve (not an Express response, or the response has a `res.json`
 * of its own, which must see the selected body), by wrapping `res.json` on the response.
 */
export function selectJson(res: Response, selector: CompiledFields, envelope: EnvelopeLocator | null): void {
  if (!layerJsons.has(res.json)) {
    // First response of an app (or of an app mounted into another one since): install, or look again.
    if (layer.of(res) !== undefined && !layerJsons.has(res.json)) layer.of(res, true);
  }
  if (layerJsons.has(res.json)) {
    selections.set(res, { selector, envelope, outer: selections.get(res) });
    return;
  }
  const next = res.json as Json;
  const own: Selection = { selector, envelope, outer: undefined };
  res.json = function jsonWithFields(this: Response, body?: unknown, second?: unknown): Response {
    // biome-ignore lint/complexity/noArguments: no array per response for the usual one-argument call
    return selectAndSend(this, own, next, arguments.length, body, second);
  } as Response['json'];
}

/** `send.call(res, …)` with the selected body; Express 4's `res.json(status, body)` / `(body, status)` too. */
function selectAndSend(
  res: Response,
  selection: Selection,
  send: Json,
  count: number,
  body: unknown,
  second: unknown,
): Response {
  if (count === 1) return send.call(res, res.statusCode < 400 ? selectBody(body, selection) : body);
  if (count === 0) return send.call(res);
  // Express 4 still accepts the deprecated `res.json(status, body)` and `res.json(body, status)`
  // (Express's `res.json` reads no third argument).
  const args: unknown[] = [body, second];
  let status = res.statusCode;
  let index = 0;
  if (typeof body === 'number') {
    status = body;
    index = 1;
  } else if (typeof second === 'number') {
    status = second;
  }
  if (status < 400) args[index] = selectBody(args[index], selection);
  return send.apply(res, args);
}

/** The selections of the response, innermost (the last `fields()` mounted) first. */
function selectBody(body: unknown, selection: Selection): unknown {
  let selected = body;
  for (let current: Selection | undefined = selection; current !== undefined; current = current.outer) {
    selected = selectOne(selected, current.selector, current.envelope);
  }
  return selected;
}

function selectOne(body: unknown, selector: CompiledFields, envelope: EnvelopeLocator | null): unknown {
  if (envelope !== null && body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    const member = envelope(record);
    if (member !== undefined && !FORBIDDEN.has(member) && Object.hasOwn(record, member)) {
      return { ...record, [member]: selector.select(record[member]) };
    }
  }
  return selector.select(body);
}
