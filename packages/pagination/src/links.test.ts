import { describe, expect, it } from 'vitest';
import { appendToList, formatLinkHeader, pageUrl, requestOrigin, uriSafe } from './links.js';
import { parseQueryString } from './params.js';

const owned = new Set(['page', 'per_page', 'limit', 'offset']);

describe('pageUrl', () => {
  it('keeps the other parameters byte for byte and in order, repeated ones included', () => {
    const params = parseQueryString('/items?tag=b&page=2&tag=a&q=caf%C3%A9+au+lait&per_page=5&filter[x]=1&empty=&flag');
    expect(
      pageUrl('https://api.example.com', '/items', params, owned, [
        ['page', '3'],
        ['per_page', '5'],
      ]),
    ).toBe('https://api.example.com/items?tag=b&tag=a&q=caf%C3%A9+au+lait&filter[x]=1&empty=&flag&page=3&per_page=5');
  });

  it('leaves out the query when nothing remains, and encodes our values', () => {
    expect(pageUrl('', '/items', [], owned, [])).toBe('/items');
    expect(pageUrl('http://h', '/a%20b', [], owned, [['cursor', 'a.b_c-d']])).toBe('http://h/a%20b?cursor=a.b_c-d');
  });
});

describe('uriSafe', () => {
  it.each([
    ['q=a%20b+c&f[x]=1&s=a,b;c', 'q=a%20b+c&f[x]=1&s=a,b;c'],
    ['q=a>;rel="evil"', 'q=a%3E;rel=%22evil%22'],
    ['q=<x>&t={a|b}^`\\', 'q=%3Cx%3E&t=%7Ba%7Cb%7D%5E%60%5C'],
    ['q=100%&r=%zz&s=%4', 'q=100%25&r=%25zz&s=%254'],
    ['q=a b', 'q=a%20b'],
    ['q=café 😀', 'q=caf%C3%A9%20%F0%9F%98%80'],
    ['q=\uD800', 'q=%EF%BF%BD'],
    ["/a-b._~:@!$&'()*+,;=", "/a-b._~:@!$&'()*+,;="],
  ])('%j → %j', (text, expected) => {
    expect(uriSafe(text)).toBe(expected);
  });

  it('keeps a query that is already a valid URI unchanged, and never lets a link break out of <…>', () => {
    const params = parseQueryString('/items?q=a>;%20rel="next",<x&page=2');
    const url = pageUrl('http://h', '/it<ems>', params, owned, [['page', '3']]);
    expect(url).toBe('http://h/it%3Cems%3E?q=a%3E;%20rel=%22next%22,%3Cx&page=3');
    expect(formatLinkHeader({ next: url })).toBe(`<${url}>; rel="next"`);
  });
});

describe('formatLinkHeader', () => {
  it('writes RFC 8288 links in the order first, prev, next, last, leaving out absent ones', () => {
    expect(
      formatLinkHeader({
        next: 'https://h/i?page=3',
        last: 'https://h/i?page=9',
        first: 'https://h/i?page=1',
        prev: 'https://h/i?page=1',
      }),
    ).toBe(
      '<https://h/i?page=1>; rel="first", <https://h/i?page=1>; rel="prev", <https://h/i?page=3>; rel="next", <https://h/i?page=9>; rel="last"',
    );
    expect(formatLinkHeader({ first: '/i', prev: null, next: '/i?cursor=x' })).toBe(
      '</i>; rel="first", </i?cursor=x>; rel="next"',
    );
  });
});

describe('appendToList', () => {
  it.each([
    [undefined, 'Link, X-Total-Count'],
    ['ETag', 'ETag, Link, X-Total-Count'],
    ['etag, link', 'etag, link, X-Total-Count'],
    [['ETag', 'RateLimit'], 'ETag, RateLimit, Link, X-Total-Count'],
    ['*', '*'],
  ])('%j → %s', (current, expected) => {
    expect(appendToList(current, ['Link', 'X-Total-Count'])).toBe(expected);
  });
});

describe('requestOrigin', () => {
  it.each([
    ['https', 'api.example.com', 'https://api.example.com'],
    ['http', 'LocalHost:3000', 'http://localhost:3000'],
    ['http', '[::1]:8080', 'http://[::1]:8080'],
    ['http', undefined, ''],
    ['http', 'evil.com/path', ''],
    ['http', 'a>b', ''],
    ['http', 'a, b', ''],
    ['javascript', 'h', ''],
  ])('%s + %j → %j', (protocol, host, expected) => {
    expect(requestOrigin(protocol, host)).toBe(expected);
  });
});
