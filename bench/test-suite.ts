import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { REPO_ROOT } from "../test/components/lambda-archive-support";

export interface SuiteRun {
    wallMs: number;
    exitStatus: number | null;
    /** mocha's own summary lines, e.g. "212 passing (15s)". */
    summary: string[];
}

/** `npm test` once, as a developer or CI runs it, timed from spawn to exit. */
export function timeTestSuite(): Promise<SuiteRun> {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const child = spawn("npm", ["test"], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
            output += chunk.toString("utf8");
        });
        child.stderr.on("data", (chunk: Buffer) => {
            output += chunk.toString("utf8");
        });
        child.on("error", reject);
        child.on("close", (exitStatus) => {
            const summary = [...output.matchAll(/^ +(\d+ (?:passing|failing|pending).*)$/gm)].map((match) => match[1]);
            resolve({ wallMs: performance.now() - started, exitStatus, summary });
        });
    });
}
