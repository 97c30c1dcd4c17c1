import express from 'express';
import type { AppContext } from './context';
import { guard } from './http/auth';
import { errorHandler, notFound } from './http/errors';
import { catalogRoutes } from './routes/catalog';
import { choicesRoutes } from './routes/choices';
import { editorRoutes } from './routes/editor';
import { fileRoutes } from './routes/files';
import { historyRoutes } from './routes/history';
import { libraryRoutes } from './routes/library';
import { runRoutes } from './routes/runs';
import { uploadRoutes } from './routes/upload';
import { validateRoutes } from './routes/validate';

/** Graphs are small JSON; model files travel through /api/upload, not here. */
const JSON_BODY_LIMIT = '5mb';

/** The REST API: auth first, then JSON parsing, the routes, and one error shape for everything. */
export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(editorRoutes());
  app.use(guard(ctx.opts.token));
  app.use('/api', express.json({ limit: JSON_BODY_LIMIT }));
  app.use('/api', catalogRoutes(ctx), choicesRoutes(ctx), runRoutes(ctx), historyRoutes(ctx), fileRoutes(ctx), uploadRoutes(ctx), validateRoutes(ctx), libraryRoutes(ctx));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
