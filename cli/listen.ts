import { createServer, type RequestListener, type Server } from 'node:http';
import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * Listens on host:port, or throws `command_failed` naming them. Not express's app.listen: in express 5 a
 * listen error reaches the callback as its argument, so a port already in use looked like a start that
 * worked (the process then ended with 0, having served nothing).
 */
export async function listen(handler: RequestListener, port: number, host: string): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const why = err.code === 'EADDRINUSE' ? 'the port is already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new CarrelloError('command_failed', `cannot listen on ${where} (port ${port}): ${why}${err.code ? ` (${err.code})` : ''}`);
  });
  return server;
}
