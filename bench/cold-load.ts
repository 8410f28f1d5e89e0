import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArchiveEntry, buildRuntimeModules, writeArchive } from "../test/components/lambda-archive-support";
import { FunctionKind, FUNCTION_KINDS } from "./archives";
import { spread, Spread } from "./format";

export const COLD_LOAD_RUNS = 20;

/**
 * Runs inside the fresh process: times only the require of the serialized module (the SDK clients it loads
 * included), not node's own start-up.
 */
const TIMED_REQUIRE = [
    "const started = process.hrtime.bigint();",
    "require(process.argv[1]);",
    "const elapsed = process.hrtime.bigint() - started;",
    "process.stdout.write(String(Number(elapsed) / 1e6));",
].join("\n");

export interface ColdLoad {
    runs: number;
    ms: Spread;
}

/**
 * Writes each archive out as /var/task and requires its __index.js in a new node process at a time, with NODE_PATH
 * set to a stand-in for the runtime's node_modules (the AWS SDK v3 packages, linked from the repo).
 */
export function measureColdLoads(archives: Record<FunctionKind, ArchiveEntry[]>): Record<FunctionKind, ColdLoad> {
    const workspace = mkdtempSync(join(realpathSync(tmpdir()), "snapshot-refresh-bench-"));
    try {
        const runtime = buildRuntimeModules(join(workspace, "runtime", "node_modules"));
        const environment = Object.fromEntries(
            Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_") && name !== "NODE_OPTIONS" && name !== "NODE_PATH"),
        );
        const loads = {} as Record<FunctionKind, ColdLoad>;
        for (const kind of FUNCTION_KINDS) {
            const directory = join(workspace, kind);
            writeArchive(archives[kind], directory);
            const samples: number[] = [];
            for (let run = 0; run < COLD_LOAD_RUNS; run += 1) {
                const child = spawnSync(process.execPath, ["-e", TIMED_REQUIRE, join(directory, "__index.js")], {
                    cwd: directory,
                    env: { ...environment, NODE_PATH: runtime.directory },
                    encoding: "utf8",
                });
                if (child.status !== 0) throw new Error(`loading the ${kind} archive failed: ${child.stderr}`);
                samples.push(Number(child.stdout));
            }
            loads[kind] = { runs: COLD_LOAD_RUNS, ms: spread(samples) };
        }
        return loads;
    } finally {
        rmSync(workspace, { recursive: true, force: true });
    }
}
