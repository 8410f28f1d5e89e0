import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { ConfigError } from "../components/config-error";
import { OperatorCommands } from "../components/operator-commands";
import { ACCOUNT_ID, mocks, REGION, valueOf } from "./components/pulumi-mocks";

type Program = () => Record<string, unknown>;

/** How an operator starts an execution of `machine` by hand, with `input`, as the outputs print it. */
function startCommand(machine: string, input: string): string {
    return `aws stepfunctions start-execution --state-machine-arn arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${machine} ` +
        `--name "manual-$(date -u +%Y%m%dT%H%M%SZ)" --input '${input}'`;
}

/** The pause commands of the instance both roles deploy, named snapshot-refresh. */
const PAUSE_COMMANDS = {
    pause: "aws ssm put-parameter --overwrite --name /snapshot-refresh/snapshot-refresh/paused-until --value indefinitely",
    pauseUntil: "aws ssm put-parameter --overwrite --name /snapshot-refresh/snapshot-refresh/paused-until --value 2027-01-04T06:00:00Z",
    resume: "aws ssm put-parameter --overwrite --name /snapshot-refresh/snapshot-refresh/paused-until --value none",
};

/** The program as the Pulumi CLI runs it: index.ts's export, called with the stack's configuration set. */
async function runProgram(config: Record<string, string>): Promise<Record<string, unknown>> {
    pulumi.runtime.setAllConfig(config);
    const program = (await import("../index")) as unknown as Program | { default: Program };
    return (typeof program === "function" ? program : program.default)();
}

describe("the program (index.ts)", function () {
    this.timeout(30_000);
    beforeEach(() => mocks.reset());
    after(() => pulumi.runtime.setAllConfig({}));

    it("deploys SnapshotShare for role share, and outputs what the acceptance stacks read", async () => {
        const outputs = await runProgram({
            "snapshot-refresh:role": "share",
            "snapshot-refresh:targetAccountIds": '["222222222222"]',
            "snapshot-refresh:clusters": '{"aurora":["orders"]}',
        });
        expect(outputs.role).to.equal("share");
        expect(await valueOf(outputs.accountId as pulumi.Output<string>)).to.equal(ACCOUNT_ID);
        expect(await valueOf(outputs.kmsKeyArn as pulumi.Output<string>)).to.match(/^arn:aws:kms:/);
        expect(outputs.snapshotIdentifierPrefix).to.equal("snapshot-refresh-share-");
        expect(await valueOf(outputs.notificationTopicArn as pulumi.Output<string>)).to.equal(`arn:aws:sns:${REGION}:${ACCOUNT_ID}:snapshot-refresh-share-cycle-notifications-1a2b3c4`);
        expect(outputs.pauseParameterName).to.equal("/snapshot-refresh/snapshot-refresh/paused-until");
        expect(await valueOf(outputs.operatorCommands as pulumi.Output<OperatorCommands>), "no restoreChosen: production restores nothing").to.deep.equal({
            runNow: startCommand("snapshot-refresh-share-cycle", "{}"),
            dryRun: startCommand("snapshot-refresh-share-cycle", '{"dryRun":true}'),
            ...PAUSE_COMMANDS,
            status: "npm run status -- --stack acceptance",
        });
        await mocks.settle();
        expect(mocks.ofType("snapshot-refresh:index:SnapshotShare")).to.have.length(1);
        expect(mocks.ofType("snapshot-refresh:index:SnapshotRefresh")).to.have.length(0);
    });

    it("deploys SnapshotRefresh for role refresh", async () => {
        const outputs = await runProgram({
            "snapshot-refresh:role": "refresh",
            "snapshot-refresh:sourceAccountId": "222222222222",
            "snapshot-refresh:pipelineName": "acceptance-main",
            "snapshot-refresh:engines": '["aurora"]',
        });
        expect(outputs.role).to.equal("refresh");
        expect(outputs.parameterNames).to.deep.equal({ aurora: { latest: "aurora_latest_snapshot_id", current: "aurora_current_snapshot_id" } });
        expect(await valueOf(outputs.stateMachineName as pulumi.Output<string>)).to.equal("snapshot-refresh-refresh-cycle");
        expect(await valueOf(outputs.notificationTopicArn as pulumi.Output<string>)).to.equal(`arn:aws:sns:${REGION}:${ACCOUNT_ID}:snapshot-refresh-refresh-cycle-notifications-1a2b3c4`);
        expect(outputs.pauseParameterName).to.equal("/snapshot-refresh/snapshot-refresh/paused-until");
        expect(await valueOf(outputs.operatorCommands as pulumi.Output<OperatorCommands>)).to.deep.equal({
            runNow: startCommand("snapshot-refresh-refresh-cycle", "{}"),
            dryRun: startCommand("snapshot-refresh-refresh-cycle", '{"dryRun":true}'),
            restoreChosen: startCommand("snapshot-refresh-refresh-cycle", '{"restore":{"aurora":"<aurora snapshot ARN or identifier>"}}'),
            ...PAUSE_COMMANDS,
            // The mocks deploy the stack named acceptance.
            status: "npm run status -- --stack acceptance",
        });
        await mocks.settle();
        expect(mocks.ofType("snapshot-refresh:index:SnapshotShare")).to.have.length(0);
    });

    it("deploys nothing without a role, and says how to set one", async () => {
        let thrown: unknown;
        try {
            await runProgram({ "snapshot-refresh:sourceAccountId": "222222222222" });
        } catch (error) {
            thrown = error;
        }
        expect(thrown).to.be.instanceOf(ConfigError);
        expect((thrown as Error).message).to.contain("pulumi config set snapshot-refresh:role refresh");
        await mocks.settle();
        expect(mocks.resources).to.deep.equal([]);
    });
});
