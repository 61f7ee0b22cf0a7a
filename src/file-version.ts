import type { Stats } from 'node:fs';

/**
 * A file's version as far as credwatch can tell without reading it: the same device, inode, size,
 * mtime and ctime mean the same contents and mode (ctime also moves on chmod and on a rename over
 * it). Every "parse again only when the file changed" cache compares these.
 */
export const fileVersion = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
