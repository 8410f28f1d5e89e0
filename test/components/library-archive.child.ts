/**
 * Runs in a consumer project (its working directory): builds a SnapshotRefresh imported from
 * node_modules/snapshot-refresh under mocks, and writes each function's archive to OUT_DIR/<kind>. Prints the
 * archives' file lists as JSON on its last line.
 */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { archiveEntries, FUNCTION_TYPE, writeArchive } from "./lambda-archive-support";

const consumerDirectory = process.cwd();
const outDirectory = process.env.OUT_DIR!;
const archives: { name: string; code: pulumi.asset.Archive }[] = [];

pulumi.runtime.setMocks({
    newResource(args) {
        if (args.type === FUNCTION_TYPE) archives.push({ name: args.name, code: args.inputs.code as pulumi.asset.Archive });
        const name = typeof args.inputs.name === "string" ? args.inputs.name : `${args.name}-1a2b3c4`;
        return { id: `${args.name}-id`, state: { ...args.inputs, name, arn: `arn:aws:mock:eu-west-1:111111111111:${args.type}/${name}` } };
    },
    call() {
        return { accountId: "111111111111", region: "eu-west-1", name: "eu-west-1", partition: "aws" };
    },
}, "consumer", "dev", false);

async function main(): Promise<void> {
    // The package as another project installs it, not this repository's sources.
    const { SnapshotRefresh } = require(join(consumerDirectory, "node_modules", "snapshot-refresh")) as typeof import("../../components");
    new SnapshotRefresh("library", { sourceAccountId: "222222222222", pipelineName: "consumer-main", engines: ["aurora", "documentdb"] });
    // The update, the restore, the starter, the notifier and the freshness function.
    while (archives.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const files: Record<string, string[]> = {};
    for (const { name, code } of archives) {
        const entries = await archiveEntries(code);
        writeArchive(entries, join(outDirectory, name));
        files[name] = entries.map((entry) => entry.path);
    }
    console.log(JSON.stringify(files));
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
