// First, so that every Pulumi module below registers its resources with the shared mocks.
import { mocks, valueOf } from "./pulumi-mocks";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { homedir, hostname, tmpdir } from "node:os";
import { join, sep } from "node:path";
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import { MonitorSettings, readMonitorSettings } from "../../handlers/monitoring/settings";
import { readSettings, RefreshSettings } from "../../handlers/refresh/settings";
import { readStarterSettings, SETTINGS_ENVIRONMENT_VARIABLE } from "../../handlers/settings";
import { packageOf } from "./archive-module-guard";
import { CHILD_INPUT_VARIABLE, DeployedConfiguration, LambdaArchiveChildInput } from "./lambda-archive-child-input";
import {
    ArchiveEntry,
    archiveEntries,
    buildRuntimeModules,
    entryBytes,
    entryText,
    FUNCTION_TYPE,
    isNodeBuiltin,
    isSecretOnTheWire,
    measureArchive,
    PARAMETER_TYPE,
    ReceivedInputs,
    ReceivedResource,
    receiveRawInputs,
    REPO_ROOT,
    requiredModules,
    RUNTIME_PROVIDED_CLIENTS,
    runtimeClosure,
    RuntimeModules,
    writeArchive,
} from "./lambda-archive-support";

type ComponentModule = typeof import("../../components");

/** Each function's zipped archive: the handlers and their own modules only, the runtime brings the SDK. */
const ARCHIVE_BUDGET_BYTES = 64 * 1024;
const FUNCTION_KINDS = ["update", "restore", "starter", "notifier", "freshness"] as const;
type FunctionKind = (typeof FUNCTION_KINDS)[number];
/** The functions the child process loads and runs through their entry-point scenarios. */
const LOADED_KINDS = ["update", "restore", "starter"] as const;
/** What each function's resource is called after the instance's name: the monitoring's are named after the cycle. */
const RESOURCE_SUFFIXES: Readonly<Record<FunctionKind, string>> = {
    update: "update",
    restore: "restore",
    starter: "starter",
    notifier: "refresh-cycle-notifier",
    freshness: "refresh-cycle-freshness",
};

const CHILD_SPEC = join(__dirname, "lambda-archive.child.ts");
const MOCHA = join(REPO_ROOT, "node_modules", "mocha", "bin", "mocha.js");

/** A deployment's settings, chosen so that none of them can occur in the handlers' code by accident. */
interface DeploymentConfig {
    name: string;
    /** The account the deployment's credentials belong to. */
    callerAccountId: string;
    sourceAccountId: string;
    pipelineName: string;
    parameterPrefix: string;
    copyIdentifierPrefix: string;
    kmsKeyArn: string;
    /** The component's arguments; made on demand, since secrets and outputs belong to one deployment. */
    args(): SnapshotRefreshArgs;
}

const ONE: DeploymentConfig = {
    name: "refresh-one",
    callerAccountId: "424242424242",
    sourceAccountId: "313131313131",
    pipelineName: "pipeline-one-7f3a",
    parameterPrefix: "/team-one/",
    copyIdentifierPrefix: "one-copy-",
    kmsKeyArn: "arn:aws:kms:eu-west-1:424242424242:key/0e0e0e0e-1111-2222-3333-444444444444",
    args() {
        return {
            sourceAccountId: this.sourceAccountId,
            pipelineName: pulumi.secret(this.pipelineName),
            engines: ["aurora", { engine: "documentdb", kmsKeyArn: pulumi.output(this.kmsKeyArn) }],
            parameterPrefix: this.parameterPrefix,
            copyIdentifierPrefix: this.copyIdentifierPrefix,
        };
    },
};

const TWO: DeploymentConfig = {
    name: "refresh-two",
    callerAccountId: "646464646464",
    sourceAccountId: "535353535353",
    pipelineName: "pipeline-two-9c1d",
    parameterPrefix: "/team-two/",
    copyIdentifierPrefix: "two-copy-",
    kmsKeyArn: "arn:aws:kms:eu-west-1:646464646464:key/2b2b2b2b-5555-6666-7777-888888888888",
    args() {
        return {
            sourceAccountId: this.sourceAccountId,
            pipelineName: this.pipelineName,
            engines: [{ engine: "aurora", kmsKeyArn: this.kmsKeyArn, sourceClusters: ["orders-two"], keepCopies: 3 }],
            parameterPrefix: this.parameterPrefix,
            copyIdentifierPrefix: this.copyIdentifierPrefix,
            whenCopyNotReady: "restore-available",
            cadence: "every week on saturday at 23:30",
            timezone: "Europe/Amsterdam",
        };
    },
};

