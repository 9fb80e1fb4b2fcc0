import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The example events shipped with the contract: valid ones, and invalid ones with the reason each must get. */
const dir = fileURLToPath(new URL('./examples/', import.meta.url));

export interface InvalidExample {
  name: string;
  text: string;
  expected: { reason: string; field: string | null };
}

export function validExamples(): { name: string; text: string }[] {
  return readdirSync(`${dir}valid`)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.slice(0, -5), text: readFileSync(`${dir}valid/${f}`, 'utf8') }));
}

export function invalidExamples(): InvalidExample[] {
  const expected = JSON.parse(readFileSync(`${dir}invalid.expected.json`, 'utf8')) as Record<string, InvalidExample['expected']>;
  return Object.entries(expected).map(([name, exp]) => ({
    name,
    text: readFileSync(`${dir}invalid/${name}.json`, 'utf8'),
    expected: exp,
  }));
}
