/** Markdown pieces the plan is written with. */

/** Longest value shown whole in a listing; longer ones end in "…" (the JSON sections show them whole). */
const MAX_INLINE_LENGTH = 160;

/** Inline code, safe for any text: a backtick inside is fenced with two. */
export function code(value: unknown): string {
    const text = String(value);
    return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** A value in one line: text and numbers as they are, lists joined, objects as compact JSON; cut at {@link MAX_INLINE_LENGTH}. */
export function inline(value: unknown): string {
    const text = Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null)
        ? value.map(String).join(", ")
        : typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    return text.length > MAX_INLINE_LENGTH ? `${text.slice(0, MAX_INLINE_LENGTH - 1)}…` : text;
}

/** A table cell: pipes escaped, line breaks as `<br>`. */
export function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
}

export function table(header: string[], rows: string[][]): string[] {
    return [
        `| ${header.join(" | ")} |`,
        `| ${header.map(() => "---").join(" | ")} |`,
        ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
    ];
}

export function fenced(language: string, text: string): string[] {
    const fence = text.includes("```") ? "````" : "```";
    return [`${fence}${language}`, ...text.split("\n"), fence];
}

/** A policy document or other JSON given as text, parsed; undefined when it is not JSON. */
export function parseJson(value: unknown): unknown {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return undefined;
    }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function plural(count: number, unit: string): string {
    return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** Seconds in the largest unit that divides them: `90 s`, `5 min`, `6 h`, `14 d`. */
export function seconds(value: unknown): string {
    const total = Number(value);
    if (!Number.isFinite(total)) return String(value);
    for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["min", 60]] as const) {
        if (total >= size && total % size === 0) return `${total / size} ${unit}`;
    }
    return `${total} s`;
}
