/** `2026-12-04`: the UTC day of an instant, given as a Date or an ISO 8601 string. */
export const isoDay = (at: string | Date): string => (typeof at === 'string' ? at : at.toISOString()).slice(0, 10);
