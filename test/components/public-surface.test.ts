/**
 * The components as a consumer's own Pulumi program meets them: what the package exports, arguments written
 * `as const`, and values that come from another stack, checked once known with the same messages.
 */
import { ACCOUNT_ID, deploymentFailure, mocks, settingsOf, valueOf } from "./pulumi-mocks";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import type { SnapshotRefreshArgs, SnapshotShareArgs } from "../../components";
import { ConfigError } from "../../components/config-error";

type ComponentModule = typeof import("../../components");

// A consumer's arguments, written as literals: readonly arrays must be accepted as they are (type-checked by
// `npm run typecheck`, used below at run time).
const SHARE_ARGS = {
    targetAccountIds: ["222222222222"],
    clusters: { aurora: ["orders"] },
    notificationEmails: ["oncall@example.com"],
} as const satisfies SnapshotShareArgs;
const REFRESH_ARGS = {
    sourceAccountId: "222222222222",
    pipelineName: "acceptance-main",
    engines: ["aurora", { engine: "documentdb", sourceClusters: ["catalog"], copy: false }],
} as const satisfies SnapshotRefreshArgs;

describe("the package's public surface", function () {
    this.timeout(30_000);
    let component: ComponentModule;

    before(async () => {
        component = await import("../../components");
    });
    beforeEach(() => mocks.reset());

    it("exports the two components, the error a bad argument raises and the main pipeline's helper, nothing internal", () => {
        expect(Object.keys(component).sort()).to.deep.equal(["ConfigError", "SnapshotRefresh", "SnapshotShare", "currentSnapshot"]);
    });

    it("builds both components from arguments written as const", async () => {
        const refresh = new component.SnapshotRefresh("consumer", REFRESH_ARGS);
        expect(Object.keys(refresh.parameterNames)).to.deep.equal(["aurora", "documentdb"]);
        await valueOf(refresh.stateMachineArn);
        mocks.reset();
        const share = new component.SnapshotShare("consumer-share", SHARE_ARGS);
        expect(await valueOf(share.targetAccountIds)).to.deep.equal(["222222222222"]);
    });

    it("takes target accounts from another stack's outputs, and shares with exactly them once known", async () => {
        const acceptanceAccount = pulumi.output("333333333333");
        const share = new component.SnapshotShare("from-outputs", { ...SHARE_ARGS, targetAccountIds: ["222222222222", acceptanceAccount] });
        expect(await valueOf(share.targetAccountIds)).to.deep.equal(["222222222222", "333333333333"]);
        await valueOf(share.shareFunctionArn);
        const shareFunction = mocks.named("from-outputs-share", "aws:lambda/function:Function");
        expect(settingsOf<{ targetAccountIds: string[] }>(shareFunction).targetAccountIds).to.deep.equal(["222222222222", "333333333333"]);
    });

    it("refuses an account from another stack that is not an account id, with the message a literal gets", async () => {
        const error = await deploymentFailure(() => {
            const share = new component.SnapshotShare("bad-output", { ...SHARE_ARGS, targetAccountIds: [pulumi.output("not-an-account")] });
            return [share.targetAccountIds, share.shareFunctionArn];
        });
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as ConfigError).message).to.include("targetAccountIds[0]").and.include("must be the id of an account to share with: 12 digits");
    });

    it("refuses, once known, a target account from another stack that is the account it deploys into", async () => {
        const error = await deploymentFailure(() => {
            const share = new component.SnapshotShare("self-output", { ...SHARE_ARGS, targetAccountIds: [pulumi.output(ACCOUNT_ID)] });
            return [share.accountId, share.shareFunctionArn];
        });
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as ConfigError).message).to.include("includes the account this stack deploys into");
    });
});
