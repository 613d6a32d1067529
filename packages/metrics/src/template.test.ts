import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { joinTemplate, patternFromRegExp, type RegExpKey } from './template.js';

const require = createRequire(import.meta.url);
type Express4Layer = { regexp: RegExp; keys: RegExpKey[] };
const Layer = require('express4/lib/router/layer.js') as new (
  path: string | RegExp,
  options: object,
  fn: () => void,
) => Express4Layer;

function mountPattern(path: string | RegExp): string {
  const layer = new Layer(path, { end: false, strict: false, sensitive: false }, () => {});
  return patternFromRegExp(layer.regexp, layer.keys);
}

describe('patternFromRegExp (Express 4 mount layers)', () => {
  it.each([
    ['/api/v1', '/api/v1'],
    ['/orgs/:org', '/orgs/:org'],
    ['/users/:id?', '/users/:id?'],
    ['/a/:b/c', '/a/:b/c'],
    ['/files/*', '/files/*'],
    ['/', '/'],
    ['/x.y/:z(\\d+)', '/x.y/:z'],
    ['/:a-:b', '/:a-:b'],
    ['/v:ver/x', '/v:ver/x'],
    ['/end/', '/end'],
  ])('%s → %s', (path, expected) => {
    expect(mountPattern(path)).toBe(expected);
  });

  it('returns a user-written regular expression as its source text', () => {
    expect(mountPattern(/^\/re/)).toBe('/^\\/re/');
  });
});

describe('joinTemplate', () => {
  it.each([
    [[], '/users/:id', '/users/:id'],
    [['/api/v1', '/orgs/:org'], '/users/:id', '/api/v1/orgs/:org/users/:id'],
    [['/api/'], '/', '/api'],
    [[], '/', '/'],
    [['/', '/'], '/x', '/x'],
    [['/api'], 'x', '/api/x'],
  ] as const)('%j + %s → %s', (mounts, route, expected) => {
    expect(joinTemplate(mounts, route)).toBe(expected);
  });
});
