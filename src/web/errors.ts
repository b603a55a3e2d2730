// The one place HTTP errors are shaped: a client's mistake → 4xx {"error"}, anything else →
// 500 {"error":"internal error"} and a log line with the request's context. Never a stack.
import type { NextFunction, Request, Response } from 'express';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

function bodyParserMessage(error: BodyParserError): { status: number; message: string } | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return { status: 400, message: 'request body is not valid JSON' };
    case 'entity.too.large':
      return { status: 413, message: 'request body is too large' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, message: 'unsupported body encoding' };
    case 'request.aborted':
      return { status: 400, message: 'request aborted' };
    default:
      return error.expose && error.status && error.status < 500 ? { status: error.status, message: 'bad request' } : null;
  }
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof InputError) {
      res.status(error.status).json({ error: error.message });
      return;
    }
    const parsed = bodyParserMessage((error ?? {}) as BodyParserError);
    if (parsed) {
      res.status(parsed.status).json({ error: parsed.message });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  };
}

export function notFound(req: Request, res: Response): void {
  res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
}
