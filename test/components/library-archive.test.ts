import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRuntimeModules, REPO_ROOT } from "./lambda-archive-support";

/**
 * Another Pulumi project that imports the component: its functions' code lives in node_modules/snapshot-refresh,
 * so Pulumi's serializer `require`s the handler modules from there instead of inlining them, and the archive
 * must carry the package. Proven end to end: the package built as `npm pack` would, a consumer project, the
 * archives the component makes there, loaded where only they and the runtime's SDK can be seen.
 */
describe("the component used as a library by another project", function () {
    this.timeout(120_000);
    let workspace: string;
    let archives: Record<string, string[]>;

    before(() => {
        workspace = mkdtempSync(join(tmpdir(), "snapshot-refresh-library-"));
        const consumer = join(workspace, "consumer");
        const installed = join(consumer, "node_modules", "snapshot-refresh");
        mkdirSync(installed, { recursive: true });
        run(process.execPath, [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", join(installed, "dist")], REPO_ROOT);
        cpSync(join(REPO_ROOT, "package.json"), join(installed, "package.json"));
        for (const entry of readdirSync(join(REPO_ROOT, "node_modules"))) {
            if (!entry.startsWith(".")) symlinkSync(join(REPO_ROOT, "node_modules", entry), join(consumer, "node_modules", entry), "dir");
        }
        writeFileSync(join(consumer, "package.json"), JSON.stringify({
            name: "consumer",
            version: "1.0.0",
            dependencies: { "snapshot-refresh": "0.1.0", "@pulumi/pulumi": "*", "@pulumi/aws": "*" },
        }));
        const output = run(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "library-archive.child.ts")], consumer, {
            OUT_DIR: join(workspace, "archives"),
            TS_NODE_PROJECT: join(REPO_ROOT, "tsconfig.json"),
        });
        archives = JSON.parse(output.trim().split("\n").pop()!) as Record<string, string[]>;
    });
    after(() => rmSync(workspace, { recursive: true, force: true }));

    it("carries the package's build besides the serialized module, and nothing else", () => {
        expect(Object.keys(archives).sort()).to.deep.equal([
            "library-refresh-cycle-freshness", "library-refresh-cycle-notifier", "library-restore", "library-starter", "library-update",
        ]);
        for (const files of Object.values(archives)) {
            expect(files).to.include("__index.js");
            expect(files).to.include("node_modules/snapshot-refresh/dist/handlers/lambda.js");
            const outside = files.filter((file) => file !== "__index.js" && !file.startsWith("node_modules/snapshot-refresh/"));
            expect(outside, "no other package: the SDK clients and @pulumi are left out").to.deep.equal([]);
        }
    });

    it("loads where only the archive and the runtime's SDK can be seen, and runs", () => {
        const runtime = buildRuntimeModules(join(workspace, "runtime"));
        const archive = (kind: string) => join(workspace, "archives", `library-${kind}`);
        // Every archive loads; the starter runs a firing outside a cycle, which needs no AWS call.
        const script = `
            const loadedArchives = ["update", "restore", "starter", "refresh-cycle-notifier", "refresh-cycle-freshness"]
                .map((kind) => require(${JSON.stringify(archive("KIND"))}.replace("KIND", kind) + "/__index.js"));
            const gate = { timezone: "UTC", everyDays: 14, anchorDate: "1970-01-04", localTime: "02:00" };
            const context = { invokedFunctionArn: "arn:aws:lambda:eu-west-1:111111111111:function:f", functionName: "f", awsRequestId: "r" };
            console.info = () => {};
            loadedArchives[2].handler({ scheduledTime: "2026-01-11T02:00:00Z", gate }, context).then((result) => {
                const loaded = Object.keys(require.cache).filter((file) =>
                    !file.startsWith(${JSON.stringify(join(workspace, "archives"))}) && !${JSON.stringify(runtime.packageDirectories)}.some((directory) => file.startsWith(directory)));
                console.log(JSON.stringify({ handlers: loadedArchives.map((loaded) => typeof loaded.handler), result, loaded }));
            });`;
        const settings = {
            instanceName: "library",
            stateMachineArn: "arn:aws:states:eu-west-1:111111111111:stateMachine:library-refresh-cycle",
            cycleLabel: "refresh cycle",
            executionNamePrefix: "cycle",
        };
        const output = run(process.execPath, ["-e", script], workspace, {
            NODE_PATH: runtime.directory,
            AWS_REGION: "eu-west-1",
            SNAPSHOT_REFRESH_SETTINGS: JSON.stringify(settings),
        }, true);
        const { handlers, result, loaded } = JSON.parse(output.trim().split("\n").pop()!) as { handlers: string[]; result: unknown; loaded: string[] };
        expect(handlers).to.deep.equal(["function", "function", "function", "function", "function"]);
        expect(result).to.deep.equal({
            outcome: "not-a-cycle",
            reason: "2026-01-11 is not a cycle week: 1 week after the last cycle on 2026-01-04",
            nextCycle: "2026-01-18 02:00 UTC",
        });
        expect(loaded, "every module came from the archive or the runtime").to.deep.equal([]);
    });
});

function run(command: string, args: string[], cwd: string, environment: Record<string, string> = {}, isolated = false): string {
    const base = isolated ? { PATH: process.env.PATH ?? "" } : process.env;
    const result = spawnSync(command, args, { cwd, env: { ...base, ...environment }, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
}
