// Pure: a flat SVG badge per credential (`/badge/ID.svg`), in the shields.io style wikis and
// READMEs already show: the id on the left, status and days left on the right.
import { esc } from '../html.js';
import { COLOURS } from './status-page.js';
import type { PageStatus } from './status-view.js';

// Verdana 11px averages ~6.5 px per character; badges are approximate by nature.
const textWidth = (s: string) => Math.round([...s].reduce((w, ch) => w + (/[ilj.,:;|!' ]/.test(ch) ? 3.5 : /[mwMW@]/.test(ch) ? 9.5 : /[A-Z0-9]/.test(ch) ? 7.5 : 6.5), 0));

function badgeMessage(status: PageStatus, daysLeft: number | null): string {
  if (status === 'pending') return 'not checked';
  if (daysLeft === null || status === 'error' || status === 'failing') return status;
  return daysLeft < 0 ? `${status} ${-daysLeft}d ago` : `${status} ${daysLeft}d`;
}

function renderBadge(label: string, message: string, colour: string): string {
  const lw = textWidth(label) + 12;
  const mw = textWidth(message) + 12;
  const w = lw + mw;
  const title = `${label}: ${message}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${colour}"/><rect width="${w}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">` +
    `<text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${esc(label)}</text><text x="${lw / 2}" y="14">${esc(label)}</text>` +
    `<text x="${lw + mw / 2}" y="15" fill="#010101" fill-opacity=".3">${esc(message)}</text><text x="${lw + mw / 2}" y="14">${esc(message)}</text></g></svg>\n`;
}

export function credentialBadge(id: string, status: PageStatus, daysLeft: number | null): string {
  return renderBadge(id, badgeMessage(status, daysLeft), COLOURS[status]);
}

export const unknownBadge = (id: string) => renderBadge(id, 'unknown credential', COLOURS.pending);
