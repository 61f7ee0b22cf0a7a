// Auto-refresh for a wall screen that keeps the scroll position: instead of reloading the page
// (which jumps to the top on many browsers and flashes), a small inline script fetches the same
// URL and swaps <main> in place. The script is constant, so the page's CSP allows exactly it by
// hash and still allows no other script. Without JavaScript, <noscript> falls back to a meta refresh.
import { createHash } from 'node:crypto';

export const DEFAULT_REFRESH_SECONDS = 60;
const MIN_REFRESH_SECONDS = 2;

// Reads its interval from data-refresh; marks the page stale (class on <html>) when a refresh fails.
const REFRESH_SCRIPT = `(()=>{const s=document.currentScript,ms=1000*Number(s.dataset.refresh);if(!(ms>0))return;const tick=async()=>{try{const r=await fetch(location.href,{cache:"no-store",credentials:"same-origin"});if(!r.ok)throw new Error(String(r.status));const d=new DOMParser().parseFromString(await r.text(),"text/html"),m=d.querySelector("main"),o=document.querySelector("main");if(!m||!o)throw new Error("no main");const x=scrollX,y=scrollY;o.replaceWith(document.adoptNode(m));scrollTo(x,y);document.title=d.title;document.documentElement.classList.remove("stale")}catch(e){document.documentElement.classList.add("stale")}setTimeout(tick,ms)};setTimeout(tick,ms)})();`;

export const REFRESH_SCRIPT_HASH = `'sha256-${createHash('sha256').update(REFRESH_SCRIPT).digest('base64')}'`;

/** `?refresh=N` (seconds; 0 turns it off), else the default; never faster than MIN_REFRESH_SECONDS. */
export function refreshSeconds(params: URLSearchParams): number {
  const raw = params.get('refresh');
  if (raw === null || raw === '') return DEFAULT_REFRESH_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) return DEFAULT_REFRESH_SECONDS;
  if (n === 0) return 0;
  return Math.max(MIN_REFRESH_SECONDS, Math.round(n));
}

/** The tags that go in <head>: the script (by hash) and the no-script fallback. */
export function refreshTags(seconds: number): string {
  if (!seconds) return '';
  return `<script data-refresh="${seconds}">${REFRESH_SCRIPT}</script>\n<noscript><meta http-equiv="refresh" content="${seconds}"></noscript>`;
}
