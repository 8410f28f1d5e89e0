/**
 * The properties that must hold after every single run of a function, and for every cycle. Each check returns
 * what is wrong, in words; an empty list means the property holds. The checks look at the fakes' state and
 * history directly, never at what the functions say about themselves.
 */
import { EngineName } from "../../handlers/engines";
import { spelledCopyIdentifier } from "../handlers/support";
import { EngineSettings, UNSET_SNAPSHOT } from "../../handlers/refresh/settings";
import { ACCEPTANCE_ACCOUNT, accountOfArn, PRODUCTION_ACCOUNT } from "./accounts";
import { Deployment } from "./deployment";
import { FakeAws } from "./fake-aws";
import { CycleRecord, InvocationRecord } from "./ledger";
import { ENGINE_VALUE, engineOfValue } from "./production-account";
import { ZoneClock } from "./scheduler-clock";
import { existedAt, statusAt, StoredSnapshot } from "./snapshot-store";

export interface WorldView {
    aws: FakeAws;
    deployment: Deployment;
    zone: ZoneClock;
    cycleDates: ReadonlySet<string>;
    /** Local "HH:MM" the cadence names for a cycle's start. */
    cycleTime: string;
    /** The production clusters an engine follows now (all when empty). */
    sourceClusters(engine: EngineName): string[];
}

const MS_PER_MINUTE = 60_000;

/** Everything that must hold after `record`'s run. */
export function checkInvocation(world: WorldView, record: InvocationRecord): string[] {
    return [
        ...checkStarterDecision(world, record),
        ...checkFailureChangedNothing(record),
        ...checkWaitingChangedNothing(record),
        ...checkReportOnlyChangedNothing(record),
        ...checkParameterOwnership(world, record),
        ...checkParametersNameUsableSnapshots(world),
        ...checkOneCopyPerSource(world),
        ...checkCopies(world, record),
        ...checkRetention(world, record),
        ...checkPipelineExecutions(world, record),
    ];
}

/**
 * The starter starts the execution `cycle-<date>` exactly for the cycle's firing (at the cadence's time, or an
 * hour later on the day that time does not exist), and for no other firing, which it answers without touching
 * AWS or anything else.
 */
function checkStarterDecision(world: WorldView, record: InvocationRecord): string[] {
    if (record.kind !== "starter" || record.firing === undefined) return [];
    const { localDate, localTime } = record.firing;
    const fallback = addMinutes(world.cycleTime, 60);
    const shouldStart = world.cycleDates.has(localDate) && (localTime === world.cycleTime ||
        (localTime === fallback && world.zone.instantsOf(localDate, world.cycleTime).length === 0));
    const problems: string[] = [];
    const started = record.outcome === "started";
    if (started !== shouldStart) problems.push(`the ${localDate} ${localTime} firing ${started ? "started" : "did not start"} a cycle, but should ${shouldStart ? "" : "not "}have`);
    const starts = record.calls.filter((call) => call.command === "StartExecution");
    if (shouldStart && (starts.length !== 1 || (record.invocation.result as { cycle?: string } | undefined)?.cycle !== `cycle-${localDate}`)) {
        problems.push(`the ${localDate} firing did not start exactly the execution cycle-${localDate}`);
    }
    if (!shouldStart && record.calls.length > 0) problems.push(`the ${localDate} ${localTime} firing, not a cycle, made ${record.calls.length} AWS call(s)`);
    if (!sameState(record.parametersBefore, record.parametersAfter)) problems.push("the starter changed parameters");
    return problems;
}

/**
 * A failed run says why. The restore is all or nothing, so a failed restore changes no parameter; the update is
 * per engine (README: one engine's failure does not stop the others), so its message names each failed engine.
 */
