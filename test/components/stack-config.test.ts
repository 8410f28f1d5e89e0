import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import { ConfigError } from "../../components/config-error";
import { readStackConfig } from "../../components/stack-config";
import { mocks, SOURCE_ACCOUNT_ID, valueOf } from "./pulumi-mocks";


type ComponentModule = typeof import("../../components");
let component: ComponentModule;
/** index.ts's export, which the Pulumi CLI calls. */
type Program = () => unknown;
let program: Program;

const VALID: Record<string, string> = {
    "snapshot-refresh:role": "refresh",
    "snapshot-refresh:sourceAccountId": SOURCE_ACCOUNT_ID,
    "snapshot-refresh:pipelineName": "acceptance-main",
    "snapshot-refresh:engines": JSON.stringify(["aurora", "documentdb"]),
};

const SHARE: Record<string, string> = {
    "snapshot-refresh:role": "share",
    "snapshot-refresh:targetAccountIds": JSON.stringify(["222222222222"]),
    "snapshot-refresh:clusters": JSON.stringify({ aurora: ["orders"] }),
};

/** Stack configuration as the Pulumi CLI hands it to a program: every value a string, objects as JSON. */
function stackConfigFromFile(file: string): Record<string, string> {
    const parsed = load(readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(
        Object.entries(parsed.config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
    );
}

function expectConfigError(action: () => unknown, key: string, ...mentions: string[]): void {
    let thrown: unknown;
    try {
        action();
    } catch (error) {
        thrown = error;
    }
    expect(thrown, "a ConfigError").to.be.instanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.key).to.equal(key);
    expect(error.message).to.contain(key).and.to.contain("Example:");
    for (const mention of mentions) expect(error.message).to.contain(mention);
}

describe("stack configuration", function () {
    this.timeout(30_000);

    before(async () => {
        component = await import("../../components");
        const loaded = (await import("../../index")) as unknown as Program | { default: Program };
        program = typeof loaded === "function" ? loaded : loaded.default;
    });
    beforeEach(() => mocks.reset());
    // A test that builds a component ends before its last resources register: let them, before the next test counts.
    afterEach(() => mocks.settle());
    after(() => pulumi.runtime.setAllConfig({}));

    /** The refresh role's arguments, failing the test if the configuration read as another role. */
    function refreshArgs(): SnapshotRefreshArgs {
        const config = readStackConfig("snapshot-refresh");
        if (config.role !== "refresh") throw new Error(`read as role ${config.role}`);
        return config.args;
    }

    it("deploys the example stack file Pulumi.acceptance.yaml as it is, reading the production stack's outputs", async () => {
        pulumi.runtime.setAllConfig(stackConfigFromFile(join(__dirname, "..", "..", "Pulumi.acceptance.yaml")));
        const shareKey = "arn:aws:kms:eu-west-1:222222222222:key/0a1b2c3d-0000-4000-8000-production00";
        mocks.stackOutputs["acme/snapshot-refresh/production"] = { accountId: "222222222222", kmsKeyArn: shareKey, snapshotIdentifierPrefix: "snapshot-refresh-share-" };
        const args = refreshArgs();
        expect(args).to.deep.include({
            sourceAccountId: "222222222222",
            sourceStack: "acme/snapshot-refresh/production",
            pipelineName: "acceptance-main",
            cadence: "every 2 weeks on sunday at 02:00 starting 2026-12-06",
            timezone: "Europe/Amsterdam",
            maintenanceWindowMinutes: 240,
            copyRecheckMinutes: 10,
            whenCopyNotReady: "fail",
        });
        const refresh = new component.SnapshotRefresh("snapshot-refresh", args);
        expect(await valueOf(refresh.scheduleName)).to.be.a("string");
        expect(await valueOf(refresh.stateMachineName)).to.equal("snapshot-refresh-refresh-cycle");
        expect(refresh.schedule).to.contain("Europe/Amsterdam");
        await mocks.settle();
        expect(mocks.named("snapshot-refresh-source").inputs.name).to.equal("acme/snapshot-refresh/production");
    });

    it("deploys the example stack file Pulumi.production.yaml as it is", async () => {
        pulumi.runtime.setAllConfig(stackConfigFromFile(join(__dirname, "..", "..", "Pulumi.production.yaml")));
        const config = readStackConfig("snapshot-refresh");
        if (config.role !== "share") throw new Error(`read as role ${config.role}`);
        expect(config.args).to.deep.include({
            targetAccountIds: ["111111111111"],
            clusters: { aurora: ["production-aurora"], documentdb: ["production-docdb"] },
            cadence: "every 2 weeks on saturday at 23:00 starting 2026-12-05",
            timezone: "Europe/Amsterdam",
            source: "automated",
            keepShared: 2,
            maintenanceWindowMinutes: 120,
        });
        mocks.callerAccountId = "222222222222";
        const share = new component.SnapshotShare("snapshot-refresh", config.args);
        expect(await valueOf(share.stateMachineName)).to.equal("snapshot-refresh-share-cycle");
        expect(await valueOf(share.kmsKeyArn)).to.match(/^arn:aws:kms:eu-west-1:222222222222:key\//);
        expect(share.schedule).to.contain("Europe/Amsterdam");
    });

    it("reads a single engine name, or a single target account, as a one-item list", () => {
        pulumi.runtime.setAllConfig({ ...VALID, "snapshot-refresh:engines": "documentdb" });
        expect(refreshArgs().engines).to.deep.equal(["documentdb"]);
        pulumi.runtime.setAllConfig({ ...SHARE, "snapshot-refresh:targetAccountIds": "011111111111" });
        const config = readStackConfig("snapshot-refresh");
        expect(config.role === "share" && config.args.targetAccountIds).to.deep.equal(["011111111111"]);
    });

    it("reads the notification and pause keys on either side with their types: a list, a number, booleans", () => {
        const operations = {
            "snapshot-refresh:notificationTopicArn": "arn:aws:sns:eu-west-1:111111111111:team-alerts",
            "snapshot-refresh:notificationEmails": '["oncall@example.com","dba@example.com"]',
            "snapshot-refresh:notifyOnSuccess": "false",
            "snapshot-refresh:staleAfterHours": "400",
            "snapshot-refresh:paused": "true",
        };
        const expected = {
            notificationTopicArn: "arn:aws:sns:eu-west-1:111111111111:team-alerts",
            notificationEmails: ["oncall@example.com", "dba@example.com"],
            notifyOnSuccess: false,
            staleAfterHours: 400,
            paused: true,
        };
        pulumi.runtime.setAllConfig({ ...VALID, ...operations });
        expect(refreshArgs()).to.deep.include(expected);
        pulumi.runtime.setAllConfig({ ...SHARE, ...operations, "snapshot-refresh:staleAfterHours": "100", "snapshot-refresh:notificationEmails": "oncall@example.com" });
        const share = readStackConfig("snapshot-refresh");
        expect(share.role).to.equal("share");
        expect(share.args).to.deep.include({ ...expected, staleAfterHours: 100, notificationEmails: ["oncall@example.com"] });
        pulumi.runtime.setAllConfig({ ...VALID, "snapshot-refresh:paused": "False", "snapshot-refresh:notifyOnSuccess": "TRUE" });
        expect(refreshArgs()).to.deep.include({ paused: false, notifyOnSuccess: true });
    });

    /** The same mistakes in the notification and pause keys, which both roles read alike. */
    const badOperations = (cycleGap: string, staleDefault: number): { case: string; config: Record<string, string | undefined>; key: string; mentions: string[] }[] => [
        { case: "an email address without a domain", config: { "snapshot-refresh:notificationEmails": '["oncall@example.com","oncall"]' }, key: "snapshot-refresh:notificationEmails[1]", mentions: ['"oncall"', "must be an email address", '["oncall@example.com"]'] },
        { case: "an email address listed twice", config: { "snapshot-refresh:notificationEmails": '["oncall@example.com","OnCall@Example.com"]' }, key: "snapshot-refresh:notificationEmails[1]", mentions: ['"OnCall@Example.com"', "list each address once"] },
        { case: "emails as a map", config: { "snapshot-refresh:notificationEmails": '{"oncall":"oncall@example.com"}' }, key: "snapshot-refresh:notificationEmails", mentions: ["must be a list of email addresses"] },
        { case: "a topic name instead of its ARN", config: { "snapshot-refresh:notificationTopicArn": "team-alerts" }, key: "snapshot-refresh:notificationTopicArn", mentions: ['"team-alerts"', "ARN of an SNS topic", "arn:aws:sns:eu-west-1:123456789012:team-alerts"] },
        { case: "a stale threshold below the longest gap between cycles", config: { "snapshot-refresh:staleAfterHours": "20" }, key: "snapshot-refresh:staleAfterHours", mentions: ["20", `from ${cycleGap} (the longest time between two cycles)`, `Example: snapshot-refresh:staleAfterHours: ${staleDefault}`] },
        { case: "a stale threshold in words", config: { "snapshot-refresh:staleAfterHours": "two weeks" }, key: "snapshot-refresh:staleAfterHours", mentions: ['"two weeks"', "whole number of hours"] },
        { case: "a pause that is not true or false", config: { "snapshot-refresh:paused": "yes" }, key: "snapshot-refresh:paused", mentions: ['"yes"', "must be true or false", "Example: snapshot-refresh:paused: true"] },
        { case: "a notifyOnSuccess that is not true or false", config: { "snapshot-refresh:notifyOnSuccess": "1" }, key: "snapshot-refresh:notifyOnSuccess", mentions: ['"1"', "must be true or false", "Example: snapshot-refresh:notifyOnSuccess: false"] },
    ];

    const badConfigurations: { case: string; config: Record<string, string | undefined>; key: string; mentions: string[] }[] = [
        { case: "a missing sourceAccountId", config: { "snapshot-refresh:sourceAccountId": undefined }, key: "snapshot-refresh:sourceAccountId", mentions: ["nothing was set", "12-digit"] },
        { case: "an account id that is not 12 digits", config: { "snapshot-refresh:sourceAccountId": "12345" }, key: "snapshot-refresh:sourceAccountId", mentions: ['"12345"', "123456789012"] },
        { case: "a missing pipelineName", config: { "snapshot-refresh:pipelineName": undefined }, key: "snapshot-refresh:pipelineName", mentions: ["nothing was set"] },
        { case: "an empty pipelineName", config: { "snapshot-refresh:pipelineName": "" }, key: "snapshot-refresh:pipelineName", mentions: ['""'] },
        { case: "missing engines", config: { "snapshot-refresh:engines": undefined }, key: "snapshot-refresh:engines", mentions: ["at least one engine"] },
        { case: "an unknown engine", config: { "snapshot-refresh:engines": '["aurora","mysql"]' }, key: "snapshot-refresh:engines[1].engine", mentions: ['"mysql"', "aurora, documentdb"] },
        { case: "a repeated engine", config: { "snapshot-refresh:engines": '["aurora",{"engine":"aurora","copy":true}]' }, key: "snapshot-refresh:engines[1]", mentions: ["repeats the engine aurora"] },
        { case: "an unknown engine option", config: { "snapshot-refresh:engines": '[{"engine":"documentdb","kmsKey":"x"}]' }, key: "snapshot-refresh:engines[0].kmsKey", mentions: ["kmsKeyArn"] },
        { case: "a KMS alias instead of a key ARN", config: { "snapshot-refresh:engines": '[{"engine":"documentdb","kmsKeyArn":"alias/acc"}]' }, key: "snapshot-refresh:engines[0].kmsKeyArn", mentions: ['"alias/acc"'] },
        { case: "a copy flag that is not a boolean", config: { "snapshot-refresh:engines": '[{"engine":"documentdb","copy":"no"}]' }, key: "snapshot-refresh:engines[0].copy", mentions: ["true or false"] },
        { case: "keepCopies of zero", config: { "snapshot-refresh:engines": '[{"engine":"documentdb","keepCopies":0}]' }, key: "snapshot-refresh:engines[0].keepCopies", mentions: ["1 to 20"] },
        { case: "a cadence it cannot read", config: { "snapshot-refresh:cadence": "every fortnight" }, key: "snapshot-refresh:cadence", mentions: ['"every fortnight"'] },
        { case: "an invalid cron expression", config: { "snapshot-refresh:cadence": "cron(0 2 * * SUN *)" }, key: "snapshot-refresh:cadence", mentions: ["cron(0 2 * * SUN *)"] },
        { case: "an invalid timezone", config: { "snapshot-refresh:timezone": "Mars/Olympus_Mons" }, key: "snapshot-refresh:timezone", mentions: ['"Mars/Olympus_Mons"', "Europe/Amsterdam"] },
        { case: "a maintenance window that is not a number", config: { "snapshot-refresh:maintenanceWindowMinutes": "four hours" }, key: "snapshot-refresh:maintenanceWindowMinutes", mentions: ['"four hours"', "0 to 1440"] },
        { case: "a maintenance window as long as a daily cycle", config: { "snapshot-refresh:cadence": "daily at 02:00", "snapshot-refresh:maintenanceWindowMinutes": "1440" }, key: "snapshot-refresh:maintenanceWindowMinutes", mentions: ["0 to 1439", "before the next cycle"] },
        { case: "a maintenance window longer than a rate's cycles", config: { "snapshot-refresh:cadence": "rate(2 hours)", "snapshot-refresh:maintenanceWindowMinutes": "240" }, key: "snapshot-refresh:maintenanceWindowMinutes", mentions: ["0 to 119"] },
        { case: "a copy recheck of zero minutes", config: { "snapshot-refresh:copyRecheckMinutes": "0" }, key: "snapshot-refresh:copyRecheckMinutes", mentions: ["1 to 60"] },
        { case: "the removed restoreDelayMinutes", config: { "snapshot-refresh:restoreDelayMinutes": "90" }, key: "snapshot-refresh:restoreDelayMinutes", mentions: ["no longer a setting", "as soon as every engine's data is ready", "Example: snapshot-refresh:maintenanceWindowMinutes: 210"] },
        { case: "the removed restoreWindowMinutes", config: { "snapshot-refresh:restoreWindowMinutes": "180" }, key: "snapshot-refresh:restoreWindowMinutes", mentions: ["replaced by maintenanceWindowMinutes", "Example: snapshot-refresh:maintenanceWindowMinutes: 300"] },
        { case: "the removed restoreRecheckMinutes", config: { "snapshot-refresh:restoreRecheckMinutes": "15" }, key: "snapshot-refresh:restoreRecheckMinutes", mentions: ["replaced by copyRecheckMinutes", "Example: snapshot-refresh:copyRecheckMinutes: 15"] },
        { case: "the removed restoreCadence", config: { "snapshot-refresh:cadence": "cron(0 2 ? * SUN *)", "snapshot-refresh:restoreCadence": "cron(0 4 ? * SUN *)" }, key: "snapshot-refresh:restoreCadence", mentions: ["whole refresh cycle", "Example: pulumi config rm snapshot-refresh:restoreCadence"] },
        { case: "an invalid parameter prefix", config: { "snapshot-refresh:parameterPrefix": "aws/refresh/" }, key: "snapshot-refresh:parameterPrefix", mentions: ["/snapshot-refresh/"] },
        { case: "an unknown whenCopyNotReady policy", config: { "snapshot-refresh:whenCopyNotReady": "wait" }, key: "snapshot-refresh:whenCopyNotReady", mentions: ["restore-available"] },
        { case: "engines as a map", config: { "snapshot-refresh:engines": '{"aurora":{"copy":true}}' }, key: "snapshot-refresh:engines", mentions: ['{"aurora":{"copy":true}}'] },
        { case: "a log retention CloudWatch does not offer", config: { "snapshot-refresh:logRetentionDays": "42" }, key: "snapshot-refresh:logRetentionDays", mentions: ["42", "90"] },
        { case: "a mistyped key", config: { "snapshot-refresh:cadance": "every week on sunday at 02:00" }, key: "snapshot-refresh:cadance", mentions: ["did you mean snapshot-refresh:cadence?"] },
        { case: "a missing role", config: { "snapshot-refresh:role": undefined }, key: "snapshot-refresh:role", mentions: ["nothing was set", "share", "refresh", "pulumi config set snapshot-refresh:role refresh"] },
        { case: "an unknown role", config: { "snapshot-refresh:role": "acceptance" }, key: "snapshot-refresh:role", mentions: ['"acceptance"', "share (the production account"] },
        { case: "a share setting in a refresh stack", config: { "snapshot-refresh:targetAccountIds": '["333333333333"]' }, key: "snapshot-refresh:targetAccountIds", mentions: ["setting of the share role", "role is refresh"] },
        { case: "a source stack that is not fully qualified", config: { "snapshot-refresh:sourceStack": "production" }, key: "snapshot-refresh:sourceStack", mentions: ["<organization>/<project>/<stack>"] },
        { case: "a source stack and a plain source key", config: { "snapshot-refresh:sourceStack": "acme/snapshot-refresh/production", "snapshot-refresh:sourceKmsKeyArn": `arn:aws:kms:eu-west-1:${SOURCE_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }, key: "snapshot-refresh:sourceKmsKeyArn", mentions: ["not both"] },
        { case: "a source key of another account", config: { "snapshot-refresh:sourceKmsKeyArn": "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab" }, key: "snapshot-refresh:sourceKmsKeyArn", mentions: [`source account ${SOURCE_ACCOUNT_ID}`] },
        { case: "a source snapshot prefix with capitals", config: { "snapshot-refresh:sourceSnapshotPrefix": "Prod-" }, key: "snapshot-refresh:sourceSnapshotPrefix", mentions: ["lowercase"] },
    ];
    const badShareConfigurations: { case: string; config: Record<string, string | undefined>; key: string; mentions: string[] }[] = [
        { case: "missing target accounts", config: { "snapshot-refresh:targetAccountIds": undefined }, key: "snapshot-refresh:targetAccountIds", mentions: ["nothing was set", "1 to 20"] },
        { case: "an unquoted account id YAML read as a number", config: { "snapshot-refresh:targetAccountIds": "[111111111111]" }, key: "snapshot-refresh:targetAccountIds[0]", mentions: ["in quotes"] },
        { case: "missing clusters", config: { "snapshot-refresh:clusters": undefined }, key: "snapshot-refresh:clusters", mentions: ["per engine"] },
        { case: "a keepShared that is not a number", config: { "snapshot-refresh:keepShared": "two" }, key: "snapshot-refresh:keepShared", mentions: ['"two"', "1 to 20"] },
        { case: "an unknown source", config: { "snapshot-refresh:source": "manual" }, key: "snapshot-refresh:source", mentions: ["automated", "fresh"] },
        { case: "a refresh setting in a share stack", config: { "snapshot-refresh:pipelineName": "acceptance-main" }, key: "snapshot-refresh:pipelineName", mentions: ["setting of the refresh role", "role is share"] },
        { case: "a mistyped share key", config: { "snapshot-refresh:keepshared": "3" }, key: "snapshot-refresh:keepshared", mentions: ["did you mean snapshot-refresh:keepShared?"] },
    ];
    const rejected = [
        ...badConfigurations.map((bad) => ({ ...bad, stack: VALID, name: `rejects ${bad.case}` })),
        // Every two weeks by default: 336 hours between cycles, 384 with the margin.
        ...badOperations("336", 384).map((bad) => ({ ...bad, stack: VALID, name: `rejects ${bad.case}` })),
        ...badShareConfigurations.map((bad) => ({ ...bad, stack: SHARE, name: `rejects, in a share stack, ${bad.case}` })),
        // Daily by default: 24 hours between cycles, 72 with the margin.
        ...badOperations("24", 72).map((bad) => ({ ...bad, stack: SHARE, name: `rejects, in a share stack, ${bad.case}` })),
    ];
    for (const bad of rejected) {
        it(`${bad.name}, naming the key, the value and an example, before any resource exists`, async () => {
            const config = { ...bad.stack, ...bad.config };
            pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).filter((entry): entry is [string, string] => entry[1] !== undefined)));
            // The program itself, as `pulumi preview` runs it: it must stop before it builds anything.
            expectConfigError(() => program(), bad.key, ...bad.mentions);
            await mocks.settle();
            expect(mocks.resources.map((resource) => `${resource.type} ${resource.name}`)).to.deep.equal([]);
        });
    }

    it("checks the component's own arguments the same way when it is used as a library, creating nothing", async () => {
        expectConfigError(
            () => new component.SnapshotRefresh("lib", { sourceAccountId: SOURCE_ACCOUNT_ID, pipelineName: "p", engines: ["aurora", "aurora"] }),
            "engines[1]",
            "repeats the engine aurora",
        );
        expectConfigError(
            () => new component.SnapshotRefresh("lib", { sourceAccountId: SOURCE_ACCOUNT_ID, pipelineName: "p", engines: ["aurora"], copyIdentifierPrefix: "Prod_" }),
            "copyIdentifierPrefix",
            '"Prod_"',
        );
        // A program written for an earlier version (plain JavaScript, or a cast) hears what replaced its argument.
        const upgraded = { sourceAccountId: SOURCE_ACCOUNT_ID, pipelineName: "p", engines: ["aurora"], restoreWindowMinutes: 120 } as SnapshotRefreshArgs;
        expectConfigError(() => new component.SnapshotRefresh("lib", upgraded), "restoreWindowMinutes", "Example: maintenanceWindowMinutes: 240");
        await mocks.settle();
        expect(mocks.resources).to.have.length(0);
    });
});
