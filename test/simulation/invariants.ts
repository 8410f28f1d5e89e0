/**
 * The properties that must hold after every single invocation, and at the end of every cycle. Each check
 * returns what is wrong, in words; an empty list means the property holds. The checks look at the fakes'
 * state and history directly, never at what the functions say about themselves.
 */
import { createHash } from "node:crypto";
import { EngineName } from "../../handlers/engines";
import { EngineSettings, UNSET_SNAPSHOT } from "../../handlers/settings";
import { ACCEPTANCE_ACCOUNT, accountOfArn, PRODUCTION_ACCOUNT } from "./accounts";
import { Deployment, FunctionKind } from "./deployment";
import { FakeAws } from "./fake-aws";
import { CycleRecord, InvocationRecord } from "./ledger";
import { ENGINE_VALUE, engineOfValue } from "./production-account";
import { ZoneClock } from "./scheduler-clock";
import { statusAt, StoredSnapshot } from "./snapshot-store";

const MINUTES_PER_DAY = 1440;
const MS_PER_DAY = 86_400_000;

export interface RestoreWindow {
    /** Local "HH:MM" of the first attempt. */
    start: string;
    minutes: number;
    recheckMinutes: number;
}

export interface WorldView {
    aws: FakeAws;
    deployment: Deployment;
    zone: ZoneClock;
    cycleDates: ReadonlySet<string>;
    /** Local "HH:MM" the cadence names for the update. */
    updateTime: string;
    restoreWindow: RestoreWindow;
    /** Caller labels of the two functions. */
    functionLabels: Record<FunctionKind, string>;
    restorePrincipal: string;
}

/** Everything that must hold after `record`'s invocation. */
export function checkInvocation(world: WorldView, record: InvocationRecord): string[] {
    return [
        ...checkGateDecision(world, record),
        ...checkFailureChangedNothing(world, record),
        ...checkWaitingChangedNothing(record),
        ...checkParameterOwnership(world, record),
        ...checkParametersNameUsableSnapshots(world),
        ...checkOneCopyPerSource(world),
        ...checkCopies(world, record),
        ...checkRetention(world, record),
        ...checkPipelineExecutions(world, record),
    ];
}

/** The firing runs exactly when it is the cycle's update time (or its spring-forward fallback) or in its restore window. */
function checkGateDecision(world: WorldView, record: InvocationRecord): string[] {
    const { localDate, localTime } = record.firing;
    const cycleDay = world.cycleDates.has(localDate);
    let shouldRun: boolean;
    if (record.kind === "update") {
        const fallback = addMinutes(world.updateTime, 60);
        shouldRun = cycleDay && (localTime === world.updateTime ||
            (localTime === fallback && world.zone.instantsOf(localDate, world.updateTime).length === 0));
    } else {
        const offset = minutesOf(localTime) - minutesOf(world.restoreWindow.start);
        shouldRun = cycleDay && offset >= 0 && offset < world.restoreWindow.minutes && offset % world.restoreWindow.recheckMinutes === 0;
    }
    const ran = record.status !== "skipped";
    const problems: string[] = [];
    if (ran !== shouldRun) problems.push(`${record.kind} firing at ${localDate} ${localTime} ${ran ? "ran" : "was skipped"}, but should ${shouldRun ? "run" : "be skipped"}`);
    if (!ran && record.calls.length > 0) problems.push(`skipped ${record.kind} firing made ${record.calls.length} AWS call(s)`);
    if (!ran && !sameState(record.parametersBefore, record.parametersAfter)) problems.push(`skipped ${record.kind} firing changed parameters`);
    return problems;
}

/**
 * A failed run says why and leaves the parameters as they were. The restore is all or nothing; the update is
 * per engine (README: one engine's failure does not stop the others), so only the failed engines' `latest`
 * must be untouched, and the message must name each of them.
 */
