import { describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { loadChdb, parseClickHouseUrl } from './clickhouse/client.ts';
import { describeStore, parseStore } from './open.ts';
import { CarrelloError } from '../errors/carrelloError.ts';

describe('store configuration', () => {
  it.each([
    [
      'clickhouse://carrello:s%40cret@ch.example:8123/analytics',
      { url: 'http://ch.example:8123', username: 'carrello', password: 's@cret', database: 'analytics' },
    ],
    ['clickhouses://ch.example/analytics', { url: 'https://ch.example:8443', username: 'default', password: '', database: 'analytics' }],
    ['http://localhost:8123', { url: 'http://localhost:8123', username: 'default', password: '', database: 'default' }],
    ['https://u:p@[::1]:9440/db_1/', { url: 'https://[::1]:9440', username: 'u', password: 'p', database: 'db_1' }],
  ])('reads the ClickHouse URL %s', (url, expected) => {
    expect(parseClickHouseUrl(url)).toEqual({ kind: 'server', ...expected });
  });

  it.each([
    ['ftp://host/db', 'invalid_clickhouse_url'],
    ['clickhouse://host/bad-name', 'invalid_clickhouse_url'],
    ['clickhouse://', 'invalid_clickhouse_url'],
  ])('refuses %s', (url, code) => {
    expect(() => parseClickHouseUrl(url)).toThrow(expect.objectContaining({ code }));
  });

  it('parses every store form, and never logs a password', () => {
    expect(parseStore('duckdb:/data/x.duckdb')).toEqual({ kind: 'duckdb', path: '/data/x.duckdb' });
    expect(parseStore('chdb:/data/ch')).toEqual({ kind: 'clickhouse', target: { kind: 'chdb', path: '/data/ch', database: 'default' } });
    const server = parseStore('clickhouse://u:hunter2@h:8123/db');
    expect(server).toMatchObject({ kind: 'clickhouse', target: { kind: 'server', database: 'db' } });
    expect(describeStore(server)).toBe('http://h:8123 as u (database db)');
    expect(() => parseStore('postgres://h/db')).toThrow(/duckdb:PATH, clickhouse:\/\/.*chdb:PATH/);
  });

  it('takes --store over CARRELLO_STORE over CLICKHOUSE_URL, and names the field when the store is bad', () => {
    const env = { CARRELLO_STORE: 'chdb:/a', CLICKHOUSE_URL: 'http://h:8123/db' };
    expect(parseConfig({ store: 'duckdb:/b.duckdb' }, env).store).toEqual({ kind: 'duckdb', path: '/b.duckdb' });
    expect(parseConfig({}, env).store).toMatchObject({ target: { kind: 'chdb', path: '/a' } });
    expect(parseConfig({}, { CLICKHOUSE_URL: 'http://h:8123/db' }).store).toMatchObject({ target: { kind: 'server', database: 'db' } });
    expect(parseConfig({}, {}).store).toMatchObject({ kind: 'duckdb' });
    expect(() => parseConfig({ store: 'mysql://x' }, {})).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => parseConfig({ store: 'mysql://x' }, {})).toThrow(/^store: unsupported store/);
  });

  it('says to install chdb when a chdb:PATH store is asked for without it', async () => {
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find package 'chdb'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    const err = await loadChdb(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarrelloError);
    expect(err).toMatchObject({ code: 'chdb_missing', message: expect.stringContaining('npm i chdb') });
  });
});
