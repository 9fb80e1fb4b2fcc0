import { describe, expect, it } from 'vitest';
import { parseEndpoints } from './endpoints.ts';
import { newSecret } from './signature.ts';

const secret = newSecret();

describe('CARRELLO_WEBHOOKS', () => {
  it('takes a JSON array of endpoints; none when unset', () => {
    expect(parseEndpoints('')).toEqual([]);
    const list = [
      { name: 'klaviyo', url: 'https://hooks.example.com/carrello', secrets: [secret], kinds: ['cart.abandoned', 'cart.recovered'] },
      { name: 'local-flow', url: 'http://127.0.0.1:9000/in', secrets: [newSecret(), secret], anonymous: true, min_value_minor: 5000 },
    ];
    expect(parseEndpoints(JSON.stringify(list))).toEqual(list);
  });

  it.each([
    ['not JSON', '[{', /^not JSON: /],
    ['a name with capitals', JSON.stringify([{ name: 'Klaviyo', url: 'https://x.example', secrets: [secret] }]), /^0\.name: expected 1–64 of a-z/],
    [
      'http to another machine',
      JSON.stringify([{ name: 'a', url: 'http://hooks.example.com/x', secrets: [secret] }]),
      /^0\.url: expected https \(http only to this machine\)$/,
    ],
    [
      'a secret that is not whsec_',
      JSON.stringify([{ name: 'a', url: 'https://x.example', secrets: ['hunter2'] }]),
      /^0\.secrets: expected "whsec_" followed by/,
    ],
    ['an unknown kind', JSON.stringify([{ name: 'a', url: 'https://x.example', secrets: [secret], kinds: ['cart.viewed'] }]), /^0\.kinds\.0: /],
    ['an unknown field', JSON.stringify([{ name: 'a', url: 'https://x.example', secrets: [secret], secret }]), /^0: .*secret/],
    ['a negative minimum value', JSON.stringify([{ name: 'a', url: 'https://x.example', secrets: [secret], min_value_minor: -1 }]), /^0\.min_value_minor: /],
    [
      'a name used twice',
      JSON.stringify([
        { name: 'a', url: 'https://x.example', secrets: [secret] },
        { name: 'a', url: 'https://y.example', secrets: [secret] },
      ]),
      /^1\.name: "a" is used twice/,
    ],
  ])('refuses %s, naming the field', (_name, json, message) => {
    expect(() => parseEndpoints(json)).toThrow(message);
  });
});
