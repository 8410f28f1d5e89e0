/**
 * The advice a failure message gives comes from one table: every error a cycle can end with has an entry, and
 * the README's troubleshooting table says the same words.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isRefreshErrorName } from "../../handlers/errors";
import { ERROR_GUIDE, guideFor } from "../../handlers/troubleshooting";

const ROOT = join(__dirname, "..", "..");
const HANDLERS = join(ROOT, "handlers");

/** The errors Step Functions and Lambda end an execution with themselves. */
const PLATFORM_ERRORS = ["States.Timeout", "States.TaskFailed", "States.Runtime", "Sandbox.Timedout", "Aborted"];

/** REFRESH_ERROR_NAMES as handlers/errors.ts declares it: the names `refreshError` accepts. */
function declaredErrorNames(): string[] {
    const source = readFileSync(join(HANDLERS, "errors.ts"), "utf8");
    const declaration = /const REFRESH_ERROR_NAMES = \[([^\]]*)\] as const;/.exec(source);
    if (declaration === null) throw new Error("handlers/errors.ts no longer declares REFRESH_ERROR_NAMES as a list of names");
    return [...declaration[1].matchAll(/"([A-Za-z]+)"/g)].map((match) => match[1]);
}

function handlerSources(directory = HANDLERS): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) return handlerSources(path);
        return entry.name.endsWith(".ts") ? [readFileSync(path, "utf8")] : [];
    });
}

describe("the troubleshooting guide", () => {
    it("has an entry, with what changed and what to do, for every error name the handlers can raise", () => {
        const declared = declaredErrorNames();
        expect(declared.length, "the declaration was read").to.be.greaterThan(10);
        for (const name of declared) {
            expect(isRefreshErrorName(name), name).to.equal(true);
            expect(ERROR_GUIDE, name).to.have.property(name);
            const guide = guideFor(name);
            expect(guide.changed, name).to.match(/\S.*\.$/);
            expect(guide.action, name).to.match(/\S.*\.$/);
        }
        // The names the handlers spell out in their calls are among those declared.
        const raised = new Set(handlerSources().flatMap((source) => [...source.matchAll(/refreshError\(\s*"([A-Za-z]+)"/g)].map((match) => match[1])));
        expect(raised.size, "the handlers' calls were read").to.be.greaterThan(0);
        expect([...raised].filter((name) => !declared.includes(name))).to.deep.equal([]);
    });

    it("has an entry for each error Step Functions and Lambda end a cycle with, and for nothing else", () => {
        expect(Object.keys(ERROR_GUIDE).sort()).to.deep.equal([...declaredErrorNames(), ...PLATFORM_ERRORS].sort());
    });

    it("gives the general advice for an error it does not know, or none at all", () => {
        for (const name of ["Lambda.Unknown", "Error", undefined, "toString", "constructor"]) {
            expect(guideFor(name), String(name)).to.equal(ERROR_GUIDE["States.TaskFailed"]);
        }
    });

    it("says in the README exactly what the messages say", () => {
        const readme = readFileSync(join(ROOT, "README.md"), "utf8");
        for (const [name, guide] of Object.entries(ERROR_GUIDE)) {
            expect(readme, name).to.contain(`| \`${name}\` | ${guide.changed} | ${guide.action} |`);
        }
    });
});
