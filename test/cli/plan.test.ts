import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { dump, load } from "js-yaml";
import { planCadence } from "../../components/cadence";
import { ConfigError } from "../../components/config-error";
import { planCommand, PlanCommandResult } from "../../cli/plan";
import { policyDocuments } from "../../cli/plan-iam";
import { StackRun } from "../../cli/plan-program";
import { readProject } from "../../cli/plan-project";
import { ProjectPlanner } from "../../cli/plan-stacks";
import { mocks } from "../components/pulumi-mocks";

const REPOSITORY = join(__dirname, "..", "..");
const NOW = new Date("2026-11-29T12:00:00Z");

/** The text of a `## ` section (up to the next one), by the start of its heading. */
function section(markdown: string, heading: string): string {
    const start = markdown.indexOf(`\n## ${heading}`);
    expect(start, `section ${heading}`).to.be.greaterThan(-1);
    const end = markdown.indexOf("\n## ", start + 1);
    return markdown.slice(start, end < 0 ? undefined : end);
}

function fencedBlock(markdown: string, language: string): string {
    const match = new RegExp("```" + language + "\\n([\\s\\S]*?)\\n```").exec(markdown);
    expect(match, `a ${language} block`).to.not.equal(null);
    return match?.[1] ?? "";
}

async function runOf(planner: ProjectPlanner, stack: string): Promise<StackRun> {
    const outcome = await planner.outcome(stack);
    if ("error" in outcome) throw outcome.error;
    return outcome.run;
}

/** Every transition of a definition, read straight from its JSON: [from, to]. */
function transitionsOf(definition: string): [string, string][] {
    const machine = JSON.parse(definition) as { StartAt: string; States: Record<string, Record<string, unknown>> };
    const result: [string, string][] = [["[*]", machine.StartAt]];
    for (const [name, state] of Object.entries(machine.States)) {
        const targets = [
            state.Next,
            state.Default,
            ...((state.Choices as { Next: string }[] | undefined) ?? []).map((choice) => choice.Next),
            ...((state.Catch as { Next: string }[] | undefined) ?? []).map((catcher) => catcher.Next),
        ].filter((target): target is string => typeof target === "string");
        result.push(...targets.map((target): [string, string] => [name, target]));
        if (state.End === true || state.Type === "Succeed" || state.Type === "Fail") result.push([name, "[*]"]);
    }
    return result;
}

