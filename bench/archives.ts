import { mocks, SOURCE_ACCOUNT_ID, REGION, ACCOUNT_ID, valueOf } from "../test/components/pulumi-mocks";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createRefreshStarterHandler, createRestoreHandler, createUpdateHandler } from "../handlers/refresh/lambda";
import { createShareHandler } from "../handlers/share/lambda";
import { createFreshnessHandler, createNotifyHandler } from "../handlers/monitoring/lambda";
import {
    ArchiveEntry,
    archiveEntries,
    ArchiveSize,
    FUNCTION_TYPE,
    isSecretOnTheWire,
    measureArchive,
    receiveRawInputs,
    ReceivedInputs,
} from "../test/components/lambda-archive-support";

/**
 * The acceptance side's three functions, production's share function (its starter is the same code as the
 * refresh starter), and the two monitoring functions both sides deploy.
 */
export const FUNCTION_KINDS = ["update", "restore", "starter", "share", "notifier", "freshness"] as const;
export type FunctionKind = (typeof FUNCTION_KINDS)[number];

export interface PackagedFunction {
    entries: ArchiveEntry[];
    size: ArchiveSize;
}

export interface ArchiveComparison {
    /** What the SnapshotRefresh and SnapshotShare components upload (the SDK clients excluded). */
    component: Record<FunctionKind, PackagedFunction>;
    /** A plain CallbackFunction of the same factory with default packaging, as a user who excluded nothing gets. */
    defaultPackaging: Record<FunctionKind, PackagedFunction>;
}

const FACTORIES: Record<FunctionKind, aws.lambda.CallbackFactory<never, unknown>> = {
    update: createUpdateHandler,
    restore: createRestoreHandler,
    starter: createRefreshStarterHandler,
    share: createShareHandler,
    notifier: createNotifyHandler,
    freshness: createFreshnessHandler,
};

/** Each kind's function resource as the components below name it. */
const COMPONENT_RESOURCE_NAMES: Record<FunctionKind, string> = {
    update: "bench-update",
    restore: "bench-restore",
    starter: "bench-starter",
    share: "benchshare-share",
    notifier: "bench-refresh-cycle-notifier",
    freshness: "bench-refresh-cycle-freshness",
};

/**
 * Builds both archives under the shared Pulumi mocks, the way `pulumi up` would: the component's, and a
 * CallbackFunction's without `codePathOptions`. Pulumi reads the project's package.json from the working
 * directory, so run this from the repo root.
 */
export async function buildArchives(): Promise<ArchiveComparison> {
    const received = receiveRawInputs(mocks);
    try {
        const { SnapshotRefresh, SnapshotShare } = await import("../components");
        mocks.reset();
        const refresh = new SnapshotRefresh("bench", {
            sourceAccountId: SOURCE_ACCOUNT_ID,
            pipelineName: "acceptance-main",
            engines: ["aurora", { engine: "documentdb", kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }],
        }, { transformations: [mocks.recordOptions] });
        // Another name: the two components' starters would otherwise share a resource name.
        const share = new SnapshotShare("benchshare", { targetAccountIds: [SOURCE_ACCOUNT_ID], clusters: { aurora: ["orders"], documentdb: ["catalog"] } });
        await Promise.all([refresh.scheduleName, refresh.stateMachineArn, share.scheduleName, share.stateMachineArn].map(valueOf));

        const plain = FUNCTION_KINDS.map((kind) => new aws.lambda.CallbackFunction(`default-packaging-${kind}`, {
            callbackFactory: FACTORIES[kind],
            runtime: aws.lambda.Runtime.NodeJS22dX,
            // A role ARN, so that CallbackFunction creates no role of its own: only the archive matters here.
            role: `arn:aws:iam::${ACCOUNT_ID}:role/bench`,
        }));
        await Promise.all(plain.map((lambda) => valueOf(lambda.arn)));
        await mocks.settle();

        const packaged = async (resourceName: string): Promise<PackagedFunction> => {
            const entries = await archiveEntries(archiveOf(received, resourceName));
            return { entries, size: measureArchive(entries) };
        };
        const component = {} as Record<FunctionKind, PackagedFunction>;
        const defaultPackaging = {} as Record<FunctionKind, PackagedFunction>;
        for (const kind of FUNCTION_KINDS) {
            component[kind] = await packaged(COMPONENT_RESOURCE_NAMES[kind]);
            defaultPackaging[kind] = await packaged(`default-packaging-${kind}`);
        }
        return { component, defaultPackaging };
    } finally {
        received.restore();
    }
}

function archiveOf(received: ReceivedInputs, resourceName: string): pulumi.asset.Archive {
    const code = received.find(FUNCTION_TYPE, resourceName).inputs.code;
    const archive = isSecretOnTheWire(code) ? (code as { value: unknown }).value : code;
    if (!(archive instanceof pulumi.asset.Archive)) throw new Error(`${resourceName}'s code is not an archive`);
    return archive;
}
