import { ArchiveEntry } from "../test/components/lambda-archive-support";
/**
 * `npm run bench`: figures about the deployed functions, printed, never asserted (timings depend on the machine).
 * Run from the repo root: Pulumi reads the project's package.json from the working directory.
 */
import { performance } from "node:perf_hooks";
import { buildArchives, FunctionKind, FUNCTION_KINDS } from "./archives";
import { COLD_LOAD_RUNS, measureColdLoads } from "./cold-load";
import { CycleLags, measureCycleLags } from "./cycle-lag";
import { bytes, heading, milliseconds, ratio, seconds, spread, table } from "./format";
import { measureProductionToPipeline, measureShareCycleCalls } from "./share-cycle";
import { timeTestSuite } from "./test-suite";
import { measureUpdateRun } from "./update-run";

async function main(): Promise<void> {
    const benchStarted = performance.now();
    console.log(`snapshot-refresh bench: node ${process.version}, ${process.platform}/${process.arch}`);

    console.log(heading("1. Archive size per function"));
    const archives = await buildArchives();
    console.log(table([
        ["function", "packaging", "files", "unzipped", "zipped"],
        ...FUNCTION_KINDS.flatMap((kind) => [
            [kind, "component (SDK clients excluded)", String(archives.component[kind].size.files), bytes(archives.component[kind].size.unzippedBytes), bytes(archives.component[kind].size.zippedBytes)],
            [kind, "CallbackFunction, default packaging", String(archives.defaultPackaging[kind].size.files), bytes(archives.defaultPackaging[kind].size.unzippedBytes), bytes(archives.defaultPackaging[kind].size.zippedBytes)],
        ]),
    ]));
    for (const kind of FUNCTION_KINDS) {
        const ours = archives.component[kind].size;
        const plain = archives.defaultPackaging[kind].size;
        console.log(`${kind}: default packaging is ${ratio(plain.zippedBytes / ours.zippedBytes)} the zipped size, ${ratio(plain.unzippedBytes / ours.unzippedBytes)} the unzipped size`);
    }
    console.log(`component archive files: ${FUNCTION_KINDS.map((kind) => `${kind}: ${archives.component[kind].entries.map((entry) => entry.path).join(", ")}`).join("; ")}`);
    const topLevel = (kind: (typeof FUNCTION_KINDS)[number]) =>
        [...new Set(archives.defaultPackaging[kind].entries.map((entry) => entry.path.split("/").slice(0, entry.path.startsWith("node_modules/@") ? 3 : 2).join("/")))];
    console.log(`default packaging adds ${topLevel("update").length - 1} node_modules folders (update), e.g. ${topLevel("update").filter((path) => path !== "__index.js").slice(0, 4).join(", ")}, ...`);
    console.log("zipped = bytes of a real zip built in memory: deflate (zlib level 6) per file, local headers, central directory, end record;");
    console.log("unzipped = the files' bytes (for folders, the real files on disk). Lambda's limits: 50 MiB zipped upload, 250 MiB unzipped.");

    console.log(heading(`2. Cold load of the serialized module (require time inside a fresh node process, ${COLD_LOAD_RUNS} runs)`));
    const loads = measureColdLoads(Object.fromEntries(FUNCTION_KINDS.map((kind) => [kind, archives.component[kind].entries])) as Record<FunctionKind, ArchiveEntry[]>);
    console.log(table([
        ["function", "median", "min", "max"],
        ...FUNCTION_KINDS.map((kind) => [kind, milliseconds(loads[kind].ms.median), milliseconds(loads[kind].ms.min), milliseconds(loads[kind].ms.max)]),
    ]));
    console.log("NODE_PATH = the AWS SDK v3 packages linked from the repo, as /var/runtime/node_modules provides them; node's start-up is not counted.");

    console.log(heading("3. One update run against 10,000 shared snapshots per engine"));
    const update = await measureUpdateRun();
    console.log(`wall time: ${milliseconds(update.wallMs)} (real updateLatestSnapshots, real SDK adapters and clients, send stubbed by aws-sdk-client-mock)`);
    console.log(`setup: ${update.sharedPerEngine} shared snapshots per engine listed out of age order; documentdb copies, holds ${update.existingCopies} copies, keeps 2, current names a third`);
    console.log(table([
        ["AWS call", "made", "minimum", "why"],
        ...update.calls.map((call) => [call.call, String(call.count), String(call.minimum), call.why]),
        ["total", String(update.calls.reduce((total, call) => total + call.count, 0)), String(update.calls.reduce((total, call) => total + call.minimum, 0)), ""],
    ]));
    for (const engine of update.summary.engines) {
        console.log(`${engine.engine}: latest ${engine.latestBefore === engine.latestAfter ? "unchanged" : "changed"}, copy ${engine.copy?.outcome ?? "not used"}, deleted ${engine.deletedCopies.length} copies${engine.error ? `, error: ${engine.error}` : ""}`);
    }
    console.log("above the minimum: one GetParameters (the run must know latest and current before it writes or deletes) and one page of");
    console.log("this account's manual snapshots (it must know which copies exist to avoid copying twice and to trim old ones).");

    console.log(heading("4. From a cycle's start to the main pipeline's start, over a simulated year (26 cycles, Europe/Amsterdam)"));
    const lags = await measureCycleLags();
    const row = (design: string, lagsOf: CycleLags, minutes: number[]) => {
        const figures = minutes.length === 0 ? undefined : spread(minutes);
        return [lagsOf.label, design, String(minutes.length), figures ? `${figures.median} min` : "-", figures ? `${figures.max} min` : "-", figures ? `${figures.min} min` : "-"];
    };
    console.log(table([
        ["year", "design", "cycles restored", "median", "worst", "best"],
        ...[lags.withCopy, lags.withoutCopy].flatMap((lagsOf) => [
            row("refresh cycle on Step Functions", lagsOf, lagsOf.minutes),
            row("previous: two schedules, restore from +120 min", lagsOf, lagsOf.previousDesignMinutes),
        ]),
        row("refresh cycle on Step Functions", lags.faultedYear, lags.faultedYear.minutes),
    ]));
    console.log("measured: the simulated pipeline execution's start minus the cycle's start, over the year's executions of the deployed state machine;");
    console.log("previous design: the first of its restore attempts (+120, +135, ... +225 min) at which the same copies were available, computed from this year's copy times");
    console.log("(not given for the faulted year: there the two designs differ in which cycles restore at all).");
    console.log(`failed cycles: ${[lags.withCopy, lags.withoutCopy, lags.faultedYear].map((lagsOf) => `${lagsOf.label}: ${lagsOf.failed}`).join("; ")}`);

    console.log(heading("5. From production's automated snapshot to the acceptance pipeline's start, over a simulated year of both stacks"));
    const productionLags = [await measureProductionToPipeline(false), await measureProductionToPipeline(true)];
    const minutesRow = (samples: number[]) => {
        const figures = spread(samples);
        return [`${figures.median} min`, `${figures.max} min`, `${figures.min} min`];
    };
    console.log(table([
        ["year", "cycles restored", "median", "worst", "best", "of which snapshot -> shared (median)", "shared -> pipeline (median)"],
        ...productionLags.map((lags) => [lags.label, `${lags.minutes.length} of ${lags.cycles}`, ...minutesRow(lags.minutes), `${spread(lags.toShared).median} min`, `${spread(lags.toPipeline).median} min`]),
    ]));
    console.log("production: automated backups at 20:00 UTC (30 minutes), a share cycle every other Saturday at 23:00 Europe/Amsterdam (40-minute copies, checks every 10);");
    console.log("acceptance: the Sundays after, at 02:00 Europe/Amsterdam, Aurora restored from production's copy, DocumentDB from a 40-minute copy of it.");
    console.log("per cycle the older engine's data counts; measured from the snapshot's SnapshotCreateTime to the simulated pipeline execution's start.");

    console.log(heading("6. AWS calls of one share cycle (two clusters, keepShared 2, steady state), against the minimum"));
    for (const targets of [1, 20]) {
        const counted = await measureShareCycleCalls(targets);
        console.log(`\n${targets} target account${targets === 1 ? "" : "s"}: ${counted.cycle}, first run and ${counted.checks} checks`);
        console.log(table([
            ["AWS call", "made", "minimum", "minimum because"],
            ...counted.calls.map((call) => [call.call, String(call.made), String(call.minimum), call.why]),
            ["total", String(counted.calls.reduce((total, call) => total + call.made, 0)), String(counted.calls.reduce((total, call) => total + call.minimum, 0)), ""],
        ]));
    }
    console.log("above the minimum: one listing per check while the copies are in progress, and the attribute reads that make sharing exact");
    console.log("without remembering anything between cycles (each kept copy on the first run and again before anything is deleted, the new copy,");
    console.log("the copy being deleted).");

    console.log(heading("7. The whole test suite"));
    const suite = await timeTestSuite();
    console.log(`npm test: ${seconds(suite.wallMs)} wall time, exit status ${suite.exitStatus}, ${suite.summary.join(", ") || "no mocha summary found"}`);

    console.log(`\nbench total: ${seconds(performance.now() - benchStarted)}`);
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
