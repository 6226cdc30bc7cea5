/**
 * Rows as aligned text columns (the first row is the header), for terminal output. Cells longer than
 * `maxWidth` are cut with an ellipsis so one long description does not push every column off screen.
 *
 * @example
 * textTable([['id', 'status'], ['1f0c…', 'open']]) // 'id     status\n1f0c…  open\n'
 */
export function textTable(rows: readonly (readonly string[])[], maxWidth = 60): string {
  const cut = rows.map((row) => row.map((cell) => (cell.length > maxWidth ? `${cell.slice(0, maxWidth - 1)}…` : cell)))
  const widths: number[] = []
  for (const row of cut) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length) })
  return cut.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n'
}