function checkFailureChangedNothing(record: InvocationRecord): string[] {
    if (record.status !== "failed") return [];
    const error = record.invocation.error!;
    const problems: string[] = [];
    if (error.message.trim().length < 20) problems.push(`failed ${record.kind} run says too little: ${JSON.stringify(error.message)}`);
    if (record.kind === "restore" && !sameState(record.parametersBefore, record.parametersAfter)) {
        // Values and versions: a write that was put back still leaves a version behind.
        problems.push(`failed restore changed parameters: ${JSON.stringify(record.parametersBefore)} -> ${JSON.stringify(record.parametersAfter)}`);
    }
    if (record.kind === "update") {
        for (const engine of failedUpdateEngines(record)) {
            if (!error.message.includes(engine)) problems.push(`failed update's message does not name the failed engine ${engine}: ${error.message}`);
        }
    }
    return problems;
}

/** A restore check that waits for a copy promotes nothing: `current` never names a copy before it is available. */
function checkWaitingChangedNothing(record: InvocationRecord): string[] {
    if (record.kind !== "restore" || record.outcome !== "waiting" || sameState(record.parametersBefore, record.parametersAfter)) return [];
    return [`restore check that waits changed parameters: ${JSON.stringify(record.parametersBefore)} -> ${JSON.stringify(record.parametersAfter)}`];
}

/**
 * A dry run (of either function) and a restore while paused change nothing: no parameter, no copy started or
 * deleted, no pipeline started.
 */
function checkReportOnlyChangedNothing(record: InvocationRecord): string[] {
    const reportOnly = record.outcome === "dry-run" || (record.kind === "restore" && record.outcome === "paused");
    if (!reportOnly) return [];
    const changes = [
        ...(sameState(record.parametersBefore, record.parametersAfter) ? [] : ["changed parameters"]),
        ...record.copiesStarted.map((copy) => `started copy ${copy.identifier}`),
        ...record.deleted.map((snapshot) => `deleted ${snapshot.identifier}`),
        ...record.calls.filter((call) => call.command === "StartPipelineExecution").map(() => "started the pipeline"),
    ];
    return changes.map((change) => `${record.kind} run with outcome ${record.outcome} ${change}`);
}

/** What a run's summary line says of each engine, keyed by engine as Logs Insights reads it. */
function loggedEngines(record: InvocationRecord): Partial<Record<EngineName, { error?: string; copy?: { outcome: string } }>> {
    const summary = record.invocation.logs.find((line) => line.event === "run summary");
    return (summary?.engines ?? {}) as Partial<Record<EngineName, { error?: string; copy?: { outcome: string } }>>;
}

/** The engines whose part of an update failed, from the run's summary line. */
export function failedUpdateEngines(record: InvocationRecord): EngineName[] {
    return Object.entries(loggedEngines(record)).filter(([, report]) => report?.error !== undefined).map(([engine]) => engine as EngineName);
}

/** The update's summary entry for one engine, as it logged it. */
function updateReport(record: InvocationRecord, engine: EngineName): { error?: string; copy?: { outcome: string } } | undefined {
    return loggedEngines(record)[engine];
}

/**
 * The update writes only `latest`; the restore only `latest` and `current`; the starter and everyone else's runs
 * nothing; none ever writes `main_cicd_name`, nor a parameter with the value it already has (each write is a
 * new version the pipeline and the operators see), nor a snapshot of a cluster the engine no longer follows.
 */
