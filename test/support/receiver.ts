import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** A real HTTP receiver: answers each request with what `answer` says for it (the n-th on its path). */
export async function receiver(answer: (path: string, n: number, body: string) => number) {
  const got: Received[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const status = answer(path, n, body);
      got.push({ path, headers: req.headers as Record<string, string>, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export type Receiver = Awaited<ReturnType<typeof receiver>>;
