import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PUBLIC } from './route-access';

/** What `/` answers when the dashboard was not built. */
const NOT_BUILT = 'The dashboard is not built. Run `npm run build`, then reload. The API is under /api/v1/.';

/**
 * Serves the built dashboard from `staticDir` at `/` (files looked up per request, so a
 * rebuild needs no restart), or a plain page saying it is not built. These are the only
 * public routes besides `/healthz`: the static plugin's routes are marked `public` by an
 * `onRoute` hook in their own encapsulated context, so no other route is.
 */
export function registerDashboard(app: FastifyInstance, staticDir: string | undefined): void {
  if (staticDir && existsSync(staticDir)) {
    void app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), access: 'public' };
      });
      await scope.register(fastifyStatic, { root: staticDir, index: 'index.html', dotfiles: 'deny' });
    });
  } else {
    app.get('/', PUBLIC, async (_req, reply) => reply.type('text/plain; charset=utf-8').send(NOT_BUILT));
  }
}