function checkFailureChangedNothing(world: WorldView, record: InvocationRecord): string[] {
    if (record.status !== "failed") return [];
    const error = record.invocation.error!;
    const problems: string[] = [];
    if (error.message.trim().length < 20) problems.push(`failed ${record.kind} run says too little: ${JSON.stringify(error.message)}`);
    if (record.kind === "restore") {
        // Values and versions: a write that was put back still leaves a version behind.
        if (!sameState(record.parametersBefore, record.parametersAfter)) {
            problems.push(`failed restore changed parameters: ${JSON.stringify(record.parametersBefore)} -> ${JSON.stringify(record.parametersAfter)}`);
        }
        return problems;
    }
    for (const engine of failedUpdateEngines(record)) {
        const settings = engineSettings(world, engine);
        if (JSON.stringify(record.parametersBefore[settings.latestParameter]) !== JSON.stringify(record.parametersAfter[settings.latestParameter])) {
            problems.push(`failed update changed ${settings.latestParameter} although ${engine} failed`);
        }
        if (!error.message.includes(engine)) problems.push(`failed update's message does not name the failed engine ${engine}: ${error.message}`);
    }
    return problems;
}

/**
 * A restore attempt that waits for a copy promotes nothing: `current` must never name a copy before it is
 * available, and the README has a waiting attempt change nothing.
 */
function checkWaitingChangedNothing(record: InvocationRecord): string[] {
    if (record.kind !== "restore" || record.restoreOutcome !== "waiting" || sameState(record.parametersBefore, record.parametersAfter)) return [];
    return [`restore attempt that waits changed parameters: ${JSON.stringify(record.parametersBefore)} -> ${JSON.stringify(record.parametersAfter)}`];
}

/** The engines whose part of an update failed, from the run's `update summary` log entry. */
export function failedUpdateEngines(record: InvocationRecord): EngineName[] {
    const summary = record.invocation.logs.find((line) => line.event === "update summary")?.summary as
        { engines?: { engine: EngineName; error?: string }[] } | undefined;
    return (summary?.engines ?? []).filter((engine) => engine.error !== undefined).map((engine) => engine.engine);
}

/**
 * The update writes only `latest`; the restore only `latest` and `current`; neither ever writes `main_cicd_name`;
 * and neither writes a parameter with the value it already has (each write is a new version the pipeline and the
 * operators see in the parameter's history).
 */
function checkParameterOwnership(world: WorldView, record: InvocationRecord): string[] {
    const allowed = new Set(world.deployment.settings.engines.flatMap((engine) =>
        record.kind === "update" ? [engine.latestParameter] : [engine.latestParameter, engine.currentParameter]));
    const problems = changedValues(record).filter((name) => !allowed.has(name)).map((name) => `${record.kind} run changed ${name}`);
    for (const [name, after] of Object.entries(record.parametersAfter)) {
        const before = record.parametersBefore[name];
        if (before !== undefined && before.value === after.value && before.version !== after.version) {
            problems.push(`${record.kind} run rewrote ${name} with the value it already had (version ${before.version} -> ${after.version})`);
        }
    }
    return problems;
}

/**
 * Each engine's `latest` and `current` name an existing, available production snapshot of the engine or an
 * available copy of one; or `none` while never written; or whatever a person chose by hand; or a snapshot
 * someone other than the functions deleted since it was recorded (the functions move on at their next run).
 */
