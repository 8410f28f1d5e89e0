import { CycleSide } from "./settings";

/**
 * What a cycle delivered, read from its execution's output: the newest data per engine (or cluster) and when
 * production took it. Read loosely: an execution that ended early, or an output from an older version of the
 * functions, yields what it has and no more.
 */
export interface CycleDelivery {
    /** `restored`, `shared`, `paused`, `dry-run`, `waiting`, `failed`: the last run's outcome. */
    outcome?: string;
    /** Per engine (refresh) or cluster (share): what it delivered and when production took that data. */
    items: DeliveredItem[];
    /** The main pipeline's name and the execution the restore started (refresh). */
    pipelineName?: string;
    pipelineExecutionId?: string;
    /** Why the cycle changed nothing: the pause's reason. */
    paused?: string;
    warnings: string[];
    /** Dry run: what each engine or cluster would do. */
    wouldDo: string[];
    /** Refresh: the update's failure, which the cycle caught and restored without (`CopyFailedError: ...`). */
    updateFailure?: string;
}

export interface DeliveredItem {
    /** `aurora`, or `aurora prod-main` for a cluster on the share side. */
    name: string;
    /** The snapshot restored (refresh) or the copy shared (share). */
    snapshot?: string;
    /** When production took the data, ISO 8601. */
    takenAt?: string;
    /** A line about this item when it did not deliver. */
    note?: string;
}

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? value as Json : undefined);
const asString = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asStrings = (value: unknown): string[] => asList(value).filter((item): item is string => typeof item === "string");

/** Reads an execution's output (its final JSON state) for the side's cycle. */
export function readDelivery(side: CycleSide, output: string | undefined): CycleDelivery {
    let state: Json | undefined;
    try {
        state = output === undefined ? undefined : asObject(JSON.parse(output));
    } catch {
        state = undefined;
    }
    const result = asObject(state?.[side === "refresh" ? "restore" : "share"]);
    if (result === undefined) return { items: [], warnings: [], wouldDo: [] };
    const delivery: CycleDelivery = {
        outcome: asString(result.outcome),
        items: [],
        paused: asString(result.paused),
        warnings: asStrings(result.warnings),
        wouldDo: [],
    };
    if (side === "refresh") {
        delivery.pipelineName = asString(result.pipelineName);
        delivery.pipelineExecutionId = asString(result.executionId);
        readUpdate(asObject(state?.update), delivery);
        for (const engine of asList(result.engines).map(asObject)) {
            if (engine === undefined) continue;
            const name = asString(engine.engine) ?? "engine";
            delivery.items.push({ name, snapshot: asString(engine.restoredFrom), takenAt: asString(engine.takenAt), note: asString(engine.waitingFor) && `waiting for copy ${asString(engine.waitingFor)}` });
            const warning = asString(engine.warning);
            if (warning !== undefined) delivery.warnings.push(`${name}: ${warning}`);
            delivery.wouldDo.push(...asStrings(engine.wouldDo).map((line) => `${name}: ${line}`));
        }
        // What the restore would do beyond each engine: the pause, the pipeline.
        delivery.wouldDo.push(...asStrings(result.wouldDo));
    } else {
        for (const cluster of asList(result.clusters).map(asObject)) {
            if (cluster === undefined) continue;
            const name = `${asString(cluster.engine) ?? "engine"} ${asString(cluster.cluster) ?? "cluster"}`;
            const shared = cluster.outcome === "shared";
            delivery.items.push({
                name,
                snapshot: shared ? asString(cluster.copy) : undefined,
                takenAt: shared ? asString(asObject(cluster.source)?.createdAt) : undefined,
                note: shared ? undefined : `${asString(cluster.outcome) ?? "not shared"}: ${asString(cluster.reason) ?? "no reason given"}`,
            });
            delivery.wouldDo.push(...asStrings(cluster.wouldDo).map((line) => `${name}: ${line}`));
        }
    }
    return delivery;
}

/**
 * The update ran first (unless the operator chose the snapshots): what it would do in a dry run, the cleanup it
 * could not do, and its failure, which the cycle caught and went on from, are part of the cycle's message.
 */
function readUpdate(update: Json | undefined, delivery: CycleDelivery): void {
    if (update === undefined) return;
    delivery.updateFailure = errorText(asString(update.Error), asString(update.Cause));
    if (delivery.updateFailure !== undefined) delivery.warnings.push(`the update failed and the restore went on without it: ${delivery.updateFailure}`);
    for (const engine of asList(update.engines).map(asObject)) {
        if (engine === undefined) continue;
        const name = asString(engine.engine) ?? "engine";
        delivery.warnings.push(...asStrings(engine.warnings).map((warning) => `${name}: ${warning}`));
        delivery.wouldDo.push(...asStrings(engine.wouldDo).map((line) => `${name}: ${line}`));
    }
}

/** A Lambda error's cause is its JSON error object; the message is what an operator reads. */
export function causeMessage(cause: string | undefined): string | undefined {
    if (cause === undefined || cause.trim() === "") return undefined;
    try {
        const parsed = JSON.parse(cause) as { errorMessage?: unknown; Cause?: unknown };
        if (typeof parsed.errorMessage === "string") return parsed.errorMessage;
        if (typeof parsed.Cause === "string") return causeMessage(parsed.Cause);
    } catch {
        // Not JSON: the cause is the message itself.
    }
    return cause.trim();
}

/**
 * An execution's (or a caught step's) error as a sentence: `CopyFailedError: the copy ... failed`. A function's
 * error arrives as `Cause` JSON, one a Fail state passes on as `{"Cause": ...}` around it, a Step Functions error
 * as plain text or nothing.
 */
export function errorText(error: string | undefined, cause: string | undefined): string | undefined {
    const message = causeMessage(cause);
    if (error === undefined) return message;
    return message === undefined || message.startsWith(error) ? (message ?? error) : `${error}: ${message}`;
}

/** The time production took the stalest of the delivered data: the age the whole cycle guarantees. */
export function oldestDelivered(delivery: CycleDelivery): Date | undefined {
    const times = delivery.items.map((item) => (item.takenAt === undefined ? NaN : Date.parse(item.takenAt)));
    if (times.length === 0 || times.some(Number.isNaN)) return undefined;
    return new Date(Math.min(...times));
}
