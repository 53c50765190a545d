/**
 * Go's `text/tabwriter` as Notation uses it (`NewWriter(w, 0, 0, 3, ' ', 0)`, every cell
 * tab-terminated): each column as wide as its widest cell plus three spaces, trailing spaces kept.
 */
export function tabwrite(rows: readonly (readonly string[])[], padding = 3): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, [...cell].length);
    });
  }
  return rows.map((row) => `${row.map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - [...cell].length + padding)).join('')}\n`).join('');
}