/** One function as the deployment would upload and configure it. */
interface DeployedFunction {
    resourceName: string;
    entries: ArchiveEntry[];
    /** The serialized handler module. */
    index: string;
    codeIsSecret: boolean;
    environment: Record<string, string>;
}

interface Deployment {
    config: DeploymentConfig;
    functions: Record<FunctionKind, DeployedFunction>;
    /** Every resource as the engine received it. */
    received: ReceivedResource[];
}

interface MochaTestResult {
    fullTitle: string;
    err?: { message?: string };
}

interface MochaJsonReport {
    stats: { tests: number; passes: number; pending: number; failures: number };
    passes: MochaTestResult[];
    failures: MochaTestResult[];
}

interface ChildRun {
    status: number | null;
    output: string;
    report?: MochaJsonReport;
}

describe("the functions' archives, as Pulumi would upload them", function () {
    // Two deployments serialize five closures each, then two node processes load the archives: seconds, with
    // room for a busy CI machine.
    this.timeout(120_000);

    let component: ComponentModule;
    let received: ReceivedInputs;
    let one: Deployment;
    let two: Deployment;

    async function deploy(config: DeploymentConfig): Promise<Deployment> {
        mocks.reset();
        received.clear();
        mocks.callerAccountId = config.callerAccountId;
        const refresh = new component.SnapshotRefresh(config.name, config.args(), { transformations: [mocks.recordOptions] });
        // The schedule resolves last: it waits for the starter, whose code waits for serialization.
        await Promise.all([refresh.scheduleName, refresh.stateMachineArn, refresh.deadLetterQueueUrl].map(valueOf));
        await mocks.settle();
        const deployedFunction = async (kind: FunctionKind): Promise<DeployedFunction> => {
            const resourceName = `${config.name}-${RESOURCE_SUFFIXES[kind]}`;
            const raw = received.find(FUNCTION_TYPE, resourceName);
            const codeIsSecret = isSecretOnTheWire(raw.inputs.code);
            const code = codeIsSecret ? (raw.inputs.code as { value: unknown }).value : raw.inputs.code;
            if (!(code instanceof pulumi.asset.Archive)) throw new Error(`${resourceName}'s code is not an archive: ${JSON.stringify(code)}`);
            const entries = await archiveEntries(code);
            // The recorded inputs have secrets unwrapped: the environment as the function would see it.
            const environment = (mocks.named(resourceName, FUNCTION_TYPE).inputs.environment as { variables: Record<string, string> }).variables;
            return { resourceName, entries, index: entryText(entries, "__index.js"), codeIsSecret, environment };
        };
        return {
            config,
            functions: Object.fromEntries(await Promise.all(FUNCTION_KINDS.map(async (kind) => [kind, await deployedFunction(kind)]))) as Record<FunctionKind, DeployedFunction>,
            received: [...received.resources],
        };
    }

    before(async () => {
        received = receiveRawInputs(mocks);
        component = await import("../../components");
        one = await deploy(ONE);
        two = await deploy(TWO);
    });
    after(() => {
        received.restore();
        mocks.reset();
    });

    describe("contents", () => {
        it("hold the serialized handler module and nothing else", () => {
            for (const deployment of [one, two]) {
                for (const kind of FUNCTION_KINDS) {
                    const { resourceName, entries } = deployment.functions[kind];
                    expect(entries.map((entry) => entry.path), resourceName).to.deep.equal(["__index.js"]);
                }
            }
        });

        it("carry no devDependency, no @pulumi package and nothing the runtime provides", () => {
            const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
            const devDependencies = Object.keys(manifest.devDependencies ?? {});
            const runtimeProvided = runtimeClosureNames();
            for (const kind of FUNCTION_KINDS) {
                const { resourceName, entries } = one.functions[kind];
                const packaged = entries.flatMap((entry) => packagesInPath(entry.path));
                expect(packaged.filter((name) => devDependencies.includes(name)), `${resourceName}: devDependencies`).to.deep.equal([]);
                expect(packaged.filter((name) => name.startsWith("@pulumi/")), `${resourceName}: @pulumi packages`).to.deep.equal([]);
                expect(packaged.filter((name) => runtimeProvided.includes(name)), `${resourceName}: packages the runtime provides`).to.deep.equal([]);
            }
        });

        it("require nothing the runtime does not provide: Node built-ins and its AWS SDK v3 packages", () => {
            const runtimeProvided = runtimeClosureNames();
            for (const kind of FUNCTION_KINDS) {
                const { resourceName, index } = one.functions[kind];
                const requests = requiredModules(index);
                expect(requests, resourceName).to.not.be.empty;
                const unmet = requests.filter((request) => !isNodeBuiltin(request) && !runtimeProvided.includes(packageOf(request)));
                expect(unmet, `${resourceName}: modules neither built in nor provided by the runtime`).to.deep.equal([]);
                expect(index, resourceName).to.not.contain("@pulumi");
            }
        });

        it(`zip to at most ${ARCHIVE_BUDGET_BYTES / 1024} KiB per function (a real zip, deflated at zlib's default level)`, () => {
            for (const kind of FUNCTION_KINDS) {
                const { resourceName, entries } = one.functions[kind];
                const size = measureArchive(entries);
                expect(size.zippedBytes, `${resourceName}: ${size.zippedBytes} bytes zipped, ${size.unzippedBytes} unzipped`)
                    .to.be.at.most(ARCHIVE_BUDGET_BYTES);
            }
        });
    });

    describe("what serialization captured", () => {
        it("no secret pipeline name and no KMS key ARN given as an output; the archive is not marked secret", () => {
            for (const kind of FUNCTION_KINDS) {
                const { resourceName, entries, codeIsSecret, environment } = one.functions[kind];
                expect(codeIsSecret, `${resourceName}'s code is marked secret`).to.equal(false);
                const archiveText = entries.map((entry) => entryBytes(entry).toString("utf8")).join("\n");
                expect(archiveText, resourceName).to.not.contain(ONE.pipelineName);
                expect(archiveText, resourceName).to.not.contain(ONE.kmsKeyArn);
                expect(JSON.stringify(environment), `${resourceName}'s environment (plain text in the function's configuration)`)
                    .to.not.contain(ONE.pipelineName);
            }
        });

        it("(control) a closure that does capture a secret: the value is in its text and its archive is marked secret", async () => {
            const secretValue = "captured-secret-5e1f";
            const secret = pulumi.secret(secretValue);
            const warn = console.warn;
            // Pulumi warns about the captured secret on the console: that warning is the point here, not news.
            console.warn = () => undefined;
            try {
                const lambda = new aws.lambda.CallbackFunction("secret-capturing-control", {
                    callback: async () => secret.get(),
                    role: "arn:aws:iam::111111111111:role/control",
                    codePathOptions: { extraExcludePackages: [...RUNTIME_PROVIDED_CLIENTS] },
                });
                await valueOf(lambda.arn);
                await mocks.settle();
            } finally {
                console.warn = warn;
            }
            const code = received.find(FUNCTION_TYPE, "secret-capturing-control").inputs.code;
            expect(isSecretOnTheWire(code)).to.equal(true);
            const entries = await archiveEntries((code as { value: pulumi.asset.Archive }).value);
            expect(entryText(entries, "__index.js")).to.contain(secretValue);
        });

        it("the same code, byte for byte, whatever the configuration: everything per deployment is in the environment", () => {
            for (const kind of FUNCTION_KINDS) {
                expect(one.functions[kind].index === two.functions[kind].index, `${kind}: __index.js of ${ONE.name} and ${TWO.name}`).to.equal(true);
            }
            expect(new Set(FUNCTION_KINDS.map((kind) => one.functions[kind].index)).size).to.equal(FUNCTION_KINDS.length);
        });

        it("no account id, parameter name, ARN or name from the configuration", () => {
            for (const deployment of [one, two]) {
                const { config } = deployment;
                const forbidden = [
                    config.callerAccountId,
                    config.sourceAccountId,
                    config.pipelineName,
                    config.kmsKeyArn,
                    config.parameterPrefix,
                    config.copyIdentifierPrefix,
                    config.name,
                    ...parameterNamesOf(deployment),
                ];
                for (const kind of FUNCTION_KINDS) {
                    const { resourceName, index } = deployment.functions[kind];
                    expect(forbidden.filter((value) => index.includes(value)), resourceName).to.deep.equal([]);
                }
            }
        });

        it("nothing from the deploying machine: no path of the project or home directory, no host name", () => {
            const paths = [REPO_ROOT, process.cwd(), `${homedir()}${sep}`];
            // A short host name could be any word of the code: look for it as a whole word only.
            const host = new RegExp(`\\b${hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`);
            for (const kind of FUNCTION_KINDS) {
                const { resourceName, index } = one.functions[kind];
                expect(paths.filter((path) => index.includes(path)), resourceName).to.deep.equal([]);
                expect(hostname().length < 4 || !host.test(index), `${resourceName} names the host ${hostname()}`).to.equal(true);
            }
        });

        it("the environment carries all the functions need: parameter names, source account, engines, pipeline parameter, state machine", () => {
            const prefix = ONE.parameterPrefix;
            const expected: RefreshSettings = {
                instanceName: ONE.name,
                sourceAccountId: ONE.sourceAccountId,
                copyIdentifierPrefix: ONE.copyIdentifierPrefix,
                pipelineParameter: `${prefix}main_cicd_name`,
                whenCopyNotReady: "fail",
                maintenanceWindowMinutes: 240,
                copyRecheckMinutes: 10,
                pauseParameter: `/snapshot-refresh/${ONE.name}/paused-until`,
                paused: false,
                engines: [
                    {
                        engine: "aurora", latestParameter: `${prefix}aurora_latest_snapshot_id`, currentParameter: `${prefix}aurora_current_snapshot_id`,
                        sourceClusters: [], copy: false, keepCopies: 2,
                    },
                    {
                        engine: "documentdb", latestParameter: `${prefix}documentdb_latest_snapshot_id`, currentParameter: `${prefix}documentdb_current_snapshot_id`,
                        sourceClusters: [], copy: true, kmsKeyArn: ONE.kmsKeyArn, keepCopies: 2,
                    },
                ],
            };
            for (const kind of ["update", "restore"] as const) {
                const { resourceName, environment } = one.functions[kind];
                expect(Object.keys(environment), resourceName).to.deep.equal([SETTINGS_ENVIRONMENT_VARIABLE]);
                expect(readSettings(environment), resourceName).to.deep.equal(expected);
            }
            const starterEnvironment = one.functions.starter.environment;
            expect(Object.keys(starterEnvironment)).to.deep.equal([SETTINGS_ENVIRONMENT_VARIABLE]);
            expect(readStarterSettings(starterEnvironment)).to.deep.equal({
                instanceName: ONE.name,
                stateMachineArn: `arn:aws:states:eu-west-1:${ONE.callerAccountId}:stateMachine:${ONE.name}-refresh-cycle`,
                cycleLabel: "refresh cycle",
                executionNamePrefix: "cycle",
            });
            // Every name the functions will read is a parameter this stack creates.
            const named = [expected.pipelineParameter, expected.pauseParameter, ...expected.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter])];
            expect(named.sort()).to.deep.equal(parameterNamesOf(one).sort());
        });

        it("the monitoring functions' environment carries the instance, the state machine and the topic", () => {
            const expected: MonitorSettings = {
                instanceName: ONE.name,
                side: "refresh",
                cycleLabel: "refresh cycle",
                stateMachineArn: `arn:aws:states:eu-west-1:${ONE.callerAccountId}:stateMachine:${ONE.name}-refresh-cycle`,
                topicArn: `arn:aws:sns:eu-west-1:${ONE.callerAccountId}:${ONE.name}-refresh-cycle-notifications-1a2b3c4`,
            };
            for (const kind of ["notifier", "freshness"] as const) {
                const { resourceName, environment } = one.functions[kind];
                expect(Object.keys(environment), resourceName).to.deep.equal([SETTINGS_ENVIRONMENT_VARIABLE]);
                expect(readMonitorSettings(environment), resourceName).to.deep.equal(expected);
            }
        });
    });

    describe("loaded as Lambda loads it, in a fresh node process", () => {
        let workspace: string;
        let runtime: RuntimeModules;
        let sharedModules: Promise<ChildRun>;
        let separateModules: Promise<ChildRun>;

        before(() => {
            workspace = mkdtempSync(join(realpathSync(tmpdir()), "snapshot-refresh-archive-"));
            if (`${workspace}${sep}`.startsWith(`${REPO_ROOT}${sep}`)) throw new Error(`${workspace} is inside the repo: it would see the repo's node_modules`);
            const archives = { update: join(workspace, "update"), restore: join(workspace, "restore"), starter: join(workspace, "starter") };
            for (const kind of LOADED_KINDS) writeArchive(one.functions[kind].entries, archives[kind]);
            runtime = buildRuntimeModules(join(workspace, "runtime", "node_modules"));
            const input: LambdaArchiveChildInput = {
                archives,
                runtime: { directory: runtime.directory, packageDirectories: runtime.packageDirectories },
                deployed: deployedConfiguration(one),
            };
            const inputFile = join(workspace, "child-input.json");
            writeFileSync(inputFile, JSON.stringify(input));
            // Both at once: each is mostly waiting on its own process.
            sharedModules = runChild(workspace, inputFile, runtime, "shared", {});
            // With symlinks kept as paths, the archive's SDK is a second copy of every module, which the harness's
            // mocks do not stub: what the first run would meet if the runtime directory were built wrong.
            separateModules = runChild(workspace, inputFile, runtime, "separate", { NODE_PRESERVE_SYMLINKS: "1" });
        });
        after(async () => {
            await Promise.allSettled([sharedModules, separateModules]);
            if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
        });

        it("passes the entry-point scenarios, on the state machine's input and on {}, seeing only the archive and the runtime's packages", async () => {
            const run = await sharedModules;
            expect(run.report, run.output).to.not.equal(undefined);
            const report = run.report!;
            const failures = report.failures.map((failure) => `${failure.fullTitle}: ${failure.err?.message}`);
            expect(failures, run.output).to.deep.equal([]);
            expect(run.status, run.output).to.equal(0);
            expect(report.stats.pending).to.equal(0);
            expect(report.stats.passes).to.equal(report.stats.tests);
            // 11 entry-point scenarios today, plus the child's own 5 checks; more scenarios only raise it.
            expect(report.stats.passes).to.be.at.least(16);
            const passed = report.passes.map((test) => test.fullTitle);
            for (const title of [
                "db-update-latest-snapshot-id runs now for an empty event, as `aws lambda invoke` sends it",
                "db-update-latest-snapshot-id runs for the state machine's input, naming the cycle on its log line",
                "db-restore-from-snapshot restores now for an empty event and starts the pipeline once",
                "db-restore-from-snapshot while the newest copy is still in progress tells the cycle when to check again, within its maintenance window",
                "the refresh cycle starter starts the cycle's execution, named after its date, on a firing of a cycle day",
                "with nothing but the environment Pulumi deployed update: follows the deployed source account, parameter names, pause parameter, copy prefix and instance name",
                "with nothing but the environment Pulumi deployed restore: reads the deployed pipeline parameter and starts the pipeline it names",
                "what the archives' code loaded the harness's AWS SDK clients: aws-sdk-client-mock stubs the very classes the archives use",
                "what the archives' code loaded only files of the archive, the runtime directory's packages and Node's built-ins",
            ]) {
                expect(passed.some((fullTitle) => fullTitle.endsWith(title)), title).to.equal(true);
            }
        });

        it("would fail them if the archive's AWS SDK were not the module instance the mocks stub (control run)", async () => {
            const run = await separateModules;
            expect(run.report, run.output).to.not.equal(undefined);
            const failed = run.report!.failures.map((failure) => failure.fullTitle);
            const passed = run.report!.passes.map((test) => test.fullTitle);
            expect(run.status, run.output).to.not.equal(0);
            expect(failed.some((title) => title.endsWith("aws-sdk-client-mock stubs the very classes the archives use")), failed.join("\n")).to.equal(true);
            expect(failed.some((title) => title.endsWith("runs now for an empty event, as `aws lambda invoke` sends it")), failed.join("\n")).to.equal(true);
            // The archives themselves loaded and ran: only what depends on the mocks failed.
            expect(passed.some((title) => title.endsWith("starts nothing on a firing outside a cycle, and logs one line saying when the next cycle is")), passed.join("\n")).to.equal(true);
        });
    });
});

