// Admin authentication: a bearer token (API), or HTTP Basic with user 'admin' and the token
// as password (browser pages: dashboard, Bull Board). Compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual never leaks the token's length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function presentedToken(header: string | undefined, allowBasic: boolean): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(' ', 2);
  if (!scheme || !value) return null;
  if (scheme.toLowerCase() === 'bearer') return value.trim();
  if (allowBasic && scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0 || decoded.slice(0, colon) !== 'admin') return null;
    return decoded.slice(colon + 1);
  }
  return null;
}

export function requireAdmin(adminToken: string, options: { allowBasic?: boolean } = {}) {
  const allowBasic = options.allowBasic ?? false;
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = presentedToken(req.get('authorization'), allowBasic);
    if (token !== null && sameSecret(token, adminToken)) {
      next();
      return;
    }
    if (allowBasic) res.set('WWW-Authenticate', 'Basic realm="intervention-engine", charset="UTF-8"');
    res.status(401).json({ error: token === null ? 'admin authentication required (Authorization: Bearer <ADMIN_TOKEN>)' : 'invalid admin token' });
  };
}
