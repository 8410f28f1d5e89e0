import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config-error";
import { SnapshotRefreshArgs } from "./refresh/args";
import { REPLACED_SETTING_NAMES, resolveArgs } from "./refresh/validation";
import { SnapshotShareArgs } from "./share/args";
import { resolveShareArgs } from "./share/validation";

/** The stack configuration namespace: `pulumi config set snapshot-refresh:<key> <value>`. */
export const CONFIG_NAMESPACE = "snapshot-refresh";

/** The key that says which side of the setup a stack is: `pulumi config set snapshot-refresh:role share`. */
export const ROLE_KEY = "role";

/** What a stack deploys: `share` in production (SnapshotShare), `refresh` in each account it shares with (SnapshotRefresh). */
export type StackRole = "share" | "refresh";

/** A stack's configuration, read and checked: the role, and the arguments of its component. */
export type StackConfig = { role: "refresh"; args: SnapshotRefreshArgs } | { role: "share"; args: SnapshotShareArgs };

/** How each key is written in the stack file: text, a number, or YAML (a list or a map). */
interface RoleKeys {
    strings: readonly string[];
    numbers: readonly string[];
    /** `true` or `false`. */
    booleans: readonly string[];
    /** Lists: a single value is read as a one-item list (`engines: aurora`). */
    lists: readonly string[];
    maps: readonly string[];
}

/** Notifications, alarms and the pause: the same keys on both sides. */
const OPERATIONS_KEYS = {
    strings: ["notificationTopicArn"],
    numbers: ["staleAfterHours"],
    booleans: ["notifyOnSuccess", "paused"],
    lists: ["notificationEmails"],
} as const;

const ROLE_KEYS: Readonly<Record<StackRole, RoleKeys>> = {
    refresh: {
        strings: ["sourceAccountId", "sourceStack", "sourceKmsKeyArn", "sourceSnapshotPrefix", "pipelineName", "cadence", "timezone", "whenCopyNotReady", "parameterPrefix", "copyIdentifierPrefix", ...OPERATIONS_KEYS.strings],
        numbers: ["maintenanceWindowMinutes", "copyRecheckMinutes", "logRetentionDays", ...OPERATIONS_KEYS.numbers],
        booleans: OPERATIONS_KEYS.booleans,
        lists: ["engines", ...OPERATIONS_KEYS.lists],
        maps: ["tags"],
    },
    share: {
        strings: ["cadence", "timezone", "source", "kmsKeyArn", "snapshotIdentifierPrefix", ...OPERATIONS_KEYS.strings],
        numbers: ["keepShared", "maintenanceWindowMinutes", "copyRecheckMinutes", "logRetentionDays", ...OPERATIONS_KEYS.numbers],
        booleans: OPERATIONS_KEYS.booleans,
        lists: ["targetAccountIds", ...OPERATIONS_KEYS.lists],
        maps: ["clusters", "tags"],
    },
};

const ROLES = Object.keys(ROLE_KEYS) as StackRole[];

function keysOf(role: StackRole): string[] {
    const keys = ROLE_KEYS[role];
    return [...keys.strings, ...keys.numbers, ...keys.booleans, ...keys.lists, ...keys.maps];
}

/**
 * Reads the `snapshot-refresh:*` stack configuration into the arguments of the component its role names, and
 * checks them, so a missing role, a typo in a key or a bad value stops `pulumi preview` before any resource is
 * planned, with the key as the user wrote it.
 */
export function readStackConfig(componentName: string): StackConfig {
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    const role = readRole(config);
    rejectUnknownKeys(role);
    const values: Record<string, unknown> = {};
    const keys = ROLE_KEYS[role];
    for (const key of keys.strings) values[key] = config.get(key);
    for (const key of keys.numbers) values[key] = readNumber(config.get(key));
    for (const key of keys.booleans) values[key] = readBoolean(config.get(key));
    for (const key of keys.lists) values[key] = readList(config.get(key));
    for (const key of keys.maps) values[key] = readMap(config.get(key));
    // Read as written, so that the check names what replaced them.
    if (role === "refresh") for (const key of REPLACED_SETTING_NAMES) values[key] = readNumber(config.get(key));
    const args = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
    if (role === "share") {
        resolveShareArgs(componentName, args as unknown as SnapshotShareArgs, `${CONFIG_NAMESPACE}:`);
        return { role, args: args as unknown as SnapshotShareArgs };
    }
    resolveArgs(componentName, args as unknown as SnapshotRefreshArgs, `${CONFIG_NAMESPACE}:`);
    return { role, args: args as unknown as SnapshotRefreshArgs };
}

function readRole(config: pulumi.Config): StackRole {
    const role = config.get(ROLE_KEY);
    if (ROLES.includes(role as StackRole)) return role as StackRole;
    throw new ConfigError(
        `${CONFIG_NAMESPACE}:${ROLE_KEY}`,
        "must say which side this stack is: share (the production account, which shares its snapshots) or refresh (an account " +
        "restored from them)",
        role,
        `pulumi config set ${CONFIG_NAMESPACE}:${ROLE_KEY} refresh`,
    );
}

function rejectUnknownKeys(role: StackRole): void {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const known = [ROLE_KEY, ...keysOf(role), ...(role === "refresh" ? REPLACED_SETTING_NAMES : [])];
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (known.includes(key)) continue;
        const otherRole = ROLES.find((candidate) => candidate !== role && keysOf(candidate).includes(key));
        const suggestion = keysOf(role).find((candidate) => candidate.toLowerCase() === key.toLowerCase() || editDistance(candidate.toLowerCase(), key.toLowerCase()) <= 2);
        const problem = otherRole !== undefined
            ? `is a setting of the ${otherRole} role, and this stack's ${prefix}${ROLE_KEY} is ${role}`
            : `is not a snapshot-refresh setting${suggestion ? ` (did you mean ${prefix}${suggestion}?)` : ""}`;
        throw new ConfigError(fullKey, `${problem}; the ${role} role's keys: ${keysOf(role).join(", ")}`, value, `pulumi config rm ${fullKey}`);
    }
}

/** Numbers stay strings when they do not parse, so the check that follows shows the value as it was written. */
function readNumber(raw: string | undefined): number | string | undefined {
    if (raw === undefined) return undefined;
    const parsed = Number(raw);
    return raw.trim() !== "" && Number.isFinite(parsed) ? parsed : raw;
}

/** Booleans stay strings when they are not `true` or `false`, so the check shows the value as it was written. */
function readBoolean(raw: string | undefined): boolean | string | undefined {
    if (raw === undefined) return undefined;
    const value = raw.trim().toLowerCase();
    return value === "true" ? true : value === "false" ? false : raw;
}

/**
 * A YAML list arrives as JSON; a single value (`engines: aurora`, one account id) as its text, read as a
 * one-item list. An account id is never parsed as a number: it may start with 0. A YAML map where a list
 * belongs arrives as JSON too, and stays a map, so the check says a list was expected.
 */
function readList(raw: string | undefined): unknown {
    if (raw === undefined) return undefined;
    if (!/^[[{]/.test(raw.trim())) return [raw.trim()];
    try {
        return JSON.parse(raw) as unknown;
    } catch {
        return raw;
    }
}

function readMap(raw: string | undefined): unknown {
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw) as unknown;
    } catch {
        return raw;
    }
}

/** Levenshtein distance, for "did you mean" on mistyped keys. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const row = [i];
        for (let j = 1; j <= b.length; j++) {
            row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = row;
    }
    return previous[b.length];
}
