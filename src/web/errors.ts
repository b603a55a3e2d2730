// The one place HTTP errors are shaped: a client's mistake → 4xx {"error"}, anything else →
// 500 {"error":"internal error"} and a log line with the request's context. Never a stack.
import type { NextFunction, Request, Response } from 'express';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';

interface HttpError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

/** A client's mistake that express or its parsers found, as the status and message to answer; null for anything else. */
function clientErrorAnswer(error: unknown): { status: number; message: string } | null {
  // The router decodes path parameters with decodeURIComponent: '/unsubscribe/%' throws URIError.
  if (error instanceof URIError) return { status: 400, message: 'the URL has malformed percent-encoding' };
  const httpError = (typeof error === 'object' && error !== null ? error : {}) as HttpError;
  const status = httpError.status ?? httpError.statusCode;
  switch (httpError.type) {
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
      return typeof status === 'number' && status >= 400 && status < 500 ? { status, message: 'bad request' } : null;
  }
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof InputError) {
      res.status(error.status).json({ error: error.message });
      return;
    }
    const answer = clientErrorAnswer(error);
    if (answer) {
      // A client's mistake is not the engine's: a line without a stack, below error level, so that
      // anyone sending bad requests cannot fill the error log or page an operator.
      logger.info({ method: req.method, path: req.path, status: answer.status, reason: answer.message }, 'client error');
      if (!res.headersSent) res.status(answer.status).json({ error: answer.message });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  };
}

export function notFound(req: Request, res: Response): void {
  res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
}
