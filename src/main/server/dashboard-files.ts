import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PUBLIC } from './route-access';

/** What `/` answers when the dashboard was not built. */
const NOT_BUILT = 'The dashboard is not built. Run `npm run build`, then reload. The API is under /api/v1/.';

/**
 * True when `path` (a file or folder under the dashboard root, or its `index.html`) really
 * lies inside `realRoot` once symlinks are followed: a link in the build to `/etc` or to the
 * data folder must not be served to anyone who asks, with no token. A path that does not
 * exist is allowed (the static plugin answers 404).
 */
function insideRoot(realRoot: string, path: string): boolean {
  try {
    const real = realpathSync(path);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return false;
    return statSync(real).isDirectory() ? insideRoot(realRoot, join(real, 'index.html')) : true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Serves the built dashboard from `staticDir` at `/` (files looked up per request, so a
 * rebuild needs no restart), or a plain page saying it is not built. These are the only
 * public routes besides `/healthz` and `/api/v1/token-file`: the static plugin's routes are marked `public` by an
 * `onRoute` hook in their own encapsulated context, so no other route is. Dotfiles are refused
 * (403) and so is a file whose symlinks lead out of `staticDir` (404).
 */
export function registerDashboard(app: FastifyInstance, staticDir: string | undefined): void {
  if (staticDir && existsSync(staticDir)) {
    const realRoot = realpathSync(staticDir);
    void app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), access: 'public' };
      });
      await scope.register(fastifyStatic, {
        root: staticDir,
        index: 'index.html',
        dotfiles: 'deny',
        allowedPath: (pathName, root) => insideRoot(realRoot, join(root, pathName)),
      });
    });
  } else {
    app.get('/', PUBLIC, async (_req, reply) => reply.type('text/plain; charset=utf-8').send(NOT_BUILT));
  }
}
