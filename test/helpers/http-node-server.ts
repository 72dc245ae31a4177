import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeAPI } from 'node-red';

export type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/**
 * Node-RED's HTTP node app (RED.httpNode: `http in` routes, the tg-status API) served on an ephemeral
 * loopback port, as with httpNodeRoot "/". List `capture` among the node modules given to helper.load,
 * then `listen()`. The server is closed after each test (the hook is registered where this is called).
 */
export function httpNodeServer() {
  let app: Middleware | undefined;
  const s = {
    server: undefined as http.Server | undefined,
    /** http://127.0.0.1:<port> once listening. */
    origin: '',
    /** A "node module" for helper.load that only takes hold of RED.httpNode. */
    capture: (RED: NodeAPI): void => {
      app = RED.httpNode as unknown as Middleware;
    },
    /** Serves the app captured by the last load (an earlier server is closed first); answers 404 past its routes. */
    async listen(opts: { notFoundBody?: string } = {}): Promise<string> {
      const handle = app!;
      await s.close();
      const server = http.createServer((req, res) => handle(req, res, () => res.writeHead(404).end(opts.notFoundBody)));
      s.server = server;
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      s.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return s.origin;
    },
    async close(): Promise<void> {
      const server = s.server;
      s.server = undefined;
      if (server) await new Promise((r) => server.close(r));
    },
  };
  afterEach(() => s.close());
  return s;
}
