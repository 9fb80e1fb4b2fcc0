import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import { parseOrigins } from './cors.ts';

describe('CARRELLO_CORS_ORIGINS and CARRELLO_PUBLIC_ORIGINS', () => {
  it('takes exact origins, comma-separated, once each', () => {
    expect(parseOrigins(' https://shop.example, http://localhost:3000,https://shop.example ,')).toEqual(['https://shop.example', 'http://localhost:3000']);
    expect(parseOrigins('')).toEqual([]);
  });

  it.each(['*', 'https://shop.example/', 'https://shop.example/cart', 'shop.example', 'ftp://shop.example', 'null', 'https://*.shop.example'])(
    'refuses %s, which no browser sends as an Origin',
    (entry) => {
      expect(() => parseOrigins(entry)).toThrow(/is not an exact origin/);
    },
  );

  it('takes the public origins from CARRELLO_CORS_ORIGINS unless CARRELLO_PUBLIC_ORIGINS is set', () => {
    const keys = 'public:pub-0123456789abcdef';
    expect(parseConfig({}, { CARRELLO_API_KEYS: keys, CARRELLO_CORS_ORIGINS: 'https://a.example' }).public_origins).toEqual(['https://a.example']);
    expect(
      parseConfig({}, { CARRELLO_API_KEYS: keys, CARRELLO_CORS_ORIGINS: 'https://a.example', CARRELLO_PUBLIC_ORIGINS: 'https://b.example' }).public_origins,
    ).toEqual(['https://b.example']);
  });

  it('refuses a public key that no origin may use', () => {
    expect(() => parseConfig({}, { CARRELLO_API_KEYS: 'public:pub-0123456789abcdef' })).toThrow(
      /public_origins: a public key is configured but no origin may use it/,
    );
  });
});
