import * as pulumi from "@pulumi/pulumi";
import { ENGINE_NAMES, ENGINES, EngineName, isEngineName } from "../handlers/engines";
import { CopyNotReadyPolicy } from "../handlers/settings";
import { EngineConfig, SnapshotRefreshArgs } from "./args";
import { CadencePlan, planCadence } from "./cadence";
import { ConfigError } from "./config-error";

/** One engine with every default applied. */
export interface ResolvedEngine {
    engine: EngineName;
    sourceClusters: string[];
    copy: boolean;
    kmsKeyArn?: pulumi.Input<string>;
    keepCopies: number;
}

/** {@link SnapshotRefreshArgs} checked, with every default applied. */
export interface ResolvedArgs {
    sourceAccountId: string;
    pipelineName: pulumi.Input<string>;
    engines: ResolvedEngine[];
    cadence: CadencePlan;
    whenCopyNotReady: CopyNotReadyPolicy;
    maintenanceWindowMinutes: number;
    copyRecheckMinutes: number;
    parameterPrefix: string;
    copyIdentifierPrefix: string;
    logRetentionDays: number;
    tags: Record<string, string>;
}

const ENGINE_OPTIONS = ["engine", "sourceClusters", "copy", "kmsKeyArn", "keepCopies"];
const ARG_NAMES = [
    "sourceAccountId", "pipelineName", "engines", "cadence", "timezone", "maintenanceWindowMinutes", "copyRecheckMinutes",
    "whenCopyNotReady", "parameterPrefix", "copyIdentifierPrefix", "logRetentionDays", "tags",
];
export const DEFAULT_MAINTENANCE_WINDOW_MINUTES = 240;
export const DEFAULT_COPY_RECHECK_MINUTES = 10;
const MAX_MAINTENANCE_WINDOW_MINUTES = 1440;
const MAX_COPY_RECHECK_MINUTES = 60;

/** Settings of earlier versions: recognised, so that the error names what replaces them. */
export const REPLACED_SETTING_NAMES = ["restoreDelayMinutes", "restoreWindowMinutes", "restoreRecheckMinutes", "restoreCadence"] as const;
type ReplacedSettingName = (typeof REPLACED_SETTING_NAMES)[number];

/** What an older version's setting became: people upgrade with their old stack files and arguments. */
interface ReplacedSetting {
    problem: string;
    /** What to write instead, worked out from the old values where they carry over. */
    replacement(args: Record<string, unknown>, keyPrefix: string): string;
}

/** The old restore schedule's window, from the cycle's start: what maintenanceWindowMinutes now measures. */
function oldWindowEnd(args: Record<string, unknown>): number {
    const delay = typeof args.restoreDelayMinutes === "number" ? args.restoreDelayMinutes : 120;
    const window = typeof args.restoreWindowMinutes === "number" ? args.restoreWindowMinutes : 120;
    return Math.min(delay + window, MAX_MAINTENANCE_WINDOW_MINUTES);
}

const REPLACED_SETTINGS: Readonly<Record<ReplacedSettingName, ReplacedSetting>> = {
    restoreDelayMinutes: {
        problem: "is no longer a setting: the restore now runs as soon as every engine's data is ready, right after the update " +
            "when no copy is needed. How long a cycle may wait for a copy is maintenanceWindowMinutes, counted from the cycle's start",
        replacement: (args, prefix) => `${prefix}maintenanceWindowMinutes: ${oldWindowEnd(args)}`,
    },
    restoreWindowMinutes: {
        problem: "was replaced by maintenanceWindowMinutes, which counts from the cycle's start rather than from the restore's " +
            "first attempt (restoreDelayMinutes + restoreWindowMinutes)",
        replacement: (args, prefix) => `${prefix}maintenanceWindowMinutes: ${oldWindowEnd(args)}`,
    },
    restoreRecheckMinutes: {
        problem: "was replaced by copyRecheckMinutes: how often a cycle checks a copy in progress",
        replacement: (args, prefix) => `${prefix}copyRecheckMinutes: ${typeof args.restoreRecheckMinutes === "number" ? args.restoreRecheckMinutes : DEFAULT_COPY_RECHECK_MINUTES}`,
    },
    restoreCadence: {
        problem: "is no longer a setting: each firing of a cron(...) or rate(...) cadence now starts a whole refresh cycle, " +
            "whose restore follows as soon as the data is ready",
        replacement: (_args, prefix) => `pulumi config rm ${prefix}restoreCadence`,
    },
};
/** The values CloudWatch Logs accepts for a log group's retention. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const CLUSTER_IDENTIFIER = /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/;
const PIPELINE_NAME = /^[A-Za-z0-9.@\-_]{1,100}$/;
const COPY_PREFIX = /^[a-z](?!.*--)[a-z0-9-]{0,22}-$/;

/**
 * Checks every argument before any resource exists, and applies the defaults. `keyPrefix` is put before each
 * key in messages: `snapshot-refresh:` when the values come from stack configuration.
 */
