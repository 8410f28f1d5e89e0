import * as pulumi from "@pulumi/pulumi";
import { CadenceInput, CadencePlan, nextCycleTimes, planCadence } from "./cadence";
import { ConfigError } from "./config-error";
import { MonitoringOptions, OperationsArgs } from "./operations-args";

/**
 * Checks both components apply to the settings they share. Each takes the key as the user wrote it
 * (`snapshot-refresh:cadence`, `engines[1].kmsKeyArn`) and throws {@link ConfigError} naming it.
 */

export const DEFAULT_MAINTENANCE_WINDOW_MINUTES = 240;
export const DEFAULT_COPY_RECHECK_MINUTES = 10;
const MAX_MAINTENANCE_WINDOW_MINUTES = 1440;
const MAX_COPY_RECHECK_MINUTES = 60;
/** The values CloudWatch Logs accepts for a log group's retention. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const ACCOUNT_ID = /^\d{12}$/;
export const CLUSTER_IDENTIFIER = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$/;
const IDENTIFIER_PREFIX = /^[a-z](?!.*--)[a-z0-9-]{0,22}-$/;
export const EXAMPLE_KMS_KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** Turns `(path) => full key` into messages' keys: `snapshot-refresh:` before each when read from stack config. */
export type KeyOf = (path: string) => string;

/** Stops at the first argument the component does not know, listing the ones it does. */
export function rejectUnknownArgs(args: Record<string, unknown>, known: readonly string[], key: KeyOf, example: string): void {
    const unknown = Object.keys(args).find((arg) => !known.includes(arg) && args[arg] !== undefined);
    if (unknown !== undefined) {
        throw new ConfigError(key(unknown), `is not a setting of this component (known: ${known.join(", ")})`, args[unknown], key(example));
    }
}

export function checkAccountId(value: unknown, key: string, meaning: string): string {
    if (typeof value === "string" && ACCOUNT_ID.test(value)) return value;
    throw new ConfigError(key, `must be ${meaning}: 12 digits, in quotes`, value, `${key}: "123456789012"`);
}

/**
 * A value known now is checked now; one that is an output (another stack's, another resource's) is checked, with
 * the same message, as soon as it is known: the resources that use it then fail with that message.
 */
export function checkedWhenKnown<T>(value: pulumi.Input<T> | undefined, check: (known: unknown) => void): pulumi.Input<T> | undefined {
    if (pulumi.Output.isInstance(value)) {
        return value.apply((known) => {
            check(known);
            return known;
        });
    }
    check(value);
    return value;
}

/** A key ARN known now is checked now; the caller checks one that is an output when it is known ({@link checkedWhenKnown}). */
export function checkKmsKeyArn(value: unknown, key: string, meaning: string): void {
    if (value === undefined || pulumi.Output.isInstance(value)) return;
    if (typeof value !== "string" || !KMS_KEY_ARN.test(value)) {
        throw new ConfigError(key, `must be the ARN of ${meaning} (an alias will not do)`, value, `${key}: ${EXAMPLE_KMS_KEY_ARN}`);
    }
}

export function resolveCadence(input: CadenceInput, keyPrefix: string): CadencePlan {
    try {
        return planCadence(input);
    } catch (error) {
        throw error instanceof ConfigError ? error.withKeyPrefix(keyPrefix) : error;
    }
}

/** A window longer than the cycle would let one cycle still wait when the next starts. */
export function resolveMaintenanceWindow(minutes: unknown, cadence: CadencePlan, key: string, min = 0): number {
    const max = Math.min(MAX_MAINTENANCE_WINDOW_MINUTES, (cadence.cycleMinutes ?? Infinity) - 1);
    return resolveWholeMinutes(minutes, DEFAULT_MAINTENANCE_WINDOW_MINUTES, min, max,
        `minutes from a cycle's start during which it waits for copies in progress${min === 0 ? " (0: never wait)" : ""}, ending before the next cycle`, key);
}

export function resolveCopyRecheck(minutes: unknown, key: string): number {
    return resolveWholeMinutes(minutes, DEFAULT_COPY_RECHECK_MINUTES, 1, MAX_COPY_RECHECK_MINUTES, "minutes between two checks of a copy in progress", key);
}

export function resolveWholeMinutes(minutes: unknown, defaultMinutes: number, min: number, max: number, meaning: string, key: string): number {
    if (minutes === undefined) return defaultMinutes;
    if (typeof minutes === "number" && Number.isInteger(minutes) && minutes >= min && minutes <= max) return minutes;
    throw new ConfigError(key, `must be a whole number from ${min} to ${max}: ${meaning}`, minutes, `${key}: ${defaultMinutes}`);
}

/**
 * The prefix of the snapshot identifiers an instance makes and may delete: given, or the component's name made
 * into a valid one, so two instances never share snapshots.
 */
export function resolveIdentifierPrefix(name: string, prefix: unknown, key: string): string {
    if (prefix === undefined) return defaultIdentifierPrefix(name);
    if (typeof prefix !== "string" || !IDENTIFIER_PREFIX.test(prefix)) {
        throw new ConfigError(key, "must be lowercase letters, digits and single hyphens, start with a letter, end with a hyphen, at most 24 characters", prefix, `${key}: ${defaultIdentifierPrefix(name)}`);
    }
    return prefix;
}

