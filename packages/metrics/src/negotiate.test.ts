import { describe, expect, it } from 'vitest';
import { contentTypeOf, negotiateFormat } from './negotiate.js';

describe('negotiateFormat', () => {
  it.each([
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['application/openmetrics-text', 'openmetrics'],
    // what Prometheus 2.x sends
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
    ],
    ['text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    ['application/openmetrics-text;q=0.5, text/*;q=0.4', 'openmetrics'],
    ['application/*', 'prometheus'],
    ['garbage;;;,', 'prometheus'],
    ['APPLICATION/OPENMETRICS-TEXT', 'openmetrics'],
  ])('%s → %s', (accept, expected) => {
    expect(negotiateFormat(accept)).toBe(expected);
  });

  it('names the exact Content-Type of each format', () => {
    expect(contentTypeOf('prometheus')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(contentTypeOf('openmetrics')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });
});
