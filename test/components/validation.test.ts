/**
 * The notification and pause settings both components share, resolved: defaults from the cadence, and the
 * errors a library user meets, with the argument as written. (The stack config's keys are checked in
 * stack-config.test.ts, through the program.)
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { planCadence } from "../../components/cadence";
import { ConfigError } from "../../components/config-error";
import { OperationsArgs } from "../../components/operations-args";
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import { SnapshotShareArgs } from "../../components/share/args";
import { resolveOperations } from "../../components/validation";
import { deploymentFailure, mocks, SOURCE_ACCOUNT_ID } from "./pulumi-mocks";

type ComponentModule = typeof import("../../components");
let component: ComponentModule;

const asWritten = (path: string) => path;

function resolve(args: OperationsArgs, cadence?: string) {
    return resolveOperations(args, planCadence({ cadence }), asWritten);
}

function configError(action: () => unknown): ConfigError {
    try {
        action();
    } catch (error) {
        expect(error, "a ConfigError").to.be.instanceOf(ConfigError);
        return error as ConfigError;
    }
    throw new Error("expected a ConfigError, but nothing was thrown");
}

describe("resolveOperations", () => {
    it("notifies of every ended cycle, pauses nothing, and creates its own topic with nobody subscribed by default", () => {
        expect(resolve({})).to.deep.equal({
            monitoring: { topicArn: undefined, emails: [], notifyOnSuccess: true, staleAfterHours: 14 * 24 + 48 },
            paused: false,
        });
    });

    const defaults: [string, number][] = [
        ["every 2 weeks on sunday at 02:00 starting 2026-12-06", 14 * 24 + 48],
        ["daily at 02:00", 24 + 48],
        ["every 3 days at 23:00", 3 * 24 + 48],
        ["rate(6 hours)", 6 + 48],
        // Weekly in UTC: exactly 168 hours apart, whatever the year brings.
        ["cron(0 3 ? * SAT *)", 7 * 24 + 48],
    ];
    for (const [cadence, hours] of defaults) {
        it(`counts data stale after the longest gap between cycles and 48 hours: ${hours} hours for ${cadence}`, () => {
            expect(resolve({}, cadence).monitoring.staleAfterHours).to.equal(hours);
        });
    }

    it("accepts a threshold from the longest gap between cycles to 2160 hours", () => {
        expect(resolve({ staleAfterHours: 336 }).monitoring.staleAfterHours).to.equal(336);
        expect(resolve({ staleAfterHours: 2160 }).monitoring.staleAfterHours).to.equal(2160);
        expect(resolve({ staleAfterHours: 24 }, "daily at 02:00").monitoring.staleAfterHours).to.equal(24);
        const belowGap = configError(() => resolve({ staleAfterHours: 167 }, "cron(0 3 ? * SAT *)"));
        expect(belowGap.key).to.equal("staleAfterHours");
        expect(belowGap.message).to.equal(
            "staleAfterHours must be a whole number of hours from 168 (the longest time between two cycles) to 2160 (got 167). Example: staleAfterHours: 216",
        );
        expect(configError(() => resolve({ staleAfterHours: 2161 })).message).to.contain("from 336 (the longest time between two cycles) to 2160 (got 2161)");
        expect(configError(() => resolve({ staleAfterHours: 400.5 })).message).to.contain("got 400.5");
    });

    it("lets a cadence with gaps longer than 2160 hours default past it, rather than alarm between every two cycles", () => {
        // Quarterly, on the first of January, April, July and October: the longest gap is 92 days.
        const quarterly = "cron(0 2 1 1,4,7,10 ? *)";
        expect(resolve({}, quarterly).monitoring.staleAfterHours).to.equal(92 * 24 + 48);
        expect(resolve({ staleAfterHours: 92 * 24 }, quarterly).monitoring.staleAfterHours).to.equal(92 * 24);
        expect(configError(() => resolve({ staleAfterHours: 2160 }, quarterly)).message).to.contain(`from ${92 * 24} (the longest time between two cycles) to ${92 * 24 + 48}`);
    });

    it("keeps the given topic and emails, and reads the two switches", () => {
        const topicArn = "arn:aws:sns:eu-west-1:123456789012:team-alerts";
        expect(resolve({ notificationTopicArn: topicArn, notificationEmails: ["oncall@example.com", "dba@example.com"], notifyOnSuccess: false, paused: true })).to.deep.equal({
            monitoring: { topicArn, emails: ["oncall@example.com", "dba@example.com"], notifyOnSuccess: false, staleAfterHours: 384 },
            paused: true,
        });
    });

    it("checks a topic ARN that is another resource's output once it is known, with the message a literal gets", async () => {
        const good = resolve({ notificationTopicArn: pulumi.output("arn:aws:sns:eu-west-1:123456789012:team-alerts") }).monitoring.topicArn;
        expect(await new Promise((resolve) => pulumi.output(good).apply(resolve))).to.equal("arn:aws:sns:eu-west-1:123456789012:team-alerts");
        const bad = resolve({ notificationTopicArn: pulumi.output("team-alerts") }).monitoring.topicArn;
        const error = await deploymentFailure(() => [pulumi.output(bad)]);
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as ConfigError).message).to.equal(
            'notificationTopicArn must be the ARN of an SNS topic (got "team-alerts"). Example: notificationTopicArn: arn:aws:sns:eu-west-1:123456789012:team-alerts');
    });

    const refused: { case: string; args: Record<string, unknown>; key: string; message: string }[] = [
        {
            case: "a topic's name instead of its ARN",
            args: { notificationTopicArn: "team-alerts" },
            key: "notificationTopicArn",
            message: 'notificationTopicArn must be the ARN of an SNS topic (got "team-alerts"). Example: notificationTopicArn: arn:aws:sns:eu-west-1:123456789012:team-alerts',
        },
        {
            case: "an email address without a domain",
            args: { notificationEmails: ["oncall@example.com", "dba"] },
            key: "notificationEmails[1]",
            message: 'notificationEmails[1] must be an email address (got "dba"). Example: notificationEmails: ["oncall@example.com"]',
        },
        {
            case: "the same address twice, in other capitals",
            args: { notificationEmails: ["oncall@example.com", "OnCall@example.com"] },
            key: "notificationEmails[1]",
            message: 'notificationEmails[1] repeats an address: list each address once (got "OnCall@example.com"). Example: notificationEmails: ["oncall@example.com"]',
        },
        {
            case: "one address, not in a list",
            args: { notificationEmails: "oncall@example.com" },
            key: "notificationEmails",
            message: 'notificationEmails must be a list of email addresses (got "oncall@example.com"). Example: notificationEmails: ["oncall@example.com"]',
        },
        {
            case: "a pause that is not true or false",
            args: { paused: "yes" },
            key: "paused",
            message: 'paused must be true or false (got "yes"). Example: paused: true',
        },
        {
            case: "a notifyOnSuccess that is not true or false",
            args: { notifyOnSuccess: 0 },
            key: "notifyOnSuccess",
            message: "notifyOnSuccess must be true or false (got 0). Example: notifyOnSuccess: false",
        },
    ];
    for (const bad of refused) {
        it(`refuses ${bad.case}, naming the argument, the value and an example`, () => {
            const error = configError(() => resolve(bad.args as OperationsArgs));
            expect(error.key).to.equal(bad.key);
            expect(error.message).to.equal(bad.message);
        });
    }
});

describe("the components' notification and pause arguments", () => {
    before(async () => {
        component = await import("../../components");
    });
    beforeEach(() => mocks.reset());

    it("are checked before anything is created, on both sides, naming the argument as written", async () => {
        const refresh = { sourceAccountId: SOURCE_ACCOUNT_ID, pipelineName: "p", engines: ["aurora"] } as const;
        const share = { targetAccountIds: ["333333333333"], clusters: { aurora: ["orders"] } };
        const refreshError = configError(() => new component.SnapshotRefresh("lib", { ...refresh, staleAfterHours: 100 } as SnapshotRefreshArgs));
        expect([refreshError.key, refreshError.message]).to.deep.equal([
            "staleAfterHours",
            "staleAfterHours must be a whole number of hours from 336 (the longest time between two cycles) to 2160 (got 100). Example: staleAfterHours: 384",
        ]);
        const shareError = configError(() => new component.SnapshotShare("lib", { ...share, notificationEmails: ["oncall@example"] } as SnapshotShareArgs));
        expect([shareError.key, shareError.message]).to.deep.equal([
            "notificationEmails[0]",
            'notificationEmails[0] must be an email address (got "oncall@example"). Example: notificationEmails: ["oncall@example.com"]',
        ]);
        await mocks.settle();
        expect(mocks.resources).to.deep.equal([]);
    });
});
