// WebSocket upgrades beside plain routes: the API key of an upgrade, for
// clients that cannot set headers, and a route constraint that sends only
// upgrades to a WebSocket route sharing its path with a plain GET.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Browsers cannot set headers on a WebSocket, so an upgrade to the stream may
 * carry its key as `?key=…` or as the subprotocols `bearer, <key>`. Both are
 * turned into the `Authorization` header before Fastify routes the request,
 * so the same `onRequest` check as every other route accepts or refuses it
 * before the upgrade. `key` also leaves the URL, so it is in no log.
 */
export function keyIntoHeader(matches: (path: string) => boolean): (req: IncomingMessage) => void {
  return (req) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!matches(path)) return;
    let key: string | undefined;
    if (q !== -1) {
      const params = new URLSearchParams(url.slice(q + 1));
      const fromQuery = params.get('key');
      if (fromQuery !== null) {
        key = fromQuery;
        params.delete('key');
        const rest = params.toString();
        req.url = rest === '' ? path : `${path}?${rest}`;
      }
    }
    const protocols = req.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim());
    // `ws` answers with the first subprotocol offered, `bearer`, so the key is never echoed back.
    if (key === undefined && protocols?.[0]?.toLowerCase() === 'bearer' && protocols[1]) key = protocols[1];
    if (key !== undefined && key !== '' && req.headers.authorization === undefined && req.headers['x-api-key'] === undefined) {
      req.headers.authorization = `Bearer ${key}`;
    }
  };
}

/**
 * Runs `listener` on every upgrade before @fastify/websocket's own `upgrade`
 * listener (which routes the request), so it can fix the request first (the
 * key into its header); removed as the app closes.
 */
export function beforeUpgradeRouting(app: FastifyInstance, listener: (req: IncomingMessage) => void): void {
  app.server.prependListener('upgrade', listener);
  app.addHook('onClose', async () => {
    app.server.removeListener('upgrade', listener);
  });
}

type ConstraintStrategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];
type RouteHandler = Parameters<ReturnType<ConstraintStrategy['storage']>['set']>[1];

/** `constraints: { upgrade: 'websocket' }` matches requests with `Upgrade: websocket`. */
export const upgradeConstraint: ConstraintStrategy = {
  name: 'upgrade',
  storage() {
    const handlers = new Map<unknown, RouteHandler>();
    return {
      get: (value) => handlers.get(value) ?? null,
      set: (value, handler) => void handlers.set(value, handler),
    };
  },
  deriveConstraint: (req: IncomingMessage) => (req.headers.upgrade?.toLowerCase() === 'websocket' ? 'websocket' : undefined),
  mustMatchWhenDerived: false,
};
