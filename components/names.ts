import { createHash } from "node:crypto";

/**
 * `<instance>-<suffix>`, as AWS names functions and state machines (letters, digits, hyphens, underscores),
 * within `maxLength`. A name too long keeps the suffix people search for and shortens the instance part,
 * which then carries a hash of the whole instance name, so two instances never get the same name.
 */
export function instanceResourceName(instance: string, suffix: string, maxLength: number): string {
    const cleaned = instance.replace(/[^A-Za-z0-9_-]+/g, "-");
    const full = `${cleaned}-${suffix}`;
    if (full.length <= maxLength) return full;
    const hash = createHash("sha256").update(instance).digest("hex").slice(0, 6);
    const room = maxLength - suffix.length - hash.length - 2;
    return `${cleaned.slice(0, Math.max(room, 0)).replace(/-+$/, "")}-${hash}-${suffix}`;
}