describe("npm run plan", function () {
    this.timeout(120_000);
    let planner: ProjectPlanner;
    let acceptance: PlanCommandResult;
    let production: PlanCommandResult;

    before(async () => {
        planner = new ProjectPlanner(readProject(REPOSITORY));
        acceptance = await planCommand(["--stack", "acceptance"], { projectDirectory: REPOSITORY, now: NOW, planner });
        production = await planCommand(["--stack=production"], { projectDirectory: REPOSITORY, now: NOW, planner });
    });

    // The plan replaces Pulumi's process-wide mocks and config; the component tests share the ones they set up.
    after(async () => {
        await pulumi.runtime.setMocks(mocks, "snapshot-refresh", "acceptance", false);
        pulumi.runtime.setAllConfig({});
    });

    describe("the acceptance stack", () => {
        it("plans, and says first that it is an offline rendering and not a preview", () => {
            expect(acceptance.stderr).to.equal("");
            expect(acceptance.exitCode).to.equal(0);
            const [title, , notice] = acceptance.stdout.split("\n");
            expect(title).to.equal("# Offline plan: stack `acceptance`");
            expect(notice).to.contain("This is an offline rendering of what `pulumi up` would create for stack `acceptance`, not a preview against the account.");
            expect(notice).to.contain("no credentials, no Pulumi CLI");
        });

        it("says where the account, the Region and production's outputs come from", () => {
            expect(acceptance.stdout).to.contain("| Region | `eu-west-1` |");
            expect(acceptance.stdout).to.contain("| account | `111111111111`: the one account Pulumi.production.yaml shares with (snapshot-refresh:targetAccountIds) |");
            expect(acceptance.stdout).to.contain("| stack `acme/snapshot-refresh/production` | the outputs of Pulumi.production.yaml's own offline plan |");
        });

        it("lists every resource the program registers, with its type, under the component that creates it", async () => {
            const run = await runOf(planner, "acceptance");
            const resources = section(acceptance.stdout, "Resources");
            const custom = run.resources.filter((resource) => resource.custom);
            expect(custom.length).to.be.greaterThan(30);
            for (const resource of custom) expect(resources).to.contain(`- **\`${resource.name}\`** \`${resource.type}\``);
            for (const type of new Set(custom.map((resource) => resource.type))) {
                expect(resources).to.contain(`| \`${type}\` | ${custom.filter((resource) => resource.type === type).length} |`);
            }
            for (const type of ["aws:ssm/parameter:Parameter", "aws:lambda/function:Function", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:cloudwatch/logGroup:LogGroup",
                "aws:sfn/stateMachine:StateMachine", "aws:scheduler/schedule:Schedule", "aws:sqs/queue:Queue", "pulumi:pulumi:StackReference"]) {
                expect(resources).to.contain(`\`${type}\``);
            }
            expect(resources).to.contain("### `snapshot-refresh` SnapshotRefresh › `snapshot-refresh-update` LambdaFunction");
        });

        it("shows each resource's key settings", () => {
            const resources = section(acceptance.stdout, "Resources");
            expect(resources).to.contain([
                "- **`snapshot-refresh-update`** `aws:lambda/function:Function`",
                "  - name: `snapshot-refresh-db-update-latest-snapshot-id`",
                "  - runtime: nodejs22.x on arm64, handler `__index.handler`",
                "  - memory: 256 MB",
                "  - timeout: 5 min",
                "  - reserved concurrency: 1",
            ].join("\n"));
            expect(resources).to.match(/ {2}- code: `__index\.js` \(\d+\.\d KiB\)/);
            expect(resources).to.contain("  - name: `/snapshot-refresh/snapshot-refresh/db-update-latest-snapshot-id`\n  - retention: 90 days");
            expect(resources).to.contain("  - fires: `cron(0 2,3 ? * SUN *)` in Europe/Amsterdam\n  - state: ENABLED");
            expect(resources).to.contain("  - messages kept: 14 d\n  - encryption: SQS-managed (SSE-SQS)");
            expect(resources).to.contain("  - name: `aurora_latest_snapshot_id`\n  - type: String\n  - value: `none` when created; `pulumi up` never resets it");
            expect(resources).to.contain("  - name: `main_cicd_name`\n  - type: String\n  - value: `acceptance-main`, set on every `pulumi up`");
        });

        it("shows every IAM statement of every policy, with its exact ARNs", async () => {
            const run = await runOf(planner, "acceptance");
            const iam = section(acceptance.stdout, "IAM statements");
            const documents = policyDocuments(run.resources);
            const statementCount = documents.reduce((sum, document) => sum + document.statements.length, 0);
            expect(iam.split("\n").filter((line) => /^\| \d+/.test(line))).to.have.length(statementCount);
            expect(iam).to.contain(`${documents.length} documents, ${statementCount} statements`);
            const updatePolicy = iam.slice(iam.indexOf("### Inline policy `snapshot-refresh-update-policy` of role `snapshot-refresh-update-role-xxxxxxx`"));
            expect(updatePolicy).to.contain("| Allow | `ssm:PutParameter` | `arn:aws:ssm:eu-west-1:111111111111:parameter/aurora_latest_snapshot_id`<br>" +
                "`arn:aws:ssm:eu-west-1:111111111111:parameter/documentdb_latest_snapshot_id` |  |");
            // The key production's plan creates, read through sourceStack: the functions may use exactly it.
            expect(updatePolicy).to.contain("`arn:aws:kms:eu-west-1:222222222222:key/00000000-0000-0000-0000-000000000000`");
            expect(iam).to.contain("| Allow | Service: `states.amazonaws.com` | `sts:AssumeRole` |  | StringEquals `aws:SourceAccount` = `111111111111`<br>" +
                "ArnLike `aws:SourceArn` = `arn:aws:states:eu-west-1:111111111111:stateMachine:snapshot-refresh-refresh-cycle` |");
        });

        it("draws the state machine as Mermaid, with every transition of its definition", async () => {
            const run = await runOf(planner, "acceptance");
            const definition = String(run.resources.find((resource) => resource.type === "aws:sfn/stateMachine:StateMachine")?.inputs.definition);
            const diagram = fencedBlock(section(acceptance.stdout, "State machine `snapshot-refresh-refresh-cycle`"), "mermaid");
            const lines = diagram.split("\n");
            expect(lines[0]).to.equal("stateDiagram-v2");
            for (const [from, to] of transitionsOf(definition)) {
                expect(lines.some((line) => line.trim() === `${from} --> ${to}` || line.trim().startsWith(`${from} --> ${to}: `)), `${from} --> ${to}`).to.equal(true);
            }
            expect(lines).to.include("    CopiesInProgress --> WaitForCopies: $.restore.outcome = 'waiting'");
            expect(lines).to.include("    WaitForCopies --> RestoreFromSnapshot");
            expect(lines).to.include("    Restored --> [*]");
        });

        it("spells the state machine out state by state, with its retries and catches", async () => {
            const run = await runOf(planner, "acceptance");
            const definition = JSON.parse(String(run.resources.find((resource) => resource.type === "aws:sfn/stateMachine:StateMachine")?.inputs.definition)) as { States: Record<string, unknown> };
            const text = fencedBlock(section(acceptance.stdout, "State machine"), "text");
            for (const state of Object.keys(definition.States)) expect(text).to.match(new RegExp(`^${state} \\(`, "m"));
            expect(text).to.contain("Starts at");
            expect(text).to.contain("    retries TransientAwsError: up to 5 times, 1 min then x2 each time, at most 10 min apart");
            expect(text).to.contain("    on States.ALL -> RestoreFromSnapshot");
            expect(text).to.contain("    if $.restore.outcome = 'waiting' -> WaitForCopies");
        });

        it("lists the next five cycles of both stacks in Europe/Amsterdam, each refresh beside the share the night before", () => {
            const times = section(acceptance.stdout, "When the cycles start");
            expect(times).to.contain("### `acceptance` (this stack): refresh cycles");
            expect(times).to.contain([
                "| 1 | Sun 2026-12-06 02:00 | Sun 2026-12-06 01:00 |",
                "| 2 | Sun 2026-12-20 02:00 | Sun 2026-12-20 01:00 |",
                "| 3 | Sun 2027-01-03 02:00 | Sun 2027-01-03 01:00 |",
                "| 4 | Sun 2027-01-17 02:00 | Sun 2027-01-17 01:00 |",
                "| 5 | Sun 2027-01-31 02:00 | Sun 2027-01-31 01:00 |",
            ].join("\n"));
            expect(times).to.contain("### `production` (the stack this one reads through snapshot-refresh:sourceStack): share cycles");
            expect(times).to.contain([
                "| 1 | Sat 2026-12-05 23:00 | Sat 2026-12-05 22:00 |",
                "| 2 | Sat 2026-12-19 23:00 | Sat 2026-12-19 22:00 |",
                "| 3 | Sat 2027-01-02 23:00 | Sat 2027-01-02 22:00 |",
                "| 4 | Sat 2027-01-16 23:00 | Sat 2027-01-16 22:00 |",
                "| 5 | Sat 2027-01-30 23:00 | Sat 2027-01-30 22:00 |",
            ].join("\n"));
            expect(times).to.contain("| Sun 2026-12-06 02:00 | Sat 2026-12-05 23:00 | Sun 2026-12-06 01:00 | yes, 1 h to spare |");
            expect(times).to.contain("| Sun 2027-01-31 02:00 | Sat 2027-01-30 23:00 | Sun 2027-01-31 01:00 | yes, 1 h to spare |");
        });

        it("names the SSM parameters and the stack outputs", () => {
            const parameters = section(acceptance.stdout, "SSM parameters");
            for (const name of ["aurora_latest_snapshot_id", "aurora_current_snapshot_id", "documentdb_latest_snapshot_id", "documentdb_current_snapshot_id"]) {
                expect(parameters).to.contain(`| \`${name}\` | String | \`none\` | value left as it is |`);
            }
            expect(parameters).to.contain("| `main_cicd_name` | String | `acceptance-main` | value set again |");
            const outputs = section(acceptance.stdout, "Stack outputs");
            expect(outputs).to.contain("- `stateMachineArn`: `arn:aws:states:eu-west-1:111111111111:stateMachine:snapshot-refresh-refresh-cycle`");
            expect(outputs).to.contain(`- \`schedule\`: \`${planCadence({ cadence: "every 2 weeks on sunday at 02:00 starting 2026-12-06", timezone: "Europe/Amsterdam" }).description}\``);
            expect(outputs).to.contain('"current": "documentdb_current_snapshot_id"');
        });
    });

    describe("the production stack", () => {
        it("plans, offline, in the account acceptance names as its source", () => {
            expect(production.stderr).to.equal("");
            expect(production.exitCode).to.equal(0);
            expect(production.stdout).to.contain("This is an offline rendering of what `pulumi up` would create for stack `production`, not a preview against the account.");
            expect(production.stdout).to.contain("| account | `222222222222`: snapshot-refresh:sourceAccountId of Pulumi.acceptance.yaml, which reads this stack through sourceStack |");
            expect(production.stdout).to.contain("| key id `00000000-0000-0000-0000-000000000000` | the id AWS gives the KMS key this stack creates |");
        });

        it("shows the share key with rotation on and the key policy that lets exactly the target account use it", () => {
            expect(section(production.stdout, "Resources")).to.contain("  - rotation: on, every 365 days\n  - deleted after: 30 days");
            const iam = section(production.stdout, "IAM statements");
            const keyPolicy = iam.slice(iam.indexOf("### Key policy of KMS key `snapshot-refresh-key`"), iam.indexOf("\n### ", iam.indexOf("### Key policy") + 1));
            expect(keyPolicy).to.contain("| Allow | AWS: `arn:aws:iam::222222222222:root` | `kms:*` | `*` |  |");
            expect(keyPolicy).to.contain("| Allow | AWS: `arn:aws:iam::111111111111:root` | `kms:CreateGrant`<br>`kms:ListGrants`<br>`kms:RevokeGrant` | `*` | Bool `kms:GrantIsForAWSResource` = `true` |");
            expect(keyPolicy.split("\n").filter((line) => line.includes("AWS: `arn:aws:iam::"))).to.have.length(3);
        });

        it("lists its own cycles first, then those of the acceptance stack that reads it", () => {
            const times = section(production.stdout, "When the cycles start");
            expect(times.indexOf("### `production` (this stack): share cycles")).to.be.lessThan(times.indexOf("### `acceptance` (reads this stack through snapshot-refresh:sourceStack): refresh cycles"));
            expect(times).to.contain("| 5 | Sat 2027-01-30 23:00 | Sat 2027-01-30 22:00 |");
            expect(times).to.contain("| 5 | Sun 2027-01-31 02:00 | Sun 2027-01-31 01:00 |");
            expect(times).to.contain("| Sun 2026-12-20 02:00 | Sat 2026-12-19 23:00 | Sun 2026-12-20 01:00 | yes, 1 h to spare |");
        });

        it("shows the share cycle's state machine and the outputs acceptance reads", () => {
            expect(fencedBlock(section(production.stdout, "State machine `snapshot-refresh-share-cycle`"), "mermaid")).to.match(/^stateDiagram-v2\n {4}\[\*\] --> /);
            const outputs = section(production.stdout, "Stack outputs");
            expect(outputs).to.contain("- `accountId`: `222222222222`");
            expect(outputs).to.contain("- `kmsKeyArn`: `arn:aws:kms:eu-west-1:222222222222:key/00000000-0000-0000-0000-000000000000`");
            expect(outputs).to.contain("- `snapshotIdentifierPrefix`: `snapshot-refresh-share-`");
        });
    });

    describe("a stack file that does not plan", () => {
        let project: string;
        const configOf = (stack: string) => (load(readFileSync(join(REPOSITORY, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
        const acceptanceConfig = () => configOf("acceptance");
        const productionConfig = () => configOf("production");
        const writeStack = (stack: string, config: Record<string, unknown>) => writeFileSync(join(project, `Pulumi.${stack}.yaml`), dump({ config }));
        const plan = (stack: string) => planCommand(["--stack", stack], { projectDirectory: project, now: NOW });

        before(() => {
            project = mkdtempSync(join(tmpdir(), "plan-"));
            writeFileSync(join(project, "Pulumi.yaml"), dump({ name: "snapshot-refresh", runtime: "nodejs", main: relative(project, join(REPOSITORY, "index.ts")) }));
        });
        after(() => rmSync(project, { recursive: true, force: true }));

        it("fails with the ConfigError `pulumi up` stops at, and prints no plan", async () => {
            const { "snapshot-refresh:sourceStack": _sourceStack, ...withoutSource } = acceptanceConfig();
            writeStack("bad-cadence", { ...withoutSource, "snapshot-refresh:cadence": "every fortnight at 02:00" });
            const result = await plan("bad-cadence");
            let expected: ConfigError | undefined;
            try {
                planCadence({ cadence: "every fortnight at 02:00" });
            } catch (error) {
                expected = (error as ConfigError).withKeyPrefix("snapshot-refresh:");
            }
            expect(result.exitCode).to.equal(1);
            expect(result.stdout).to.equal("");
            expect(result.stderr).to.contain(`error: Running program '${project}' failed with an unhandled exception:\nConfigError: ${expected?.message}\n`);
            expect(result.stderr).to.contain("No plan");
        });

        it("fails the same way on a check that needs the account, made once the program runs", async () => {
            // The share key is a key of 111111111111, so production deploys there: into the account it shares with.
            writeStack("shares-with-itself", { ...productionConfig(), "snapshot-refresh:kmsKeyArn": "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab" });
            const result = await plan("shares-with-itself");
            expect(result.exitCode).to.equal(1);
            expect(result.stdout).to.equal("");
            expect(result.stderr).to.match(/^error: Running program '.*' failed with an unhandled exception:\nConfigError: .*targetAccountIds includes the account this stack deploys into.*\(got "111111111111"\)/);
        });

        it("plans with placeholders, and says so, where sourceStack is not a stack of this project", async () => {
            writeStack("elsewhere", { ...acceptanceConfig(), "snapshot-refresh:sourceStack": "acme/platform/production" });
            const result = await plan("elsewhere");
            expect(result.exitCode, result.stderr).to.equal(0);
            expect(result.stdout).to.contain("| stack `acme/platform/production` | not a stack of this project, so it cannot be read offline; placeholders: " +
                "accountId is snapshot-refresh:sourceAccountId, the key id 00000000-0000-0000-0000-000000000000");
            expect(result.stdout).to.contain("| account | `000000000000`: a placeholder: the stack files do not fix it, the credentials `pulumi up` runs with do |");
            expect(section(result.stdout, "IAM statements")).to.contain("`arn:aws:kms:eu-west-1:222222222222:key/00000000-0000-0000-0000-000000000000`");
            expect(section(result.stdout, "When the cycles start")).to.not.contain("share cycles");
        });

        it("names the stack files there are when the stack has none", async () => {
            const result = await planCommand(["--stack", "staging"], { projectDirectory: REPOSITORY, now: NOW, planner });
            expect(result.exitCode).to.equal(2);
            expect(result.stdout).to.equal("");
            expect(result.stderr).to.equal(`error: There is no ${join(REPOSITORY, "Pulumi.staging.yaml")} for stack staging. The stacks with a file here: acceptance, production.\n`);
        });

        it("refuses a command line without a stack, with the usage", async () => {
            const result = await planCommand(["--stak", "acceptance"], { projectDirectory: REPOSITORY, now: NOW });
            expect(result.exitCode).to.equal(2);
            expect(result.stderr).to.contain("error: name the stack to plan: --stack <stack>").and.to.contain("Usage: npm run plan -- --stack <stack>");
        });
    });
});