function defaultIdentifierPrefix(name: string): string {
    const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    const lettered = /^[a-z]/.test(cleaned) ? cleaned : `sr-${cleaned}`;
    return `${lettered.slice(0, 23).replace(/-+$/, "")}-`;
}

export function resolveLogRetention(days: unknown, key: string): number {
    if (days === undefined) return 90;
    if (typeof days === "number" && LOG_RETENTION_DAYS.includes(days)) return days;
    throw new ConfigError(key, `must be one of ${LOG_RETENTION_DAYS.join(", ")}`, days, `${key}: 90`);
}

export function resolveTags(tags: unknown, key: string): Record<string, string> {
    if (tags === undefined) return {};
    if (typeof tags === "object" && tags !== null && !Array.isArray(tags) && Object.values(tags).every((value) => typeof value === "string")) {
        return { ...(tags as Record<string, string>) };
    }
    throw new ConfigError(key, "must map tag names to string values", tags, `${key}: {team: data-platform}`);
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** Simple enough to catch a typo, loose enough for every address SNS accepts. */
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_STALE_AFTER_HOURS = 2160;
/** The automated snapshot a cycle delivers can be a day old when shared; a day's slack on top. */
const STALE_MARGIN_HOURS = 48;

/** {@link OperationsArgs} checked, with every default applied. */
export interface ResolvedOperations {
    monitoring: MonitoringOptions;
    paused: boolean;
}

export function resolveOperations(args: OperationsArgs, cadence: CadencePlan, key: KeyOf): ResolvedOperations {
    const topicArn = checkedWhenKnown(args.notificationTopicArn, (known) => {
        if (known !== undefined && (typeof known !== "string" || !SNS_TOPIC_ARN.test(known))) {
            throw new ConfigError(key("notificationTopicArn"), "must be the ARN of an SNS topic", known, `${key("notificationTopicArn")}: arn:aws:sns:eu-west-1:123456789012:team-alerts`);
        }
    });
    const emails = resolveEmails(args.notificationEmails, key("notificationEmails"));
    return {
        monitoring: {
            topicArn,
            emails,
            notifyOnSuccess: checkBoolean(args.notifyOnSuccess, true, key("notifyOnSuccess")),
            staleAfterHours: resolveStaleAfterHours(args.staleAfterHours, cadence, key("staleAfterHours")),
        },
        paused: checkBoolean(args.paused, false, key("paused")),
    };
}

/** Each address checked where it stands in the list: the error names its index. */
function resolveEmails(emails: unknown, key: string): string[] {
    const example = `${key}: ["oncall@example.com"]`;
    if (emails === undefined) return [];
    if (!Array.isArray(emails)) throw new ConfigError(key, "must be a list of email addresses", emails, example);
    const seen = new Set<string>();
    emails.forEach((email: unknown, index) => {
        if (typeof email !== "string" || !EMAIL_ADDRESS.test(email)) throw new ConfigError(`${key}[${index}]`, "must be an email address", email, example);
        // The same mailbox in other capitals would get every message twice.
        if (seen.has(email.toLowerCase())) throw new ConfigError(`${key}[${index}]`, "repeats an address: list each address once", email, example);
        seen.add(email.toLowerCase());
    });
    return emails as string[];
}

function checkBoolean(value: unknown, defaultValue: boolean, key: string): boolean {
    if (value === undefined) return defaultValue;
    if (typeof value === "boolean") return value;
    throw new ConfigError(key, "must be true or false", value, `${key}: ${String(!defaultValue)}`);
}

/**
 * Never below the longest gap between two cycles, or the alarm would go off between any two of them; a cadence
 * whose gaps are longer than the usual ceiling (a quarterly cron) raises the ceiling to its default.
 */
function resolveStaleAfterHours(hours: unknown, cadence: CadencePlan, key: string): number {
    const longestGap = longestGapHours(cadence);
    const min = Math.max(1, Math.ceil(longestGap));
    const defaultHours = Math.ceil(longestGap + STALE_MARGIN_HOURS);
    const max = Math.max(MAX_STALE_AFTER_HOURS, defaultHours);
    if (hours === undefined) return defaultHours;
    if (typeof hours === "number" && Number.isInteger(hours) && hours >= min && hours <= max) return hours;
    throw new ConfigError(key, `must be a whole number of hours from ${min} (the longest time between two cycles) to ${max}`, hours, `${key}: ${defaultHours}`);
}

/** The longest time between two cycles' starts: fixed by a readable or rate cadence, measured over a year for cron. */
function longestGapHours(cadence: CadencePlan): number {
    if (cadence.cycleMinutes !== undefined) return cadence.cycleMinutes / 60;
    const times = nextCycleTimes(cadence, new Date(), 400) ?? [];
    let longest = 0;
    for (let index = 1; index < times.length; index++) longest = Math.max(longest, times[index].getTime() - times[index - 1].getTime());
    return longest / 3_600_000;
}
