import { writeSync } from 'node:fs';
import { reportJson, type CheckReport } from '../types.js';

const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);

/**
 * Writes the contract's report JSON, byte for byte what `JSON.stringify(report, null, 2)` gives,
 * one credential at a time, so a 10,000-credential report never exists as one string.
 */
export function writeReportJson(report: CheckReport, fd = 1): void {
  const { checkedAt, summary, credentials } = reportJson(report);
  const write = (s: string) => {
    writeSync(fd, s);
  };
  write(`{\n  "checkedAt": ${JSON.stringify(checkedAt)},\n  "summary": ${indent(JSON.stringify(summary, null, 2), '  ')},\n  "credentials": [`);
  credentials.forEach((c, i) => write(`${i ? ',' : ''}\n    ${indent(JSON.stringify(c, null, 2), '    ')}`));
  write(credentials.length ? '\n  ]\n}\n' : ']\n}\n');
}