export function resolveArgs(name: string, args: SnapshotRefreshArgs, keyPrefix = ""): ResolvedArgs {
    const key = (path: string) => `${keyPrefix}${path}`;
    const untyped = args as unknown as Record<string, unknown>;
    const replaced = REPLACED_SETTING_NAMES.find((arg) => untyped[arg] !== undefined);
    if (replaced !== undefined) {
        const { problem, replacement } = REPLACED_SETTINGS[replaced];
        throw new ConfigError(key(replaced), problem, untyped[replaced], replacement(untyped, keyPrefix));
    }
    const unknown = Object.keys(untyped).filter((arg) => !ARG_NAMES.includes(arg) && untyped[arg] !== undefined);
    if (unknown.length > 0) {
        throw new ConfigError(key(unknown[0]), `is not a setting of snapshot-refresh (known: ${ARG_NAMES.join(", ")})`, untyped[unknown[0]], key("cadence"));
    }
    if (typeof args.sourceAccountId !== "string" || !/^\d{12}$/.test(args.sourceAccountId)) {
        throw new ConfigError(key("sourceAccountId"), "must be the 12-digit id of the production account, in quotes", args.sourceAccountId, `${key("sourceAccountId")}: "123456789012"`);
    }
    checkPipelineName(args.pipelineName, key("pipelineName"));
    const cadence = resolveCadence(args, keyPrefix);
    return {
        sourceAccountId: args.sourceAccountId,
        pipelineName: args.pipelineName,
        engines: resolveEngines(args.engines, key),
        cadence,
        whenCopyNotReady: resolveCopyNotReadyPolicy(args.whenCopyNotReady, key("whenCopyNotReady")),
        maintenanceWindowMinutes: resolveMaintenanceWindow(args.maintenanceWindowMinutes, cadence, key("maintenanceWindowMinutes")),
        copyRecheckMinutes: resolveWholeMinutes(args.copyRecheckMinutes, DEFAULT_COPY_RECHECK_MINUTES, 1, MAX_COPY_RECHECK_MINUTES,
            "minutes between two checks of a copy in progress", key("copyRecheckMinutes")),
        parameterPrefix: resolveParameterPrefix(args.parameterPrefix, key("parameterPrefix")),
        copyIdentifierPrefix: resolveCopyPrefix(name, args.copyIdentifierPrefix, key("copyIdentifierPrefix")),
        logRetentionDays: resolveLogRetention(args.logRetentionDays, key("logRetentionDays")),
        tags: resolveTags(args.tags, key("tags")),
    };
}

/** A name known now is checked now; one that is an output is checked when it is known. */
export function checkPipelineName(pipelineName: unknown, key: string): void {
    if (pulumi.Output.isInstance(pipelineName)) return;
    if (typeof pipelineName !== "string" || !PIPELINE_NAME.test(pipelineName)) {
        throw new ConfigError(
            key,
            "must name the main CodePipeline pipeline (1 to 100 letters, digits and . @ - _)",
            pipelineName,
            `${key}: acceptance-main`,
        );
    }
}

function resolveCadence(args: SnapshotRefreshArgs, keyPrefix: string): CadencePlan {
    try {
        return planCadence({ cadence: args.cadence, timezone: args.timezone });
    } catch (error) {
        throw error instanceof ConfigError ? error.withKeyPrefix(keyPrefix) : error;
    }
}

function resolveEngines(engines: unknown, key: (path: string) => string): ResolvedEngine[] {
    const example = `${key("engines")}: [aurora, {engine: documentdb, kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]`;
    if (!Array.isArray(engines) || engines.length === 0) {
        throw new ConfigError(key("engines"), "must list at least one engine", engines, example);
    }
    const seen = new Set<EngineName>();
    return engines.map((entry: unknown, index) => {
        const engine = resolveEngine(entry as EngineConfig, key(`engines[${index}]`), example);
        if (seen.has(engine.engine)) {
            throw new ConfigError(key(`engines[${index}]`), `repeats the engine ${engine.engine}: list each engine once`, entry, example);
        }
        seen.add(engine.engine);
        return engine;
    });
}

