/** Plain-text figures for the bench's report: every number with its unit. */

export function bytes(count: number): string {
    if (count < 1024) return `${count} B`;
    if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB (${count} B)`;
    return `${(count / 1024 / 1024).toFixed(2)} MiB (${count} B)`;
}

export function milliseconds(value: number): string {
    return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

export function seconds(valueMs: number): string {
    return `${(valueMs / 1000).toFixed(2)} s`;
}

export function ratio(value: number): string {
    return `${value.toFixed(value < 10 ? 1 : 0)}x`;
}

export function heading(title: string): string {
    return `\n${title}\n${"=".repeat(title.length)}`;
}

/** Left-aligned columns, the first row being the header. */
export function table(rows: readonly (readonly string[])[]): string {
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
    const line = (row: readonly string[]) => row.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
    return [line(rows[0]), widths.map((width) => "-".repeat(width)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

export interface Spread {
    median: number;
    min: number;
    max: number;
}

export function spread(samples: readonly number[]): Spread {
    const sorted = [...samples].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}
