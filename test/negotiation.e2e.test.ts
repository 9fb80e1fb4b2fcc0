import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from './support/app.ts';
import { ingestTexts, itemAdded } from './support/seed.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const CSV_TYPE = 'text/csv; charset=utf-8';
const ARROW_TYPE = 'application/vnd.apache.arrow.stream';
const PROBLEM = 'application/problem+json; charset=utf-8';
const AS_OF = '2026-03-05T00:00:00.000Z';
const FUNNEL = `/v1/funnels/abandonment?from=2026-03-01T00:00:00.000Z&to=2026-03-04T00:00:00.000Z&as_of=${AS_OF}`;
const AUDIENCE = `/v1/audiences/abandoned-carts?as_of=${AS_OF}`;

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp();
  await ingestTexts(app.warehouse, [itemAdded('00000000-0000-4000-8000-0000000000a1', '2026-03-02T10:00:00.000Z')]);
});
afterAll(() => app?.stop());

const sep = (path: string) => (path.includes('?') ? '&' : '?');

describe('content negotiation: ?format= first, then Accept with its q-values', () => {
  it.each([
    ['no Accept', FUNNEL, '', undefined, 200, JSON_TYPE],
    ['Accept: */*', FUNNEL, '', '*/*', 200, JSON_TYPE],
    ['Accept: text/csv', FUNNEL, '', 'text/csv', 200, CSV_TYPE],
    ['CSV at q=0.1 below JSON', FUNNEL, '', 'text/csv;q=0.1, application/json', 200, JSON_TYPE],
    ['JSON at q=0.2 below CSV', FUNNEL, '', 'application/json;q=0.2, text/csv', 200, CSV_TYPE],
    ['Arrow preferred over JSON', FUNNEL, '', 'application/json;q=0.5, application/vnd.apache.arrow.stream', 200, ARROW_TYPE],
    ['text/* wildcard', FUNNEL, '', 'text/*', 200, CSV_TYPE],
    ['a browser Accept', FUNNEL, '', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 200, JSON_TYPE],
    ['?format=csv over Accept: application/json', FUNNEL, 'format=csv', 'application/json', 200, CSV_TYPE],
    ['Accept: application/xml alone', FUNNEL, '', 'application/xml', 406, PROBLEM],
    ['Accept: text/csv;q=0 (refused) alone', FUNNEL, '', 'text/csv;q=0', 406, PROBLEM],
    ['Arrow from the audience (its lines as Lists)', AUDIENCE, '', 'application/vnd.apache.arrow.stream', 200, ARROW_TYPE],
    ['?format=xml', FUNNEL, 'format=xml', undefined, 400, PROBLEM],
    ['?format=ndjson on an analysis', FUNNEL, 'format=ndjson', undefined, 400, PROBLEM],
    ['?format=parquet where JSON, CSV and Arrow are offered', AUDIENCE, 'format=parquet', undefined, 400, PROBLEM],
    ['?format= empty', FUNNEL, 'format=', undefined, 400, PROBLEM],
  ])('%s', async (_what, path, query, accept, status, type) => {
    const res = await fetch(`${app.url}${path}${query ? `${sep(path)}${query}` : ''}`, { headers: accept === undefined ? {} : { accept } });
    expect([res.status, res.headers.get('content-type')]).toEqual([status, type]);
    await res.arrayBuffer();
  });

  it('a 406 names the Accept header and what is offered', async () => {
    const res = await fetch(`${app.url}${FUNNEL}`, { headers: { accept: 'application/xml' } });
    expect(await res.json()).toMatchObject({
      status: 406,
      code: 'not_acceptable',
      accept: 'application/xml',
      offered: ['application/json', 'text/csv', ARROW_TYPE],
      detail: 'no representation matches Accept: application/xml; this answer is offered as application/json, text/csv, application/vnd.apache.arrow.stream',
    });
  });

  it.each([
    [FUNNEL, 'xml', ['json', 'csv', 'arrow']],
    [AUDIENCE, 'parquet', ['json', 'csv', 'arrow']],
  ])('a 400 for %s&format=%s names the value and the formats offered', async (path, format, offered) => {
    const res = await fetch(`${app.url}${path}&format=${format}`);
    const message = `unknown format "${format}"; one of ${offered.join(', ')}`;
    expect(await res.json()).toMatchObject({
      status: 400,
      code: 'invalid_request',
      detail: `query format: ${message}`,
      errors: [{ in: 'query', field: 'format', message }],
      formats: offered,
    });
  });

  it('POST /v1/sql negotiates the same way', async () => {
    const sql = (accept: string) =>
      fetch(`${app.url}/v1/sql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: 'SELECT 1 AS one' }),
      });
    const json = await sql('text/csv;q=0.1, application/json');
    expect([json.status, json.headers.get('content-type')]).toEqual([200, JSON_TYPE]);
    await json.arrayBuffer();
    const refused = await sql('application/xml');
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([406, 'not_acceptable']);
  });
});
