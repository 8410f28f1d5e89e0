import * as pulumi from "@pulumi/pulumi";
import { statSync } from "node:fs";
import { PlanEnvironment, PlanMocks, RegisteredResource } from "./plan-mocks";
import { Project } from "./plan-project";
import { watchUnhandledRejections } from "./plan-rejections";
import { StackFile, StackFileError } from "./stack-file";

/** A resource of the plan, with where the program put it. */
export interface PlannedResource extends RegisteredResource {
    /** `<type>::<name>`: unique within a stack. */
    key: string;
    /** The key of the component it was created in; undefined at the stack's root. */
    parent?: string;
    /** Properties `pulumi up` leaves as they are once the resource exists. */
    ignoreChanges: string[];
}

/** What the program registered for one stack. */
export interface StackRun {
    file: StackFile;
    environment: PlanEnvironment;
    resources: PlannedResource[];
    /** The stack outputs, resolved. */
    outputs: Record<string, unknown>;
}

/** A function's code as the plan shows it, in place of the archive object: each file and its size in bytes, where known. */
export interface ArchiveFiles {
    archiveFiles: Record<string, number | undefined>;
}

/** Turns of the event loop without a new resource after which the program is taken to have registered everything. */
const SETTLED_TURNS = 5;
const TURN_MS = 10;

/**
 * Runs the project's program for a stack file the way `pulumi up` does (its config set, under the stack's root
 * resource), with the Pulumi engine and AWS mocked, and records what it registers. Throws what the program
 * throws (a ConfigError for bad config) once the run has settled, the outputs it left waiting forgotten.
 * Pulumi's runtime is process-wide: runs happen one at a time, and each replaces the previous run's mocks and config.
 */
export async function runStack(project: Project, file: StackFile, environment: PlanEnvironment): Promise<StackRun> {
    const program = loadProgram(project);
    const mocks = new PlanMocks(environment);
    const placement = new Map<string, { parent?: string; ignoreChanges: string[] }>();
    const keys = new WeakMap<pulumi.Resource, string>();
    await pulumi.runtime.setMocks(mocks, project.name, file.stack.split("/").pop(), false);
    pulumi.runtime.setAllConfig(file.config);
    const rejections = watchUnhandledRejections();
    try {
        const outputs = await Promise.race([
            pulumi.runtime.runInPulumiStack(async () => {
                pulumi.runtime.registerStackTransformation(({ resource, type, name, opts }) => {
                    const key = `${type}::${name}`;
                    keys.set(resource, key);
                    placement.set(key, { parent: opts.parent && keys.get(opts.parent), ignoreChanges: opts.ignoreChanges ?? [] });
                    return undefined;
                });
                return program();
            }),
            rejections.first,
        ]);
        await settle(mocks);
        if (rejections.all.length > 0) throw rejections.all[0];
        const resources = await Promise.all(mocks.resources.filter((resource) => resource.type !== "pulumi:pulumi:Stack").map(async (resource) => {
            const key = `${resource.type}::${resource.name}`;
            return { ...resource, inputs: await withArchivesListed(resource.inputs), key, ignoreChanges: [], ...placement.get(key) };
        }));
        return { file, environment, resources, outputs: outputs ?? {} };
    } catch (error) {
        await settle(mocks);
        rejections.failed(error);
        forgetAbandonedOutputs();
        throw error;
    } finally {
        rejections.stop();
        leaveStack();
    }
}

/** Archives hold their files behind promises: listed once, so that rendering stays synchronous. */
async function withArchivesListed(inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const entries = await Promise.all(Object.entries(inputs).map(async ([key, value]): Promise<[string, unknown]> =>
        [key, pulumi.asset.Archive.isInstance(value) ? await archiveFiles(value) : value]));
    return Object.fromEntries(entries);
}

async function archiveFiles(archive: pulumi.asset.Archive): Promise<ArchiveFiles> {
    const assets = archive instanceof pulumi.asset.AssetArchive ? await archive.assets : {};
    const sizes = await Promise.all(Object.entries(assets).map(async ([file, asset]): Promise<[string, number | undefined]> => {
        if (asset instanceof pulumi.asset.StringAsset) return [file, Buffer.byteLength(await asset.text)];
        if (asset instanceof pulumi.asset.FileAsset) return [file, statSync(await asset.path).size];
        return [file, undefined];
    }));
    return { archiveFiles: Object.fromEntries(sizes) };
}

function loadProgram(project: Project): () => unknown {
    const loaded = require(project.programPath) as unknown;
    const program = typeof loaded === "function" ? loaded : (loaded as { default?: unknown } | undefined)?.default;
    if (typeof program !== "function") {
        throw new StackFileError(`${project.programPath} does not export a function: the plan runs the program once per stack, so it must export the function that builds the stack.`);
    }
    return program as () => unknown;
}

/**
 * Resources created in applies register after the stack's outputs are known: the run is over once no resource has
 * come for a few turns of the event loop.
 */
async function settle(mocks: PlanMocks): Promise<void> {
    let stableTurns = 0;
    let count = -1;
    while (stableTurns < SETTLED_TURNS) {
        await new Promise((resolve) => setTimeout(resolve, TURN_MS));
        stableTurns = mocks.resources.length === count ? stableTurns + 1 : 0;
        count = mocks.resources.length;
    }
}

/**
 * Resources created without a parent default to the stack being run, and take its transformations: once the run
 * is over, later code in the same process (a test, another plan) must not land in it. Its own bookkeeping, not in
 * its typings, forgets it.
 */
function leaveStack(): void {
    const state = require("@pulumi/pulumi/runtime/state") as { setStackResource(stack: undefined): void };
    state.setStackResource(undefined);
}

/**
 * A run that failed part-way leaves the outputs that waited on the failure pending; at exit the runtime would
 * report them as leaked promises. Its own bookkeeping, not in its typings, forgets them.
 */
function forgetAbandonedOutputs(): void {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises(): unknown };
    debuggable.leakedPromises();
}