/** The names of the packages a path inside an archive lies in, e.g. `node_modules/@aws-sdk/client-rds/...`. */
function packagesInPath(path: string): string[] {
    const parts = path.split("/");
    const names: string[] = [];
    parts.forEach((part, index) => {
        if (part !== "node_modules" || index + 1 >= parts.length) return;
        const next = parts[index + 1];
        names.push(next.startsWith("@") && index + 2 < parts.length ? `${next}/${parts[index + 2]}` : next);
    });
    return names;
}

let runtimeProvided: string[] | undefined;
/** The names of the packages the runtime provides; computed once. */
function runtimeClosureNames(): string[] {
    runtimeProvided ??= [...runtimeClosure().linked.keys()];
    return runtimeProvided;
}

/** The SSM parameters the deployment creates. */
function parameterNamesOf(deployment: Deployment): string[] {
    return deployment.received
        .filter((resource) => resource.type === PARAMETER_TYPE)
        .map((resource) => resource.inputs.name as string);
}

function deployedConfiguration(deployment: Deployment): DeployedConfiguration {
    const { config } = deployment;
    const prefix = config.parameterPrefix;
    return {
        environment: deployment.functions.update.environment,
        accountId: config.callerAccountId,
        sourceAccountId: config.sourceAccountId,
        instanceName: config.name,
        copyIdentifierPrefix: config.copyIdentifierPrefix,
        pipelineName: config.pipelineName,
        parameters: {
            auroraLatest: `${prefix}aurora_latest_snapshot_id`,
            auroraCurrent: `${prefix}aurora_current_snapshot_id`,
            documentDbLatest: `${prefix}documentdb_latest_snapshot_id`,
            documentDbCurrent: `${prefix}documentdb_current_snapshot_id`,
            pipeline: `${prefix}main_cicd_name`,
            pause: `/snapshot-refresh/${config.name}/paused-until`,
        },
    };
}