function checkParametersNameUsableSnapshots(world: WorldView): string[] {
    const problems: string[] = [];
    const nowMs = world.aws.timeline.nowMs();
    for (const engine of world.deployment.settings.engines) {
        for (const name of [engine.latestParameter, engine.currentParameter]) {
            const latest = world.aws.parameters.latest(name);
            if (latest === undefined) {
                problems.push(`${name} does not exist`);
                continue;
            }
            if (latest.value === UNSET_SNAPSHOT) {
                if (latest.version !== 1) problems.push(`${name} was set back to ${UNSET_SNAPSHOT} (version ${latest.version})`);
                continue;
            }
            // A value a person wrote by hand (README: "Restore a chosen snapshot outside the schedule") is theirs to choose.
            const writtenByHand = !Object.values(world.functionLabels).includes(latest.modifiedBy);
            if (writtenByHand) continue;
            const snapshot = findSnapshot(world.aws, latest.value);
            if (snapshot === undefined) {
                const gone = [...world.aws.store.everything()].reverse().find((candidate) => candidate.arn === latest.value || candidate.identifier === latest.value);
                const removedByOthers = gone?.deletedBy !== undefined && !Object.values(world.functionLabels).includes(gone.deletedBy);
                if (!removedByOthers) problems.push(`${name} names ${latest.value}, which does not exist${gone?.deletedBy ? ` (deleted by ${gone.deletedBy})` : ""}`);
                continue;
            }
            const status = statusAt(snapshot, nowMs);
            if (status !== "available") problems.push(`${name} names ${snapshot.arn}, which is ${status}`);
            const origin = snapshot.kind === "copy" && snapshot.account === ACCEPTANCE_ACCOUNT && snapshot.sourceArn !== undefined
                ? world.aws.store.everything().find((candidate) => candidate.arn === snapshot.sourceArn)
                : snapshot;
            if (origin === undefined || origin.account !== PRODUCTION_ACCOUNT || origin.engine !== ENGINE_VALUE[engine.engine]) {
                problems.push(`${name} names ${snapshot.arn}, which is neither a ${engine.engine} snapshot of production nor a copy of one`);
            }
        }
    }
    return problems;
}

/** No source snapshot is ever copied twice into acceptance. */
function checkOneCopyPerSource(world: WorldView): string[] {
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const snapshot of world.aws.store.ownedBy(ACCEPTANCE_ACCOUNT)) {
        if (snapshot.sourceArn === undefined) continue;
        const other = seen.get(snapshot.sourceArn);
        if (other !== undefined) problems.push(`${snapshot.sourceArn} has two copies: ${other} and ${snapshot.identifier}`);
        seen.set(snapshot.sourceArn, snapshot.identifier);
    }
    return problems;
}

/**
 * The functions copy only the production snapshot their rule names, under the identifier the README derives
 * from the source alone, tagged as theirs and encrypted with the stack's key; they delete only their own copies,
 * never one a parameter named. The update copies the newest snapshot shared when it runs. The restore starts a
 * copy only of the cycle's data as of the attempt (for an engine that restores from copies), never on the
 * window's last attempt (no later attempt could wait for it), and deletes nothing (its role may not).
 * Neither starts two copies of one engine in a run.
 */
function checkCopies(world: WorldView, record: InvocationRecord): string[] {
    const problems: string[] = [];
    const prefix = world.deployment.settings.copyIdentifierPrefix;
    const copiesPerEngine = new Map<string, number>();
    for (const copy of record.copiesStarted) {
        const source = copy.sourceArn ?? "";
        const engine = engineOfValue(copy.engine);
        const settings = world.deployment.settings.engines.find((candidate) => candidate.engine === engine);
        if (accountOfArn(source) !== PRODUCTION_ACCOUNT) problems.push(`${record.kind} copied ${source}, which is not production's`);
        if (settings === undefined || !settings.copy) problems.push(`${record.kind} copied ${source}, but ${engine ?? copy.engine} does not restore from copies`);
        const expected = engine === undefined ? undefined : record.expectedData?.[engine];
        if (source !== expected) {
            problems.push(`${record.kind} copied ${source}, but the ${engine ?? copy.engine} snapshot it had to work with is ${expected ?? "none"}`);
        }
        if (record.kind === "restore" && record.lastAttempt) {
            problems.push(`the window's last restore attempt started copy ${copy.identifier}, which no later attempt can wait for`);
        }
        copiesPerEngine.set(copy.engine, (copiesPerEngine.get(copy.engine) ?? 0) + 1);
        const original = world.aws.store.everything().find((candidate) => candidate.arn === source);
        if (original !== undefined && engine !== undefined) {
            const expectedIdentifier = expectedCopyIdentifier(prefix, engine, original);
            if (copy.identifier !== expectedIdentifier) problems.push(`copy of ${source} is named ${copy.identifier}, not ${expectedIdentifier}`);
            const expectedKey = original.encrypted ? settings?.kmsKeyArn : undefined;
            if (copy.kmsKeyId !== expectedKey) problems.push(`copy ${copy.identifier} is encrypted with ${copy.kmsKeyId ?? "no key"}, not ${expectedKey ?? "no key"}`);
        }
        if (copy.tags["managed-by"] !== "snapshot-refresh" || copy.tags["snapshot-refresh:source-arn"] !== source ||
            copy.tags["snapshot-refresh:instance"] !== world.deployment.name) {
            problems.push(`copy ${copy.identifier} lacks its tags: ${JSON.stringify(copy.tags)}`);
        }
    }
    for (const [engine, count] of copiesPerEngine) if (count > 1) problems.push(`${record.kind} started ${count} ${engine} copies in one run`);
    const namedBefore = new Set(Object.values(record.parametersBefore).map((entry) => entry.value));
    for (const deleted of record.deleted) {
        if (record.kind === "restore") problems.push(`the restore deleted ${deleted.identifier}`);
        if (!isOwnCopy(world, deleted)) problems.push(`${record.kind} deleted ${deleted.identifier}, which it did not make`);
        if (namedBefore.has(deleted.arn) || namedBefore.has(deleted.identifier)) problems.push(`${record.kind} deleted ${deleted.identifier}, which a parameter named`);
    }
    return problems;
}

