/**
 * Runs only in the fresh process lambda-archive.test.ts starts (the name does not end in `.test.ts`, so the
 * suite itself never loads it): NODE_PATH names the runtime directory, the archives sit outside the repo, and
 * the archives load before any part of the harness so that every module they pull in is seen doing so.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { guardArchiveResolution } from "./archive-module-guard";
import { CHILD_INPUT_VARIABLE, LambdaArchiveChildInput } from "./lambda-archive-child-input";

type Handler = import("../handlers/lambda-scenarios").Handler;

interface LoadedArchive {
    handler: Handler;
}

const inputFile = process.env[CHILD_INPUT_VARIABLE];
if (inputFile === undefined) throw new Error(`${CHILD_INPUT_VARIABLE} is not set: lambda-archive.test.ts runs this file`);
const input = JSON.parse(readFileSync(inputFile, "utf8")) as LambdaArchiveChildInput;

const FUNCTION_KINDS = ["update", "restore", "starter"] as const;
const guard = guardArchiveResolution(FUNCTION_KINDS.map((kind) => input.archives[kind]), input.runtime);
const archives = Object.fromEntries(FUNCTION_KINDS.map((kind) => [kind, require(join(input.archives[kind], "__index.js")) as LoadedArchive])) as
    Record<(typeof FUNCTION_KINDS)[number], LoadedArchive>;

// The harness loads only now: the AWS SDK modules it imports are already in the cache, loaded by the archives.
const { expect } = require("chai") as typeof import("chai");
const { describeHandlerScenarios } = require("../handlers/lambda-scenarios") as typeof import("../handlers/lambda-scenarios");
const support = require("../handlers/support") as typeof import("../handlers/support");
const { copyIdentifier } = require("../../handlers/snapshots") as typeof import("../../handlers/snapshots");
const docdb = require("@aws-sdk/client-docdb") as typeof import("@aws-sdk/client-docdb");
const ssm = require("@aws-sdk/client-ssm") as typeof import("@aws-sdk/client-ssm");
const codePipeline = require("@aws-sdk/client-codepipeline") as typeof import("@aws-sdk/client-codepipeline");

describe("the archives, loaded as the nodejs22.x runtime loads them", () => {
    it("export the handler and nothing else", () => {
        for (const kind of FUNCTION_KINDS) {
            expect(Object.keys(archives[kind]), kind).to.deep.equal(["handler"]);
            expect(archives[kind].handler, kind).to.be.a("function");
        }
    });

    describe("entry-point scenarios", () => {
        describeHandlerScenarios({ update: () => archives.update.handler, restore: () => archives.restore.handler, starter: () => archives.starter.handler });
    });

    describe("with nothing but the environment Pulumi deployed", () => {
        const { deployed } = input;
        const settingsVariables = Object.keys(deployed.environment);
        let aws: import("../handlers/support").AwsMocks;
        const ours = {
            aurora: support.sharedSnapshot({ name: "orders-2024-05-11", createdAt: "2024-05-11T03:00:00Z", account: deployed.sourceAccountId }),
            documentDb: support.sharedSnapshot({ name: "catalog-2024-05-11", engine: "documentdb", createdAt: "2024-05-11T03:00:00Z", account: deployed.sourceAccountId }),
        };
        // Newer, but shared by another account: only the deployed sourceAccountId tells the functions to ignore it.
        const stranger = support.sharedSnapshot({ name: "orders-2024-05-12", createdAt: "2024-05-12T03:00:00Z", account: "999999999999" });
        const context = {
            invokedFunctionArn: `arn:aws:lambda:eu-west-1:${deployed.accountId}:function:deployed-function`,
            functionName: "deployed-function",
            awsRequestId: "deployed-request",
        };
        const silentConsole = { info: console.info, warn: console.warn, error: console.error };

        beforeEach(() => {
            aws = support.mockAws();
            for (const name of settingsVariables) process.env[name] = deployed.environment[name];
            // The summaries are not what these tests look at.
            console.info = () => undefined;
            console.warn = () => undefined;
            console.error = () => undefined;
        });
        afterEach(() => {
            Object.assign(console, silentConsole);
            aws.restore();
            for (const name of settingsVariables) delete process.env[name];
        });

        /** SSM as the deployment left it: the parameters it named, and no others. */
        function serveDeployedParameters(values: Record<string, string>): string[][] {
            const store = new Map<string, string>([
                [deployed.parameters.auroraLatest, "none"],
                [deployed.parameters.auroraCurrent, "none"],
                [deployed.parameters.documentDbLatest, "none"],
                [deployed.parameters.documentDbCurrent, "none"],
                [deployed.parameters.pipeline, deployed.pipelineName],
                // As Pulumi creates it: nothing paused.
                [deployed.parameters.pause, "none"],
                ...Object.entries(values),
            ]);
            const requested: string[][] = [];
            aws.ssm.on(ssm.GetParametersCommand).callsFake((request: { Names?: string[] }) => {
                const names = request.Names ?? [];
                requested.push(names);
                return {
                    Parameters: names.filter((name) => store.has(name)).map((name) => ({ Name: name, Value: store.get(name), Type: "String" })),
                    InvalidParameters: names.filter((name) => !store.has(name)),
                };
            });
            aws.ssm.on(ssm.PutParameterCommand).resolves({ Version: 2 });
            return requested;
        }

        function copyOfOurs(record: typeof ours.documentDb, status: string) {
            const identifier = copyIdentifier(deployed.copyIdentifierPrefix, "documentdb", { arn: record.DBClusterSnapshotArn!, createdAt: record.SnapshotCreateTime });
            return {
                ...support.ownSnapshot(identifier, { engine: "documentdb", status, createdAt: "2024-05-11T04:00:00Z", sourceArn: record.DBClusterSnapshotArn }),
                DBClusterSnapshotArn: support.snapshotArn(deployed.accountId, identifier),
            };
        }

        it("update: follows the deployed source account, parameter names, pause parameter, copy prefix and instance name", async () => {
            const requested = serveDeployedParameters({});
            support.serveAuroraSnapshots(aws, { shared: [[ours.aurora, stranger]] });
            support.serveDocumentDbSnapshots(aws, { shared: [[ours.documentDb]], manual: [[]] });
            aws.docdb.on(docdb.CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: copyOfOurs(ours.documentDb, "copying") });

            await archives.update.handler({} as never, context);

            expect(requested.flat().sort()).to.deep.equal([
                deployed.parameters.auroraCurrent, deployed.parameters.auroraLatest,
                deployed.parameters.documentDbCurrent, deployed.parameters.documentDbLatest, deployed.parameters.pause,
            ].sort());
            expect(support.parameterWrites(aws)).to.deep.equal([[deployed.parameters.auroraLatest, support.arnOf(ours.aurora)]]);
            const copies = aws.docdb.commandCalls(docdb.CopyDBClusterSnapshotCommand).map((call) => call.args[0].input);
            expect(copies).to.have.length(1);
            expect(copies[0].SourceDBClusterSnapshotIdentifier).to.equal(support.arnOf(ours.documentDb));
            expect(copies[0].TargetDBClusterSnapshotIdentifier).to.match(new RegExp(`^${support.escapeRegExp(deployed.copyIdentifierPrefix)}documentdb-`));
            expect(copies[0].Tags).to.deep.include({ Key: "snapshot-refresh:instance", Value: deployed.instanceName });
        });

        it("restore: reads the deployed pipeline parameter and starts the pipeline it names", async () => {
            const copy = copyOfOurs(ours.documentDb, "available");
            serveDeployedParameters({
                [deployed.parameters.auroraLatest]: support.arnOf(ours.aurora),
                [deployed.parameters.documentDbLatest]: support.arnOf(copy),
            });
            support.serveAuroraSnapshots(aws, { shared: [[ours.aurora, stranger]] });
            support.serveDocumentDbSnapshots(aws, { shared: [[ours.documentDb]], manual: [[copy]] });
            support.servePipeline(aws, { startedExecutionId: "deployed-execution" });

            const result = await archives.restore.handler({} as never, context);

            expect(result).to.deep.include({ outcome: "restored", executionId: "deployed-execution" });
            expect(support.parameterWrites(aws)).to.deep.equal([
                [deployed.parameters.auroraCurrent, support.arnOf(ours.aurora)],
                [deployed.parameters.documentDbCurrent, support.arnOf(copy)],
            ]);
            const starts = aws.codePipeline.commandCalls(codePipeline.StartPipelineExecutionCommand);
            expect(starts.map((call) => call.args[0].input.name)).to.deep.equal([deployed.pipelineName]);
        });
    });

    describe("what the archives' code loaded", () => {
        it("the harness's AWS SDK clients: aws-sdk-client-mock stubs the very classes the archives use", () => {
            const fromArchives = guard.resolutions.filter((resolution) => /^@aws-sdk\/client-/.test(resolution.request));
            expect(fromArchives.map((resolution) => resolution.request.split("/").slice(0, 2).join("/")).sort()).to.include.members([
                "@aws-sdk/client-codepipeline", "@aws-sdk/client-docdb", "@aws-sdk/client-rds", "@aws-sdk/client-sfn", "@aws-sdk/client-ssm",
            ]);
            for (const resolution of fromArchives) {
                // Resolved from this file, inside the repo: where support.ts gets the classes it hands mockClient.
                expect(resolution.resolved, `${resolution.request} as the archive loaded it`).to.equal(require.resolve(resolution.request));
                expect(require.cache[resolution.resolved]?.exports, resolution.request).to.equal(require(resolution.request));
            }
        });

        it("only files of the archive, the runtime directory's packages and Node's built-ins", () => {
            expect(guard.resolutions, "the guard saw the archives' requires").to.not.be.empty;
            expect(guard.violations).to.deep.equal([]);
        });
    });
});