function checkParameterOwnership(world: WorldView, record: InvocationRecord): string[] {
    const allowed = new Set(world.deployment.settings.engines.flatMap((engine) =>
        record.kind === "update" ? [engine.latestParameter] : record.kind === "restore" ? [engine.latestParameter, engine.currentParameter] : []));
    const problems = changedValues(record).filter((name) => !allowed.has(name)).map((name) => `${record.kind} run changed ${name}`);
    for (const [name, after] of Object.entries(record.parametersAfter)) {
        const before = record.parametersBefore[name];
        if (before !== undefined && before.value === after.value && before.version !== after.version) {
            problems.push(`${record.kind} run rewrote ${name} with the value it already had (version ${before.version} -> ${after.version})`);
        }
    }
    for (const engine of world.deployment.settings.engines) {
        for (const name of [engine.latestParameter, engine.currentParameter].filter((parameter) => changedValues(record).includes(parameter))) {
            const origin = productionOrigin(world.aws, record.parametersAfter[name].value);
            if (origin !== undefined && !isFollowed(world, engine.engine, origin)) {
                problems.push(`${record.kind} wrote ${name} = a snapshot of cluster ${origin.clusterIdentifier}, which ${engine.engine} no longer follows`);
            }
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
    const functionLabels = functionLabelsOf(world);
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
            if (!functionLabels.includes(latest.modifiedBy)) continue;
            const snapshot = findSnapshot(world.aws, latest.value);
            if (snapshot === undefined) {
                const gone = [...world.aws.store.everything()].reverse().find((candidate) => candidate.arn === latest.value || candidate.identifier === latest.value);
                const removedByOthers = gone?.deletedBy !== undefined && !functionLabels.includes(gone.deletedBy);
                if (!removedByOthers) problems.push(`${name} names ${latest.value}, which does not exist${gone?.deletedBy ? ` (deleted by ${gone.deletedBy})` : ""}`);
                continue;
            }
            const status = statusAt(snapshot, nowMs);
            if (status !== "available") problems.push(`${name} names ${snapshot.arn}, which is ${status}`);
            const origin = productionOrigin(world.aws, snapshot.arn);
            if (origin === undefined || origin.engine !== ENGINE_VALUE[engine.engine]) {
                problems.push(`${name} names ${snapshot.arn}, which is neither a ${engine.engine} snapshot of production nor a copy of one`);
            }
        }
    }
    return problems;
}

/** No production snapshot is ever copied twice into acceptance. */
function checkOneCopyPerSource(world: WorldView): string[] {
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const snapshot of world.aws.store.ownedBy(ACCEPTANCE_ACCOUNT)) {
        if (snapshot.sourceArn === undefined || accountOfArn(snapshot.sourceArn) !== PRODUCTION_ACCOUNT) continue;
        const other = seen.get(snapshot.sourceArn);
        if (other !== undefined) problems.push(`${snapshot.sourceArn} has two copies: ${other} and ${snapshot.identifier}`);
        seen.set(snapshot.sourceArn, snapshot.identifier);
    }
    return problems;
}

/**
 * The functions copy only the production snapshot their rule names, under the identifier the README derives
 * from the source alone, tagged as theirs and encrypted with the stack's key; they delete only their own copies,
 * never one a parameter named. The update copies the newest followed snapshot shared when it runs. The restore
 * starts a copy only of the cycle's data as of the check, never once the maintenance window is over (nothing
 * could wait for it), and deletes nothing (its role may not). Neither starts two copies of one engine in a run.
 */
function checkCopies(world: WorldView, record: InvocationRecord): string[] {
    const problems: string[] = [];
    const prefix = world.deployment.settings.copyIdentifierPrefix;
    const copiesPerEngine = new Map<string, number>();
    for (const copy of record.copiesStarted) {
        const source = copy.sourceArn ?? "";
        const engine = engineOfValue(copy.engine);
        const settings = world.deployment.settings.engines.find((candidate) => candidate.engine === engine);
        if (record.kind === "starter") problems.push(`the starter copied ${source}`);
        if (accountOfArn(source) !== PRODUCTION_ACCOUNT) problems.push(`${record.kind} copied ${source}, which is not production's`);
        if (settings === undefined || !settings.copy) problems.push(`${record.kind} copied ${source}, but ${engine ?? copy.engine} does not restore from copies`);
        const expected = engine === undefined ? undefined : record.expectedData?.[engine];
        if (source !== expected) {
            problems.push(`${record.kind} copied ${source}, but the ${engine ?? copy.engine} snapshot it had to work with is ${expected ?? "none"}`);
        }
        if (record.kind === "restore" && record.final) problems.push(`the restore started copy ${copy.identifier} after the maintenance window ended`);
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
        if (record.kind !== "update") problems.push(`the ${record.kind} deleted ${deleted.identifier}`);
        if (!isOwnCopy(world, deleted)) problems.push(`${record.kind} deleted ${deleted.identifier}, which it did not make`);
        if (namedBefore.has(deleted.arn) || namedBefore.has(deleted.identifier)) problems.push(`${record.kind} deleted ${deleted.identifier}, which a parameter named`);
    }
    return problems;
}

