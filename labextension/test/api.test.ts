import { describe, expect, it } from 'vitest';

import { errorMessage, queryString } from '../src/api';

describe('queryString', () => {
  it('encodes values and leaves out empty ones', () => {
    expect(queryString({ notebook: 'dir/a b.ipynb', scope: 'all', x: undefined, y: '' })).toBe(
      '?notebook=dir%2Fa%20b.ipynb&scope=all'
    );
    expect(queryString({})).toBe('');
  });
});

describe('errorMessage', () => {
  it("uses the Jupyter server's message", () => {
    expect(errorMessage(404, '{"message": "no trial \'x\'", "reason": "Not Found"}')).toBe(
      "no trial 'x'"
    );
    expect(errorMessage(500, '{"reason": "Internal Server Error"}')).toBe(
      '500 Internal Server Error'
    );
  });

  it('never shows an HTML page', () => {
    expect(errorMessage(502, '<html><body>Bad gateway</body></html>')).toBe('HTTP 502');
    expect(errorMessage(503, 'busy')).toBe('busy');
  });
});