function resolveEngine(entry: EngineConfig, key: string, example: string): ResolvedEngine {
    const options = typeof entry === "string" ? { engine: entry } : entry;
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
        throw new ConfigError(key, "must be an engine name or an object with an engine and its options", entry, example);
    }
    const unknownOption = Object.keys(options).find((option) => !ENGINE_OPTIONS.includes(option));
    if (unknownOption !== undefined) {
        throw new ConfigError(`${key}.${unknownOption}`, `is not an engine option (known: ${ENGINE_OPTIONS.join(", ")})`, (options as unknown as Record<string, unknown>)[unknownOption], example);
    }
    if (!isEngineName(options.engine)) {
        throw new ConfigError(`${key}.engine`, `must be one of ${ENGINE_NAMES.join(", ")}`, options.engine, example);
    }
    const engine = options.engine;
    const sourceClusters = options.sourceClusters ?? [];
    if (!Array.isArray(sourceClusters) || sourceClusters.some((cluster) => typeof cluster !== "string" || !CLUSTER_IDENTIFIER.test(cluster))) {
        throw new ConfigError(`${key}.sourceClusters`, "must be a list of DB cluster identifiers of the source account", options.sourceClusters, `${key}.sourceClusters: [production-${engine}]`);
    }
    const kmsKeyArn = options.kmsKeyArn;
    if (kmsKeyArn !== undefined && !pulumi.Output.isInstance(kmsKeyArn) && (typeof kmsKeyArn !== "string" || !KMS_KEY_ARN.test(kmsKeyArn))) {
        throw new ConfigError(`${key}.kmsKeyArn`, "must be the ARN of a KMS key of this account (an alias will not do)", kmsKeyArn, `${key}.kmsKeyArn: arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    }
    if (options.copy !== undefined && typeof options.copy !== "boolean") {
        throw new ConfigError(`${key}.copy`, "must be true or false", options.copy, `${key}.copy: true`);
    }
    const copy = options.copy ?? (ENGINES[engine].copiesByDefault || kmsKeyArn !== undefined);
    if (!copy && kmsKeyArn !== undefined) {
        throw new ConfigError(`${key}.kmsKeyArn`, "is only used for copies, and copy is false: remove one of the two", "(set)", `${key}.copy: true`);
    }
    const keepCopies = options.keepCopies ?? 2;
    if (!Number.isInteger(keepCopies) || keepCopies < 1 || keepCopies > 20) {
        throw new ConfigError(`${key}.keepCopies`, "must be a whole number from 1 to 20 (copies count against the 100 manual snapshots a Region allows)", options.keepCopies, `${key}.keepCopies: 2`);
    }
    return { engine, sourceClusters: [...sourceClusters], copy, kmsKeyArn, keepCopies };
}

/** A window longer than the cycle would let one cycle still wait when the next starts. */
function resolveMaintenanceWindow(minutes: unknown, cadence: CadencePlan, key: string): number {
    const max = Math.min(MAX_MAINTENANCE_WINDOW_MINUTES, (cadence.cycleMinutes ?? Infinity) - 1);
    return resolveWholeMinutes(minutes, DEFAULT_MAINTENANCE_WINDOW_MINUTES, 0, max,
        "minutes from a cycle's start during which it waits for copies in progress (0: never wait), ending before the next cycle", key);
}

function resolveWholeMinutes(minutes: unknown, defaultMinutes: number, min: number, max: number, meaning: string, key: string): number {
    if (minutes === undefined) return defaultMinutes;
    if (typeof minutes === "number" && Number.isInteger(minutes) && minutes >= min && minutes <= max) return minutes;
    throw new ConfigError(key, `must be a whole number from ${min} to ${max}: ${meaning}`, minutes, `${key}: ${defaultMinutes}`);
}

function resolveCopyNotReadyPolicy(policy: unknown, key: string): CopyNotReadyPolicy {
    if (policy === undefined) return "fail";
    if (policy === "fail" || policy === "restore-available") return policy;
    throw new ConfigError(key, "must be fail or restore-available", policy, `${key}: restore-available`);
}

/** SSM: letters, digits and `_.-/`; a name with a `/` must start with one; `aws`/`ssm` starts are reserved. */
function resolveParameterPrefix(prefix: unknown, key: string): string {
    if (prefix === undefined || prefix === "") return "";
    const valid =
        typeof prefix === "string" &&
        /^[A-Za-z0-9_.\-/]{1,200}$/.test(prefix) &&
        (!prefix.includes("/") || prefix.startsWith("/")) &&
        !prefix.includes("//") &&
        !/^\/?(aws|ssm)/i.test(prefix);
    if (!valid) {
        throw new ConfigError(key, "must be letters, digits and _ . - /, start with / if it has one, and not start with aws or ssm", prefix, `${key}: /snapshot-refresh/`);
    }
    return prefix;
}

function resolveCopyPrefix(name: string, prefix: unknown, key: string): string {
    if (prefix === undefined) return defaultCopyPrefix(name);
    if (typeof prefix !== "string" || !COPY_PREFIX.test(prefix)) {
        throw new ConfigError(key, "must be lowercase letters, digits and single hyphens, start with a letter, end with a hyphen, at most 24 characters", prefix, `${key}: acc-refresh-`);
    }
    return prefix;
}

/** The component's name made into a valid snapshot identifier prefix, so two instances never share copies. */
function defaultCopyPrefix(name: string): string {
    const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    const lettered = /^[a-z]/.test(cleaned) ? cleaned : `sr-${cleaned}`;
    return `${lettered.slice(0, 23).replace(/-+$/, "")}-`;
}

function resolveLogRetention(days: unknown, key: string): number {
    if (days === undefined) return 90;
    if (typeof days === "number" && LOG_RETENTION_DAYS.includes(days)) return days;
    throw new ConfigError(key, `must be one of ${LOG_RETENTION_DAYS.join(", ")}`, days, `${key}: 90`);
}

function resolveTags(tags: unknown, key: string): Record<string, string> {
    if (tags === undefined) return {};
    if (typeof tags === "object" && tags !== null && !Array.isArray(tags) && Object.values(tags).every((value) => typeof value === "string")) {
        return { ...(tags as Record<string, string>) };
    }
    throw new ConfigError(key, "must map tag names to string values", tags, `${key}: {team: data-platform}`);
}
