// First, so that every Pulumi module below registers its resources with the shared mocks.
import { mocks, valueOf } from "../pulumi-mocks";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../../handlers/settings";
import { packageOf } from "../archive-module-guard";
import {
    ArchiveEntry,
    archiveEntries,
    buildRuntimeModules,
    entryText,
    FUNCTION_TYPE,
    isNodeBuiltin,
    measureArchive,
    receiveRawInputs,
    requiredModules,
    runtimeClosure,
    writeArchive,
} from "../lambda-archive-support";

/** Values of the deployment that must reach the function through its environment, never through its code. */
const TARGETS = ["424242424242", "646464646464"];
const CLUSTERS = { aurora: ["orders-ledger-7"], documentdb: ["catalog-main-3"] };
const PREFIX = "zq-share-prefix-";
const ARCHIVE_BUDGET_BYTES = 64 * 1024;

/**
 * The share function's archive as SnapshotShare would upload it: its code holds nothing of the configuration,
 * needs nothing the nodejs22.x runtime lacks, and loads and answers, seeing only itself and the runtime's SDK.
 * (lambda-archive.test.ts proves the same, at length, for the acceptance side's functions.)
 */
describe("the share function's archive, as Pulumi would upload it", function () {
    this.timeout(90_000);
    let entries: ArchiveEntry[];
    let code: string;
    let environment: Record<string, string>;

    before(async () => {
        const received = receiveRawInputs(mocks);
        try {
            const { SnapshotShare } = await import("../../../components");
            mocks.reset();
            const share = new SnapshotShare("zq-share", { targetAccountIds: TARGETS, clusters: CLUSTERS, snapshotIdentifierPrefix: PREFIX });
            await Promise.all([share.stateMachineArn, share.scheduleName].map(valueOf));
            await mocks.settle();
            const archive = received.find(FUNCTION_TYPE, "zq-share-share").inputs.code;
            if (!(archive instanceof pulumi.asset.Archive)) throw new Error("the share function's code is not an archive");
            entries = await archiveEntries(archive);
            code = entryText(entries, "__index.js");
            environment = (mocks.named("zq-share-share", FUNCTION_TYPE).inputs.environment as { variables: Record<string, string> }).variables;
        } finally {
            received.restore();
            mocks.reset();
        }
    });

    it("holds the serialized handler module alone, requiring only Node built-ins and the runtime's AWS SDK", () => {
        expect(entries.map((entry) => entry.path)).to.deep.equal(["__index.js"]);
        const provided = [...runtimeClosure().linked.keys()];
        const unmet = requiredModules(code).filter((request) => !isNodeBuiltin(request) && !provided.includes(packageOf(request)));
        expect(unmet).to.deep.equal([]);
        expect(code).to.not.contain("@pulumi");
        expect(measureArchive(entries).zippedBytes).to.be.at.most(ARCHIVE_BUDGET_BYTES);
    });

    it("carries the configuration in its environment only", () => {
        for (const value of [...TARGETS, ...CLUSTERS.aurora, ...CLUSTERS.documentdb, PREFIX]) {
            expect(code, value).to.not.contain(value);
            expect(environment[SETTINGS_ENVIRONMENT_VARIABLE], value).to.contain(value);
        }
    });

    it("loads in a fresh node process that sees only the archive and the runtime's packages, and refuses a malformed event before calling AWS", () => {
        const workspace = mkdtempSync(join(realpathSync(tmpdir()), "snapshot-refresh-share-archive-"));
        try {
            writeArchive(entries, join(workspace, "task"));
            const runtime = buildRuntimeModules(join(workspace, "runtime", "node_modules"));
            const script = `
                const { handler } = require(${JSON.stringify(join(workspace, "task", "__index.js"))});
                const context = { invokedFunctionArn: "arn:aws:lambda:eu-west-1:111111111111:function:f", functionName: "f", awsRequestId: "r" };
                handler({ dryrun: true }, context).then(
                    () => console.log(JSON.stringify({ error: null })),
                    (error) => console.log(JSON.stringify({ error: { name: error.name, message: error.message } })));`;
            const child = spawnSync(process.execPath, ["-e", script], {
                cwd: workspace,
                encoding: "utf8",
                env: { PATH: process.env.PATH, NODE_PATH: runtime.directory, AWS_REGION: "eu-west-1", [SETTINGS_ENVIRONMENT_VARIABLE]: environment[SETTINGS_ENVIRONMENT_VARIABLE] },
            });
            expect(child.status, child.stderr).to.equal(0);
            const { error } = JSON.parse(child.stdout.trim().split("\n").pop()!) as { error: { name: string; message: string } | null };
            expect(error?.name).to.equal("InvalidRequestError");
            expect(error?.message).to.contain('"dryrun" is not a field it knows').and.to.contain('It accepts {} (run now), {"dryRun": true}');
        } finally {
            rmSync(workspace, { recursive: true, force: true });
        }
    });
});
