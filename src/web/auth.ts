// Who is calling: the admin token may do everything; the viewer token (VIEWER_TOKEN, optional)
// may read, and is refused (403) on every request that would change something. Both are given
// as a bearer token (`Authorization: Bearer <token>`, nothing after it), or as HTTP Basic with
// the role as user name and the token as password, so that an analyst can click from the
// dashboard to the JSON API. Tokens are compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export type Role = 'admin' | 'viewer';

export interface Tokens {
  admin: string;
  viewer: string | undefined;
}

/** Methods that read; every other method changes something and needs the admin role. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isRead(method: string): boolean {
  return READS.has(method);
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual never leaks the token's length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** What the Authorization header presents: a bearer token, or a Basic user and password; null when it presents nothing usable. */
export function presented(header: string | undefined): { user: string | null; token: string } | null {
  const match = /^(\S+) (\S+)$/.exec(header?.trim() ?? '');
  if (!match) return null;
  const scheme = match[1] ?? '';
  const value = match[2] ?? '';
  if (scheme.toLowerCase() === 'bearer') return { user: null, token: value };
  if (scheme.toLowerCase() !== 'basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}

/** The role a request's credentials give, 'invalid' for credentials that match none, null for none. */
export function roleOf(header: string | undefined, tokens: Tokens): Role | 'invalid' | null {
  if (!header) return null;
  const credentials = presented(header);
  if (!credentials) return 'invalid';
  // Both comparisons always run, so the time taken says nothing about which token was near.
  const admin = sameSecret(credentials.token, tokens.admin);
  const viewer = tokens.viewer !== undefined && sameSecret(credentials.token, tokens.viewer);
  const role: Role | null = admin ? 'admin' : viewer ? 'viewer' : null;
  if (role === null || (credentials.user !== null && credentials.user !== role)) return 'invalid';
  return role;
}

/**
 * Lets a request through with its role in res.locals.role: 401 without valid credentials
 * (with a Basic challenge on browser pages, so that the browser asks), 403 for a viewer whose
 * request would change something. Every route behind it is covered, including ones added later.
 */
export function requireRole(tokens: Tokens, options: { challenge?: boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const role = roleOf(req.get('authorization'), tokens);
    if (role === 'admin' || (role === 'viewer' && READS.has(req.method))) {
      res.locals.role = role;
      res.locals.via = presented(req.get('authorization'))?.user === null ? 'bearer' : 'basic';
      next();
      return;
    }
    if (role === 'viewer') {
      res.status(403).json({ error: 'the viewer token may only read; this needs the admin token' });
      return;
    }
    if (options.challenge) res.set('WWW-Authenticate', 'Basic realm="intervention-engine", charset="UTF-8"');
    res.status(401).json({ error: role === null ? 'authentication required: Authorization: Bearer <the admin or viewer token>' : 'invalid credentials: not the admin or viewer token' });
  };
}

/** The role requireRole let through. */
export function roleOfResponse(res: Response): Role {
  return res.locals.role === 'viewer' ? 'viewer' : 'admin';
}

/**
 * Who the audit log names for a request requireRole let through: the role (for Basic, the user
 * name is the role's name) and how its token was presented.
 */
export function actorOfResponse(res: Response): { actor: Role; via: 'bearer' | 'basic' } {
  return { actor: roleOfResponse(res), via: res.locals.via === 'basic' ? 'basic' : 'bearer' };
}
