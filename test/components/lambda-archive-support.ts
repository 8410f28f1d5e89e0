import * as pulumi from "@pulumi/pulumi";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { zipSync } from "fflate";
import type { RuntimeModulesLocation } from "./lambda-archive-child-input";
// A type only: importing the mocks module would install them.
import type { RecordingMocks } from "./pulumi-mocks";

export const REPO_ROOT = resolve(__dirname, "..", "..");

/** The AWS SDK v3 clients the handlers import; the nodejs22.x runtime provides them and all they depend on. */
export const RUNTIME_PROVIDED_CLIENTS = [
    "@aws-sdk/client-rds",
    "@aws-sdk/client-docdb",
    "@aws-sdk/client-ssm",
    "@aws-sdk/client-codepipeline",
    "@aws-sdk/client-sfn",
    "@aws-sdk/client-sns",
    "@aws-sdk/client-cloudwatch",
] as const;

export const FUNCTION_TYPE = "aws:lambda/function:Function";
export const PARAMETER_TYPE = "aws:ssm/parameter:Parameter";

// ---------------------------------------------------------------------------------------------------------------
// What the mocked engine receives

/** A resource as the mocked engine received it, before the shared mocks unwrap its secrets. */
export interface ReceivedResource {
    type: string;
    name: string;
    /** Raw inputs: a secret is still in its wire form, and `code` is still an AssetArchive with its assets. */
    inputs: Record<string, unknown>;
}

export interface ReceivedInputs {
    /** Every resource registered since the last `clear()`, in order. */
    readonly resources: ReceivedResource[];
    /** The one resource of this type and logical name (a function and its schedule share a name). */
    find(type: string, name: string): ReceivedResource;
    clear(): void;
    /** Gives the shared mocks their own `newResource` back. */
    restore(): void;
}

/**
 * The shared mocks record inputs with secrets unwrapped, and that unwrapping turns an AssetArchive's `assets`
 * promise into `{}`: the archive and its secret flag are only visible on the way in, so look there.
 */
export function receiveRawInputs(mocks: RecordingMocks): ReceivedInputs {
    const resources: ReceivedResource[] = [];
    const recordingNewResource = mocks.newResource;
    mocks.newResource = (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return recordingNewResource.call(mocks, args);
    };
    return {
        resources,
        find(type, name) {
            const found = resources.filter((resource) => resource.type === type && resource.name === name);
            if (found.length !== 1) throw new Error(`${found.length} resources ${type} ${name} reached the engine`);
            return found[0];
        },
        clear: () => {
            resources.length = 0;
        },
        restore: () => {
            mocks.newResource = recordingNewResource;
        },
    };
}

/** Pulumi's wire form of a secret, as the mocked engine sees it. */
const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretOnTheWire(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE;
}

// ---------------------------------------------------------------------------------------------------------------
// Archive contents

/** One file of a function's archive: its path in the zip (and in /var/task) and where its bytes come from. */
export interface ArchiveEntry {
    path: string;
    source: { text: string } | { file: string };
}

/**
 * Every file of an archive, in the order the AssetArchive lists them: a StringAsset's text, a FileAsset's file,
 * and each file under a FileArchive's directory (node_modules folders come in that way).
 */
export async function archiveEntries(archive: pulumi.asset.Archive, prefix = ""): Promise<ArchiveEntry[]> {
    if (archive instanceof pulumi.asset.AssetArchive) {
        const entries: ArchiveEntry[] = [];
        for (const [name, member] of Object.entries(await archive.assets)) {
            const path = joinArchivePath(prefix, name);
            if (member instanceof pulumi.asset.StringAsset) {
                entries.push({ path, source: { text: await member.text } });
            } else if (member instanceof pulumi.asset.FileAsset) {
                entries.push({ path, source: { file: resolve(await member.path) } });
            } else if (member instanceof pulumi.asset.Archive) {
                entries.push(...(await archiveEntries(member, path)));
            } else {
                throw new Error(`archive member ${path} is a ${member.constructor.name}, which this test cannot read`);
            }
        }
        return entries;
    }
    if (archive instanceof pulumi.asset.FileArchive) {
        const root = resolve(await archive.path);
        if (!statSync(root).isDirectory()) throw new Error(`${root}: a zip or tar FileArchive is not expected here`);
        return filesUnder(root).map((file) => ({ path: joinArchivePath(prefix, relative(root, file).split(sep).join("/")), source: { file } }));
    }
    throw new Error(`cannot read a ${archive.constructor.name}`);
}

function joinArchivePath(prefix: string, name: string): string {
    const normalized = name.split(sep).join("/").replace(/^\.\//, "");
    return prefix === "" ? normalized : `${prefix}/${normalized}`;
}

/** Regular files below a directory, symlinked files as the files they point to; symlinked directories are not followed. */
function filesUnder(directory: string): string[] {
    const files: string[] = [];
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) {
            files.push(...filesUnder(path));
        } else if (entry.isFile() || (entry.isSymbolicLink() && existsSync(path) && statSync(path).isFile())) {
            files.push(path);
        }
    }
    return files;
}

export function entryBytes(entry: ArchiveEntry): Buffer {
    return "text" in entry.source ? Buffer.from(entry.source.text, "utf8") : readFileSync(entry.source.file);
}

