import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { mkdirSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { createRestoreHandler, createUpdateHandler } from "../../handlers/lambda";
import { describeHandlerScenarios, Handler } from "../handlers/lambda-scenarios";

/** Inside the project's node_modules, so the serialized code's `require("@aws-sdk/...")` resolves as in Lambda. */
const SERIALIZED_DIRECTORY = join(__dirname, "..", "..", "node_modules", ".cache", "snapshot-refresh-tests");

interface SerializedHandler {
    text: string;
    handler: Handler;
}

/** Serializes a handler factory with the options `aws.lambda.CallbackFunction` uses, and loads the result. */
async function serialize(label: string, factory: () => Handler): Promise<SerializedHandler> {
    const { text } = await pulumi.runtime.serializeFunction(factory, {
        serialize: () => true,
        exportName: "handler",
        isFactoryFunction: true,
        allowSecrets: true,
    });
    mkdirSync(SERIALIZED_DIRECTORY, { recursive: true });
    const file = join(SERIALIZED_DIRECTORY, `${label}-${process.pid}.js`);
    writeFileSync(file, text);
    return { text, handler: (require(file) as { handler: Handler }).handler };
}

function requiredModules(text: string): string[] {
    return [...text.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
}

describe("handlers as Pulumi serializes them for upload", function () {
    this.timeout(30_000);
    const serialized: Partial<Record<"update" | "restore", SerializedHandler>> = {};
    before(async () => {
        serialized.update = await serialize("update", createUpdateHandler);
        serialized.restore = await serialize("restore", createRestoreHandler);
    });

    for (const kind of ["update", "restore"] as const) {
        it(`${kind}: requires nothing but the runtime's AWS SDK v3 clients and Node built-ins`, () => {
            const modules = requiredModules(serialized[kind]!.text);
            expect(modules).to.not.be.empty;
            for (const module of modules) {
                const isSdkClient = /^@aws-sdk\/client-(rds|docdb|ssm|codepipeline)(\/|$)/.test(module);
                const isBuiltin = builtinModules.includes(module.replace(/^node:/, ""));
                expect(isSdkClient || isBuiltin, module).to.equal(true);
            }
            expect(serialized[kind]!.text).to.not.contain("@pulumi");
        });
    }

    describeHandlerScenarios({ update: () => serialized.update!.handler, restore: () => serialized.restore!.handler });
});