/** The identifier the README promises: `<prefix><engine>-<source time>-<hash of the source ARN>`. */
export function expectedCopyIdentifier(prefix: string, engine: EngineName, source: StoredSnapshot): string {
    const stamp = source.startedAt.toISOString().slice(0, 19).replace(/[-:]/g, "").toLowerCase();
    return `${prefix}${engine}-${stamp}-${createHash("sha256").update(source.arn).digest("hex").slice(0, 8)}`;
}

/** A copy either function made: the restore makes the copies the update could not, under the same identifier and tags. */
export function isOwnCopy(world: Pick<WorldView, "functionLabels">, snapshot: StoredSnapshot): boolean {
    return snapshot.account === ACCEPTANCE_ACCOUNT && snapshot.kind === "copy" && Object.values(world.functionLabels).includes(snapshot.createdBy) &&
        accountOfArn(snapshot.sourceArn ?? "") === PRODUCTION_ACCOUNT;
}

/**
 * Copies stay within retention. After an update that succeeded for the engine: every available copy is one of the
 * newest `keepCopies`, or named by `latest`/`current`, and no failed copy is left. At any time: at most
 * `keepCopies` + 2 (what the two parameters may name) available copies.
 */
function checkRetention(world: WorldView, record: InvocationRecord): string[] {
    const problems: string[] = [];
    const nowMs = world.aws.timeline.nowMs();
    const failedEngines = record.kind === "update" && record.status === "failed" ? failedUpdateEngines(record) : [];
    for (const engine of world.deployment.settings.engines.filter((candidate) => candidate.copy)) {
        const copies = world.aws.store.ownedBy(ACCEPTANCE_ACCOUNT)
            .filter((snapshot) => isOwnCopy(world, snapshot) && snapshot.engine === ENGINE_VALUE[engine.engine]);
        const available = copies.filter((copy) => statusAt(copy, nowMs) === "available").sort(byNewestSource(world));
        const named = new Set([engine.latestParameter, engine.currentParameter].map((name) => world.aws.parameters.value(name)));
        const extra = available.slice(engine.keepCopies).filter((copy) => !named.has(copy.arn) && !named.has(copy.identifier));
        if (available.length > engine.keepCopies + 2) {
            problems.push(`${available.length} available ${engine.engine} copies exceed keepCopies ${engine.keepCopies} + latest + current`);
        }
        const trimmed = record.kind === "update" && record.status !== "skipped" && !failedEngines.includes(engine.engine);
        if (trimmed && extra.length > 0) problems.push(`after the update, ${engine.engine} keeps copies beyond retention: ${extra.map((copy) => copy.identifier).join(", ")}`);
        const failed = copies.filter((copy) => statusAt(copy, nowMs) === "failed");
        if (trimmed && failed.length > 0) problems.push(`after the update, failed ${engine.engine} copies remain: ${failed.map((copy) => copy.identifier).join(", ")}`);
    }
    return problems;
}

