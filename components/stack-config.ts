import * as pulumi from "@pulumi/pulumi";
import { EngineConfig, SnapshotRefreshArgs } from "./refresh/args";
import { ConfigError } from "./config-error";
import { REPLACED_SETTING_NAMES, resolveArgs } from "./refresh/validation";

/** The stack configuration namespace: `pulumi config set snapshot-refresh:<key> <value>`. */
export const CONFIG_NAMESPACE = "snapshot-refresh";

const STRING_KEYS = ["sourceAccountId", "pipelineName", "cadence", "timezone", "whenCopyNotReady", "parameterPrefix", "copyIdentifierPrefix"] as const;
const NUMBER_KEYS = ["maintenanceWindowMinutes", "copyRecheckMinutes", "logRetentionDays"] as const;
const OBJECT_KEYS = ["engines", "tags"] as const;
const KNOWN_KEYS: readonly string[] = [...STRING_KEYS, ...NUMBER_KEYS, ...OBJECT_KEYS];

/**
 * Reads the `snapshot-refresh:*` stack configuration into component arguments and checks them, so a typo in a
 * key or a bad value stops `pulumi preview` before any resource is planned, with the key as the user wrote it.
 */
export function readStackConfig(componentName: string): SnapshotRefreshArgs {
    rejectUnknownKeys();
    const config = new pulumi.Config(CONFIG_NAMESPACE);
    const values: Record<string, unknown> = {};
    for (const key of STRING_KEYS) values[key] = config.get(key);
    for (const key of NUMBER_KEYS) values[key] = readNumber(config.get(key));
    // Read as written, so that the check names what replaced them.
    for (const key of REPLACED_SETTING_NAMES) values[key] = readNumber(config.get(key));
    for (const key of OBJECT_KEYS) values[key] = readObject(config, key);
    const args = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as unknown as SnapshotRefreshArgs;
    resolveArgs(componentName, args, `${CONFIG_NAMESPACE}:`);
    return args;
}

function rejectUnknownKeys(): void {
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (!KNOWN_KEYS.includes(key) && !(REPLACED_SETTING_NAMES as readonly string[]).includes(key)) {
            const suggestion = KNOWN_KEYS.find((known) => known.toLowerCase() === key.toLowerCase() || editDistance(known.toLowerCase(), key.toLowerCase()) <= 2);
            throw new ConfigError(
                fullKey,
                `is not a snapshot-refresh setting${suggestion ? ` (did you mean ${prefix}${suggestion}?)` : ""}; known keys: ${KNOWN_KEYS.join(", ")}`,
                pulumi.runtime.allConfig()[fullKey],
                `pulumi config rm ${fullKey}`,
            );
        }
    }
}

/** Numbers stay strings when they do not parse, so the check that follows shows the value as it was written. */
function readNumber(raw: string | undefined): number | string | undefined {
    if (raw === undefined) return undefined;
    const parsed = Number(raw);
    return raw.trim() !== "" && Number.isFinite(parsed) ? parsed : raw;
}

/** `engines: aurora` (a single name) is read as a one-item list. */
function readObject(config: pulumi.Config, key: (typeof OBJECT_KEYS)[number]): unknown {
    const raw = config.get(key);
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw) as EngineConfig[] | Record<string, string>;
    } catch {
        return key === "engines" ? [raw] : raw;
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