/** The identifier the README promises a copy of `source`. */
export function expectedCopyIdentifier(prefix: string, engine: EngineName, source: StoredSnapshot): string {
    return spelledCopyIdentifier(prefix, engine, source.arn, source.startedAt);
}

/** A copy either refresh function made: the restore makes the copies the update could not, under the same identifier and tags. */
export function isOwnCopy(world: Pick<WorldView, "deployment">, snapshot: StoredSnapshot): boolean {
    const makers = [world.deployment.functions.update.caller.label, world.deployment.functions.restore.caller.label];
    return snapshot.account === ACCEPTANCE_ACCOUNT && snapshot.kind === "copy" && makers.includes(snapshot.createdBy) &&
        accountOfArn(snapshot.sourceArn ?? "") === PRODUCTION_ACCOUNT;
}

/**
 * Copies stay within retention. After an update that got as far as trimming for the engine (it trims before it
 * copies, so a copy that could not start does not stop it): every available copy of a followed cluster is one of
 * the newest `keepCopies` or named by `latest`/`current`, every copy of a cluster no longer followed is named by
 * one of them, and no failed copy is left. At any time: at most `keepCopies` + 2 available copies.
 */
function checkRetention(world: WorldView, record: InvocationRecord): string[] {
    const problems: string[] = [];
    const nowMs = world.aws.timeline.nowMs();
    for (const engine of world.deployment.settings.engines.filter((candidate) => candidate.copy)) {
        const copies = world.aws.store.ownedBy(ACCEPTANCE_ACCOUNT)
            .filter((snapshot) => isOwnCopy(world, snapshot) && snapshot.engine === ENGINE_VALUE[engine.engine]);
        const available = copies.filter((copy) => statusAt(copy, nowMs) === "available").sort(byNewestSource(world));
        const named = new Set([engine.latestParameter, engine.currentParameter].map((name) => world.aws.parameters.value(name)));
        const isNamed = (copy: StoredSnapshot) => named.has(copy.arn) || named.has(copy.identifier);
        const followed = available.filter((copy) => isFollowed(world, engine.engine, copy));
        const extra = [
            ...followed.slice(engine.keepCopies),
            ...available.filter((copy) => !isFollowed(world, engine.engine, copy)),
        ].filter((copy) => !isNamed(copy));
        if (available.length > engine.keepCopies + 2) {
            problems.push(`${available.length} available ${engine.engine} copies exceed keepCopies ${engine.keepCopies} + latest + current`);
        }
        const report = record.kind === "update" ? updateReport(record, engine.engine) : undefined;
        const trimmed = report !== undefined && (report.error === undefined || report.copy !== undefined);
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

/** The restore function starts at most one pipeline execution a day (a cycle starts it once). */
function checkPipelineExecutions(world: WorldView, record: InvocationRecord): string[] {
    const today = restoreExecutions(world).filter((execution) => world.zone.localDate(execution.startTime.getTime()) === record.localDate);
    return today.length > 1 ? [`${today.length} pipeline executions on ${record.localDate}`] : [];
}

/**
 * A cycle, once its execution stopped: one execution named after the day; the restore checked no less than
 * copyRecheckMinutes apart (unless Step Functions retried it) and waited no longer than the maintenance window;
 * the pipeline started at the first check that found every engine's data ready; and the expected outcome, with
 * the newest data of the cycle.
 */
export function checkCycleEnd(world: WorldView, cycle: CycleRecord): string[] {
    const problems: string[] = [];
    const settings = world.deployment.settings;
    const executions = world.aws.stepFunctions.all().filter((execution) => execution.name === `cycle-${cycle.date}`);
    if (executions.length !== 1) problems.push(`${executions.length} executions named cycle-${cycle.date}`);
    const execution = executions[0];
    if (execution !== undefined && execution.startDate.getTime() !== cycle.cycleStart.getTime()) {
        problems.push(`the execution started at ${execution.startDate.toISOString()}, not at the cycle's start ${cycle.cycleStart.toISOString()}`);
    }
    if (execution?.status === "RUNNING") problems.push("the execution never stopped");
    if (cycle.updates.length === 0) problems.push("the update never ran");
    if (cycle.updates.slice(0, -1).some((record) => record.invocation.error?.name !== "TransientAwsError")) {
        problems.push("the update ran again after a run that was not to be retried");
    }
    const windowEndMs = cycle.cycleStart.getTime() + settings.maintenanceWindowMinutes * MS_PER_MINUTE;
    cycle.restores.forEach((record, index) => {
        if (record.outcome === "waiting" && record.final) problems.push(`check ${index + 1} waits after the maintenance window ended`);
        const previous = cycle.restores[index - 1];
        if (previous?.outcome === "waiting") {
            const gapMinutes = (record.invocation.startedAt.getTime() - previous.invocation.startedAt.getTime()) / MS_PER_MINUTE;
            const expected = Math.min(settings.copyRecheckMinutes, (windowEndMs - previous.invocation.startedAt.getTime()) / MS_PER_MINUTE);
            if (gapMinutes !== expected) problems.push(`check ${index + 1} came ${gapMinutes} minutes after a waiting check, not ${expected}`);
        }
    });
    cycle.executions = restoreExecutions(world).filter((pipeline) => world.zone.localDate(pipeline.startTime.getTime()) === cycle.date);
    if (cycle.executions.length > 1) problems.push(`${cycle.executions.length} pipeline executions in one cycle`);
    if (cycle.executions.length === 1) {
        const pipeline = cycle.executions[0];
        cycle.outcome = "restored";
        cycle.detail = settings.engines.map((engine) =>
            `${engine.engine}: ${restoredProductionArn(world, engine, pipeline.restores) ?? "?"}`).join("; ") + ` -> ${pipeline.pipelineName}`;
        if (execution?.status !== "SUCCEEDED") problems.push(`the pipeline started, but the execution ended ${execution?.status}`);
        if (pipeline.pipelineName !== world.deployment.pipelineName) problems.push(`the execution went to ${pipeline.pipelineName}, not ${world.deployment.pipelineName}`);
        for (const engine of settings.engines) {
            const restored = restoredProductionArn(world, engine, pipeline.restores);
            const expected = cycle.expectedData[engine.engine];
            if (restored !== expected) {
                problems.push(`${engine.engine} restored ${restored ?? "nothing"}, but the newest production snapshot started by the cycle's start and ` +
                    `shared by the check that restored is ${expected ?? "none"}`);
            }
        }
        const waitedNeedlessly = cycle.restores.filter((record) => record.outcome === "waiting" && everyCopyReady(world, record));
        if (waitedNeedlessly.length > 0) problems.push(`the check at ${waitedNeedlessly[0].localTime} waited although every engine's data was ready`);
    } else if (execution?.status === "FAILED" || execution?.status === "TIMED_OUT") {
        cycle.outcome = "failed";
        cycle.detail = `${execution.error}: ${execution.cause}`;
    } else {
        cycle.outcome = "incomplete";
        cycle.detail = `no pipeline execution, and the execution is ${execution?.status ?? "missing"}`;
    }
    if (cycle.outcome !== cycle.expectation.outcome) problems.push(`expected the cycle to be ${cycle.expectation.outcome}, but it ${cycle.outcome}: ${cycle.detail}`);
    if (cycle.outcome === "failed" && !(cycle.expectation.restoreError?.test(cycle.detail ?? "") ?? false)) {
        problems.push(`the execution's error does not say ${cycle.expectation.restoreError}: ${cycle.detail}`);
    }
    for (const record of [...cycle.updates, ...cycle.restores].filter((candidate) => candidate.status === "failed")) {
        const error = record.invocation.error!;
        // Throttling is retried by the state machine; the faults that cause it are asserted on their own.
        if (error.name === "TransientAwsError") continue;
        const pattern = record.kind === "update" ? cycle.expectation.updateError : cycle.expectation.restoreError;
        if (pattern === undefined || !pattern.test(error.message)) problems.push(`unexpected ${record.kind} failure at ${record.localTime}: ${error.name}: ${error.message}`);
    }
    return problems;
}

/** Whether, at a check's instant, a copy of the data it had to restore was available for every engine that copies. */
function everyCopyReady(world: WorldView, record: InvocationRecord): boolean {
    const atMs = record.invocation.startedAt.getTime();
    return world.deployment.settings.engines.filter((engine) => engine.copy).every((engine) =>
        world.aws.store.everything().some((snapshot) => isOwnCopy(world, snapshot) && snapshot.sourceArn === record.expectedData?.[engine.engine] &&
            existedAt(snapshot, atMs) && statusAt(snapshot, atMs) === "available"));
}

/** The production snapshot the pipeline restores an engine from: the snapshot `current` named, or the source of the copy it named. */
export function restoredProductionArn(world: Pick<WorldView, "aws">, engine: EngineSettings, restores: Record<string, string>): string | undefined {
    const value = restores[engine.currentParameter];
    return value === undefined ? undefined : productionOrigin(world.aws, value)?.arn;
}

/** The pipeline executions the restore function started, oldest first. */
function restoreExecutions(world: WorldView) {
    return world.aws.pipelines.allExecutions().filter((execution) => execution.startedBy === world.deployment.functions.restore.caller.principalArn);
}

/** The production snapshot a parameter value names, directly or through this account's copy of it. */
function productionOrigin(aws: FakeAws, value: string): StoredSnapshot | undefined {
    const named = [...aws.store.everything()].reverse().find((snapshot) => snapshot.arn === value || (snapshot.account === ACCEPTANCE_ACCOUNT && snapshot.identifier === value));
    if (named === undefined) return undefined;
    const origin = named.account === ACCEPTANCE_ACCOUNT ? aws.store.everything().find((snapshot) => snapshot.arn === named.sourceArn) : named;
    return origin?.account === PRODUCTION_ACCOUNT ? origin : undefined;
}

/** Whether a snapshot (or a copy, which keeps its source's cluster) is of a cluster the engine follows now. */
function isFollowed(world: WorldView, engine: EngineName, snapshot: StoredSnapshot): boolean {
    const clusters = world.sourceClusters(engine);
    return clusters.length === 0 || clusters.includes(snapshot.clusterIdentifier);
}

function functionLabelsOf(world: WorldView): string[] {
    return Object.values(world.deployment.functions).map((deployed) => deployed.caller.label);
}

function findSnapshot(aws: FakeAws, value: string): StoredSnapshot | undefined {
    return aws.store.byArn(value) ?? aws.store.own(ACCEPTANCE_ACCOUNT, value);
}

function changedValues(record: InvocationRecord): string[] {
    const names = new Set([...Object.keys(record.parametersBefore), ...Object.keys(record.parametersAfter)]);
    return [...names].filter((name) => record.parametersBefore[name]?.value !== record.parametersAfter[name]?.value);
}

function sameState(a: InvocationRecord["parametersBefore"], b: InvocationRecord["parametersBefore"]): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** "HH:MM" `minutes` after `time`, on a 24-hour clock. */
export function addMinutes(time: string, minutes: number): string {
    const total = Number(time.slice(0, 2)) * 60 + Number(time.slice(3)) + minutes;
    return `${String(Math.floor(total / 60) % 24).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}