function byNewestSource(world: WorldView): (a: StoredSnapshot, b: StoredSnapshot) => number {
    const sourceTime = (copy: StoredSnapshot) => world.aws.store.everything().find((candidate) => candidate.arn === copy.sourceArn)?.startedAt.getTime() ?? 0;
    return (a, b) => sourceTime(b) - sourceTime(a);
}

/** The restore function starts at most one execution per cycle, and none outside a cycle day. */
function checkPipelineExecutions(world: WorldView, record: InvocationRecord): string[] {
    const problems: string[] = [];
    const byFunction = world.aws.pipelines.allExecutions().filter((execution) => execution.startedBy === world.restorePrincipal);
    const perDay = new Map<string, number>();
    for (const execution of byFunction) {
        const date = world.zone.localDate(execution.startTime.getTime());
        perDay.set(date, (perDay.get(date) ?? 0) + 1);
        if (!world.cycleDates.has(date)) problems.push(`execution ${execution.executionId} started on ${date}, which is not a cycle day`);
    }
    const today = record.firing.localDate;
    if ((perDay.get(today) ?? 0) > 1) problems.push(`${perDay.get(today)} pipeline executions on cycle day ${today}`);
    return problems;
}

/** The end of a cycle: one update, the whole restore window, and the expected outcome with the right data. */
export function checkCycleEnd(world: WorldView, cycle: CycleRecord): string[] {
    const problems: string[] = [];
    const expectedAttempts = Math.ceil(world.restoreWindow.minutes / world.restoreWindow.recheckMinutes);
    if (cycle.updates.length !== 1) problems.push(`the update ran ${cycle.updates.length} times`);
    if (cycle.restores.length !== expectedAttempts) problems.push(`the restore ran ${cycle.restores.length} times, not ${expectedAttempts}`);
    const firstRestored = cycle.restores.findIndex((record) => record.restoreOutcome === "restored");
    cycle.restores.forEach((record, index) => {
        const allowed = firstRestored < 0 || index < firstRestored ? ["waiting", "failed"] : index === firstRestored ? ["restored"] : ["already-restored"];
        const outcome = record.status === "failed" ? "failed" : record.restoreOutcome ?? "?";
        if (!allowed.includes(outcome)) problems.push(`restore attempt ${index + 1} ended ${outcome}`);
    });
    const last = cycle.restores[cycle.restores.length - 1];
    if (cycle.executions.length > 1) problems.push(`${cycle.executions.length} pipeline executions in one cycle`);
    if (cycle.executions.length === 1) {
        const execution = cycle.executions[0];
        cycle.outcome = "restored";
        cycle.detail = world.deployment.settings.engines.map((engine) =>
            `${engine.engine}: ${restoredProductionArn(world, engine, execution.restores) ?? "?"}`).join("; ") + ` -> ${execution.pipelineName}`;
        if (execution.pipelineName !== world.deployment.pipelineName) problems.push(`the execution went to ${execution.pipelineName}, not ${world.deployment.pipelineName}`);
        for (const engine of world.deployment.settings.engines) {
            const restored = restoredProductionArn(world, engine, execution.restores);
            const expected = cycle.expectedData[engine.engine];
            if (restored !== expected) {
                problems.push(`${engine.engine} restored ${restored ?? "nothing"}, but the newest production snapshot started by the update time and ` +
                    `shared by the attempt that restored is ${expected ?? "none"}`);
            }
        }
    } else if (last?.status === "failed") {
        cycle.outcome = "failed";
        cycle.detail = `${last.invocation.error!.name}: ${last.invocation.error!.message}`;
    } else {
        cycle.outcome = "incomplete";
        cycle.detail = `no execution, and the last attempt ended ${last?.restoreOutcome ?? "nowhere"}`;
    }
    if (cycle.outcome !== cycle.expectation.outcome) problems.push(`expected the cycle to be ${cycle.expectation.outcome}, but it ${cycle.outcome}: ${cycle.detail}`);
    const lastAttemptError = cycle.expectation.lastRestoreError ?? cycle.expectation.restoreError;
    if (cycle.outcome === "failed" && lastAttemptError && !lastAttemptError.test(cycle.detail ?? "")) {
        problems.push(`the last restore attempt does not say ${lastAttemptError}: ${cycle.detail}`);
    }
    for (const record of [...cycle.updates, ...cycle.restores].filter((candidate) => candidate.status === "failed")) {
        const pattern = record.kind === "update" ? cycle.expectation.updateError : record === last ? lastAttemptError : cycle.expectation.restoreError;
        const message = record.invocation.error!.message;
        if (pattern === undefined || !pattern.test(message)) problems.push(`unexpected ${record.kind} failure at ${record.firing.localTime}: ${record.invocation.error!.name}: ${message}`);
    }
    return problems;
}