/**
 * Runs lambda-archive.child.ts under mocha in a new node process. Its module resolution sees the archive's own
 * directory and NODE_PATH (the runtime directory); HOME points into the workspace so that no ~/.node_modules can
 * help, and no AWS configuration or credentials of this machine reach it.
 */
function runChild(workspace: string, inputFile: string, runtime: RuntimeModules, label: string, extraEnvironment: NodeJS.ProcessEnv): Promise<ChildRun> {
    const reportFile = join(workspace, `${label}-report.json`);
    const home = join(workspace, `${label}-home`);
    mkdirSync(home, { recursive: true });
    const inherited = Object.fromEntries(
        Object.entries(process.env).filter(([name]) =>
            !name.startsWith("AWS_") && !["NODE_PATH", "NODE_OPTIONS", "NODE_PRESERVE_SYMLINKS", SETTINGS_ENVIRONMENT_VARIABLE].includes(name)),
    );
    const environment: NodeJS.ProcessEnv = {
        ...inherited,
        NODE_PATH: runtime.directory,
        HOME: home,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: join(home, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: join(home, "no-aws-credentials"),
        [CHILD_INPUT_VARIABLE]: inputFile,
        ...extraEnvironment,
    };
    const args = [
        MOCHA, "--no-config", "--require", "ts-node/register/transpile-only", "--extension", "ts",
        "--forbid-only", "--forbid-pending", "--timeout", "30000",
        "--reporter", "json", "--reporter-option", `output=${reportFile}`,
        CHILD_SPEC,
    ];
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: environment, stdio: ["ignore", "pipe", "pipe"] });
        const chunks: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
        const finish = (status: number | null, problem?: string) => {
            const output = `${label} run, exit status ${status}${problem ? `, ${problem}` : ""}:\n${Buffer.concat(chunks).toString("utf8").slice(-20_000)}`;
            const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, "utf8")) as MochaJsonReport) : undefined;
            resolve({ status, output, report });
        };
        child.on("error", (error) => finish(null, error.message));
        child.on("close", (status) => finish(status));
    });
}