/** The archive's text file, e.g. `__index.js`; fails when it is missing or comes from disk. */
export function entryText(entries: readonly ArchiveEntry[], path: string): string {
    const entry = entries.find((candidate) => candidate.path === path);
    if (entry === undefined) throw new Error(`no ${path} in the archive (${entries.map((candidate) => candidate.path).join(", ")})`);
    return entryBytes(entry).toString("utf8");
}

/** Writes the archive out as Lambda unpacks it into /var/task. */
export function writeArchive(entries: readonly ArchiveEntry[], directory: string): void {
    for (const entry of entries) {
        const target = join(directory, ...entry.path.split("/"));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, entryBytes(entry));
    }
}

export interface ArchiveSize {
    files: number;
    /** The files' bytes as /var/task holds them. */
    unzippedBytes: number;
    /** The bytes of a zip file holding them: what Lambda's 50 MB direct-upload limit counts. */
    zippedBytes: number;
}

/**
 * Builds the zip in memory and measures it: each file deflated at zlib's default level 6 (as Go's archive/zip
 * in the Pulumi engine does), with a fixed timestamp, so the figure is the same on every machine.
 */
export function measureArchive(entries: readonly ArchiveEntry[]): ArchiveSize {
    return {
        files: entries.length,
        unzippedBytes: entries.reduce((total, entry) => total + entrySize(entry), 0),
        zippedBytes: zipArchive(entries).length,
    };
}

function entrySize(entry: ArchiveEntry): number {
    return "text" in entry.source ? Buffer.byteLength(entry.source.text, "utf8") : statSync(entry.source.file).size;
}

/** 1980-01-01, the earliest time a zip can hold. */
const ZIP_TIME = new Date(1980, 0, 1);

function zipArchive(entries: readonly ArchiveEntry[]): Uint8Array {
    return zipSync(Object.fromEntries(entries.map((entry) => [entry.path, [new Uint8Array(entryBytes(entry)), { level: 6, mtime: ZIP_TIME }]])));
}

// ---------------------------------------------------------------------------------------------------------------
// The serialized module

/** Every module name a serialized text passes to `require`. */
export function requiredModules(text: string): string[] {
    return [...new Set([...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]))];
}

export function isNodeBuiltin(request: string): boolean {
    return isBuiltin(request);
}

// ---------------------------------------------------------------------------------------------------------------
// The runtime's node_modules

export interface RuntimeModules extends RuntimeModulesLocation {
    /** Every package of the closure, by name. */
    packageNames: string[];
}

interface PackageManifest {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
}

export interface RuntimeClosure {
    /** Package name -> the real directory the runtime directory links it to (the hoisted copy where there is one). */
    linked: Map<string, string>;
    /** The real directory of every package of the closure, nested versions included. */
    packageDirectories: string[];
}

/**
 * The packages the nodejs22.x runtime provides for the handlers: the AWS SDK v3 clients and everything their
 * package.json files depend on, found as Node would find them from each dependent's real directory.
 */
export function runtimeClosure(roots: readonly string[] = RUNTIME_PROVIDED_CLIENTS): RuntimeClosure {
    const realDirectories = new Set<string>();
    const linked = new Map<string, string>();
    const pending = roots.map((name) => ({ name, from: REPO_ROOT, optional: false }));
    while (pending.length > 0) {
        const { name, from, optional } = pending.shift()!;
        const found = findPackage(name, from);
        if (found === undefined) {
            if (optional) continue;
            throw new Error(`${name}, needed from ${from}, is not installed`);
        }
        if (realDirectories.has(found)) continue;
        realDirectories.add(found);
        // The hoisted copy is the one the runtime directory shows; nested versions stay reachable through their
        // dependents' real paths.
        if (!linked.has(name)) linked.set(name, findPackage(name, REPO_ROOT) ?? found);
        const manifest = JSON.parse(readFileSync(join(found, "package.json"), "utf8")) as PackageManifest;
        for (const dependency of Object.keys(manifest.dependencies ?? {})) pending.push({ name: dependency, from: found, optional: false });
        for (const dependency of Object.keys(manifest.optionalDependencies ?? {})) pending.push({ name: dependency, from: found, optional: true });
    }
    return { linked, packageDirectories: [...realDirectories] };
}

/**
 * Stands in for /var/runtime/node_modules of the nodejs22.x runtime: a directory of symlinks to the repo's
 * copies of the {@link runtimeClosure}. Node resolves a symlink to its real path, so a module loaded through
 * this directory is the very module the harness loads from the repo, and aws-sdk-client-mock stubs the classes
 * the archive uses.
 */
export function buildRuntimeModules(directory: string, closure: RuntimeClosure = runtimeClosure()): RuntimeModules {
    for (const [name, target] of closure.linked) {
        const link = join(directory, ...name.split("/"));
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(target, link, "dir");
    }
    return { directory, packageDirectories: closure.packageDirectories, packageNames: [...closure.linked.keys()].sort() };
}

/** Node's node_modules lookup from a directory upwards; the package's real directory. */
function findPackage(name: string, from: string): string | undefined {
    for (let directory = from; ; directory = dirname(directory)) {
        if (!directory.endsWith(`${sep}node_modules`)) {
            const candidate = join(directory, "node_modules", ...name.split("/"));
            if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
        }
        if (dirname(directory) === directory) return undefined;
    }
}