/** The production snapshot the pipeline restores an engine from: the snapshot `current` named, or the source of the copy it named. */
export function restoredProductionArn(world: WorldView, engine: EngineSettings, restores: Record<string, string>): string | undefined {
    const value = restores[engine.currentParameter];
    if (value === undefined) return undefined;
    const named = [...world.aws.store.everything()].reverse().find((snapshot) => snapshot.arn === value || (snapshot.account === ACCEPTANCE_ACCOUNT && snapshot.identifier === value));
    if (named === undefined) return undefined;
    return named.account === ACCEPTANCE_ACCOUNT ? named.sourceArn : named.arn;
}

function findSnapshot(aws: FakeAws, value: string): StoredSnapshot | undefined {
    return aws.store.byArn(value) ?? aws.store.own(ACCEPTANCE_ACCOUNT, value);
}

function engineSettings(world: WorldView, engine: EngineName): EngineSettings {
    return world.deployment.settings.engines.find((candidate) => candidate.engine === engine)!;
}

function changedValues(record: InvocationRecord): string[] {
    const names = new Set([...Object.keys(record.parametersBefore), ...Object.keys(record.parametersAfter)]);
    return [...names].filter((name) => valueOf(record.parametersBefore, name) !== valueOf(record.parametersAfter, name));
}

function valueOf(state: InvocationRecord["parametersBefore"], name: string): string | undefined {
    return state[name]?.value;
}

function sameState(a: InvocationRecord["parametersBefore"], b: InvocationRecord["parametersBefore"]): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether a restore attempt at local `date` `time` is its window's last: no later time on the window's grid
 * exists on the local clock (a spring-forward gap removes times). Read from the window, not from the gate.
 */
export function isLastAttempt(world: Pick<WorldView, "zone" | "restoreWindow">, date: string, time: string): boolean {
    const { start, minutes, recheckMinutes } = world.restoreWindow;
    // A window may run past midnight: an attempt before the start time belongs to the previous day's window,
    // and a later attempt may fall on the next local date.
    const afterMidnight = minutesOf(time) < minutesOf(start);
    const windowDayMs = Date.parse(`${date}T00:00:00Z`) - (afterMidnight ? MS_PER_DAY : 0);
    const sinceStart = minutesOf(time) - minutesOf(start) + (afterMidnight ? MINUTES_PER_DAY : 0);
    for (let offset = sinceStart + recheckMinutes; offset < minutes; offset += recheckMinutes) {
        const wall = minutesOf(start) + offset;
        const laterDate = new Date(windowDayMs + Math.floor(wall / MINUTES_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
        if (world.zone.instantsOf(laterDate, addMinutes("00:00", wall)).length > 0) return false;
    }
    return true;
}

function minutesOf(time: string): number {
    const [hours, minutes] = time.split(":").map(Number);
    return hours * 60 + minutes;
}

/** "HH:MM" `minutes` after `time`, on a 24-hour clock. */
export function addMinutes(time: string, minutes: number): string {
    const total = minutesOf(time) + minutes;
    return `${String(Math.floor(total / 60) % 24).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}
