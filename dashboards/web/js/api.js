// @ts-check
// The dashboards' only way to the data: the /v1 HTTP API, with the optional API key from localStorage.

const KEY_STORAGE = 'carrello.apiKey';

export const apiKey = {
  get: () => localStorage.getItem(KEY_STORAGE) ?? '',
  set: (key) => (key ? localStorage.setItem(KEY_STORAGE, key) : localStorage.removeItem(KEY_STORAGE)),
};

/** An answer that is not 2xx: the problem+json of the API (code, detail, errors) or a network failure. */
export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem.code ?? (status === 0 ? 'network' : `http_${status}`);
    this.errors = problem.errors ?? [];
  }
}

function headers(extra = {}) {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}`, ...extra } : extra;
}

/** @param {Record<string, unknown>} params */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function send(path, init) {
  let res;
  try {
    res = await fetch(path, { ...init, headers: headers(init.headers) });
  } catch (err) {
    throw new ApiProblem(0, { detail: `the API did not answer (${/** @type {Error} */ (err).message}); is carrello running?` });
  }
  if (!res.ok) {
    const text = await res.text();
    let problem;
    try {
      problem = JSON.parse(text);
    } catch {
      problem = { detail: text.slice(0, 300) || res.statusText };
    }
    throw new ApiProblem(res.status, problem);
  }
  return res;
}

/**
 * The JSON answer of GET `path`, typed by the API's own answer schemas (api/http/answers.ts).
 * @template {string} P
 * @param {P} path
 * @param {Record<string, unknown>} [params]
 * @returns {Promise<import('../../../api/http/answers.ts').GetAnswer<P>>}
 */
export async function getJson(path, params = {}) {
  return (await send(path + query(params), { method: 'GET' })).json();
}

/**
 * @template {string} P
 * @param {P} path
 * @param {unknown} body
 * @param {Record<string, unknown>} [params]
 * @returns {Promise<import('../../../api/http/answers.ts').PostAnswer<P>>}
 */
export async function postJson(path, body, params = {}) {
  const res = await send(path + query(params), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

/**
 * Fetches with the API key (a plain link could not send it) and saves the answer as a file.
 * @param {string} path
 * @param {{ method?: string, params?: Record<string, unknown>, body?: unknown, filename: string }} opts
 */
export async function download(path, { method = 'GET', params = {}, body, filename }) {
  const init = body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const res = await send(path + query(params), init);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
}
