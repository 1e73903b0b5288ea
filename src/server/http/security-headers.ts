import type { FastifyInstance } from 'fastify';

/**
 * The web app's Content-Security-Policy. Scripts only from this origin (the Vite build has no
 * inline script); styles allow inline because Mantine writes its CSS variables in a <style>
 * element and components set `style` attributes; images and fonts may be data: URLs (the
 * favicon). Nothing may frame the app.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Security headers on every response (API, web app, errors, 404s). Over HTTPS (directly, or
 * through a trusted proxy's X-Forwarded-Proto) browsers are also told to stay on HTTPS.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply) => {
    for (const [name, value] of Object.entries(HEADERS)) reply.header(name, value);
    if (req.protocol === 'https') {
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
  });
}
