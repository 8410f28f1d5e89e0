import { expect } from "chai";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../../handlers/settings";
import { readShareSettings, ShareSettings } from "../../../handlers/share/settings";
import { CATALOG, ORDERS, shareSettings } from "./support";

const VALID: ShareSettings = shareSettings({ clusters: [ORDERS, CATALOG] });

function environmentWith(settings: unknown): NodeJS.ProcessEnv {
    return { [SETTINGS_ENVIRONMENT_VARIABLE]: JSON.stringify(settings) };
}

function problemWith(environment: NodeJS.ProcessEnv): string {
    try {
        readShareSettings(environment);
    } catch (error) {
        if (error instanceof Error) return error.message;
        throw error;
    }
    throw new Error(`expected ${JSON.stringify(environment)} to be refused`);
}

describe("readShareSettings", () => {
    it("reads the settings the component wrote", () => {
        expect(readShareSettings(environmentWith(VALID))).to.deep.equal(VALID);
    });

    it("reads a deployed pause", () => {
        expect(readShareSettings(environmentWith({ ...VALID, paused: true })).paused).to.equal(true);
    });

    it("accepts the fresh source", () => {
        expect(readShareSettings(environmentWith({ ...VALID, source: "fresh" })).source).to.equal("fresh");
    });

    it("refuses a missing variable, saying the function must be deployed by its component", () => {
        expect(problemWith({})).to.equal(
            `${SETTINGS_ENVIRONMENT_VARIABLE} is not set in this function's environment: the function must be deployed by its snapshot-refresh component (pulumi up).`,
        );
    });

    it("refuses settings that are not JSON", () => {
        expect(problemWith({ [SETTINGS_ENVIRONMENT_VARIABLE]: "{instanceName:" })).to.equal(`${SETTINGS_ENVIRONMENT_VARIABLE} is not valid JSON: redeploy with pulumi up.`);
    });

    it("refuses settings that are not an object", () => {
        expect(problemWith(environmentWith(null))).to.include("(it is not an object)");
    });

    const withoutField = (field: keyof ShareSettings) => Object.fromEntries(Object.entries(VALID).filter(([key]) => key !== field));
    const cases: { what: string; settings: unknown; problem: string }[] = [
        { what: "a missing instanceName", settings: withoutField("instanceName"), problem: "instanceName is missing" },
        { what: "an empty kmsKeyArn", settings: { ...VALID, kmsKeyArn: "" }, problem: "kmsKeyArn is missing" },
        { what: "a missing snapshotIdentifierPrefix", settings: withoutField("snapshotIdentifierPrefix"), problem: "snapshotIdentifierPrefix is missing" },
        { what: "no target accounts", settings: { ...VALID, targetAccountIds: [] }, problem: "targetAccountIds is not a list of 1 to 20 distinct account ids" },
        { what: "a target that is not an account id", settings: { ...VALID, targetAccountIds: ["22222222222"] }, problem: "targetAccountIds is not a list of 1 to 20 distinct account ids" },
        { what: "a target account as a number", settings: { ...VALID, targetAccountIds: [222222222222] }, problem: "targetAccountIds is not a list of 1 to 20 distinct account ids" },
        { what: "a single target instead of a list", settings: { ...VALID, targetAccountIds: "222222222222" }, problem: "targetAccountIds is not a list of 1 to 20 distinct account ids" },
        { what: "no clusters", settings: { ...VALID, clusters: [] }, problem: "clusters is not a list of engines and distinct cluster identifiers" },
        { what: "a cluster of an unknown engine", settings: { ...VALID, clusters: [{ engine: "postgres", clusterIdentifier: "orders" }] }, problem: "clusters is not a list of engines and distinct cluster identifiers" },
        { what: "a cluster without its identifier", settings: { ...VALID, clusters: [{ engine: "aurora" }] }, problem: "clusters is not a list of engines and distinct cluster identifiers" },
        { what: "a cluster that is null", settings: { ...VALID, clusters: [null] }, problem: "clusters is not a list of engines and distinct cluster identifiers" },
        { what: "keepShared 0", settings: { ...VALID, keepShared: 0 }, problem: "keepShared is not a whole number of at least 1" },
        { what: "a fractional keepShared", settings: { ...VALID, keepShared: 1.5 }, problem: "keepShared is not a whole number of at least 1" },
        { what: "an unknown source", settings: { ...VALID, source: "manual" }, problem: "source is neither automated nor fresh" },
        { what: "a negative window", settings: { ...VALID, maintenanceWindowMinutes: -1 }, problem: "maintenanceWindowMinutes is not a whole number of minutes" },
        { what: "a recheck interval as text", settings: { ...VALID, copyRecheckMinutes: "10" }, problem: "copyRecheckMinutes is not a whole number of minutes, at least 1" },
        { what: "a recheck interval of 0, which would check again at once", settings: { ...VALID, copyRecheckMinutes: 0 }, problem: "copyRecheckMinutes is not a whole number of minutes, at least 1" },
        { what: "21 target accounts, more than AWS shares a snapshot with", settings: { ...VALID, targetAccountIds: Array.from({ length: 21 }, (_, index) => String(100000000000 + index)) }, problem: "targetAccountIds is not a list of 1 to 20 distinct account ids" },
        { what: "a target account listed twice", settings: { ...VALID, targetAccountIds: ["222222222222", "222222222222"] }, problem: "targetAccountIds is not a list of 1 to 20 distinct account ids" },
        { what: "a cluster listed twice", settings: { ...VALID, clusters: [VALID.clusters[0], VALID.clusters[0]] }, problem: "clusters is not a list of engines and distinct cluster identifiers" },
        { what: "a missing pauseParameter", settings: withoutField("pauseParameter"), problem: "pauseParameter is missing" },
        { what: "an empty pauseParameter", settings: { ...VALID, pauseParameter: "" }, problem: "pauseParameter is missing" },
        { what: "a missing paused", settings: withoutField("paused"), problem: "paused is not true or false" },
        { what: "paused as text", settings: { ...VALID, paused: "true" }, problem: "paused is not true or false" },
        { what: "an empty cluster identifier", settings: { ...VALID, clusters: [{ engine: "aurora", clusterIdentifier: "" }] }, problem: "clusters is not a list of engines and distinct cluster identifiers" },
    ];
    for (const { what, settings, problem } of cases) {
        it(`refuses ${what}, naming the field`, () => {
            expect(problemWith(environmentWith(settings))).to.equal(`${SETTINGS_ENVIRONMENT_VARIABLE} is not usable (${problem}): redeploy with pulumi up.`);
        });
    }

    it("names every problem at once", () => {
        const message = problemWith(environmentWith({ ...VALID, instanceName: "", keepShared: 0, source: "daily" }));

        expect(message).to.equal(
            `${SETTINGS_ENVIRONMENT_VARIABLE} is not usable (instanceName is missing; keepShared is not a whole number of at least 1; source is neither automated nor fresh): redeploy with pulumi up.`,
        );
    });
});
