/**
 * The Content-Security-Policy of every page, delivered in a `<meta http-equiv>` (the site is static;
 * a host may send the same policy as a header). Scripts and workers come from this site only: every
 * script is an external file (astro.config.mjs keeps Vite from inlining any), so no 'unsafe-inline'
 * and no hash is needed. Styles may be inline: Shiki colours each token with a style attribute.
 * Only the search page may compile WebAssembly, for Pagefind's index.
 */
export function contentSecurityPolicy(options: { wasm?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self'${options.wasm ? " 'wasm-unsafe-eval'" : ''}`,
    "worker-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}
