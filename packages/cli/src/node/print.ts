import { formatHostPort } from './network-plan.js';

/** Output of the node commands: plain lines on stdout, tables aligned in columns. */

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Rows of cells padded to each column's widest cell; the first row is the header. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of rows) {
    printLine(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  }
}

export function httpUrl(host: string, port: number): string {
  return `http://${formatHostPort(host, port)}`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Basis points as a percentage: 6667 → "66.67%". */
export function percent(basisPoints: number): string {
  return `${(basisPoints / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}
