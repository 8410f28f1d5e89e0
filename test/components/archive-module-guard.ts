import Module, { isBuiltin } from "node:module";
import { realpathSync } from "node:fs";
import { sep } from "node:path";
import type { RuntimeModulesLocation } from "./lambda-archive-child-input";

/** The loader hook Node resolves every `require` through; not part of its typed API. */
interface ModuleLoaderInternals {
    _resolveFilename(request: string, parent: NodeJS.Module | undefined, isMain: boolean, options?: object): string;
}

/** One `require` made by code that came from an archive, or by a module such code loaded. */
export interface ArchiveResolution {
    request: string;
    /** The requiring module's file. */
    from: string;
    /** The file Node chose (its real path), or the built-in's name. */
    resolved: string;
}

export interface ArchiveModuleGuard {
    /** Every resolution on behalf of archive code, in order. */
    readonly resolutions: ArchiveResolution[];
    /** Resolutions that reached outside the archive, the runtime directory and Node's built-ins. */
    readonly violations: string[];
}

/**
 * Watches what archive code loads. In Lambda an archive can only reach its own files, the runtime's
 * node_modules and Node's built-ins; this process also holds the test harness (mocha, chai, the repo's
 * sources), so it must tell the archive's requires apart from the harness's. A module is on the archive's side
 * when an archive file, or a module already on its side, asked for it.
 */
export function guardArchiveResolution(archiveDirectories: readonly string[], runtime: RuntimeModulesLocation): ArchiveModuleGuard {
    const archives = archiveDirectories.map((directory) => withSeparator(realpathSync(directory)));
    const runtimeDirectory = withSeparator(runtime.directory);
    const runtimeRoots = [runtimeDirectory, ...runtime.packageDirectories.map(withSeparator)];
    const archiveSide = new Set<string>();
    const resolutions: ArchiveResolution[] = [];
    const violations: string[] = [];

    const loader = Module as unknown as ModuleLoaderInternals;
    const originalResolve = loader._resolveFilename;
    loader._resolveFilename = function (request, parent, isMain, options) {
        const resolved = originalResolve.call(this, request, parent, isMain, options);
        const from = parent?.filename;
        if (from === undefined || !(isInside(from, archives) || archiveSide.has(from))) return resolved;
        resolutions.push({ request, from, resolved });
        const problem = problemWith(request, from, resolved);
        if (problem !== undefined) {
            violations.push(`${from} required ${request}: ${problem}`);
        } else if (!isBuiltin(resolved)) {
            archiveSide.add(resolved);
        }
        return resolved;
    };

    function problemWith(request: string, from: string, resolved: string): string | undefined {
        if (isBuiltin(resolved)) return undefined;
        const ownArchive = archives.find((archive) => from.startsWith(archive));
        if (ownArchive !== undefined) {
            if (resolved.startsWith(ownArchive)) return undefined;
            if (isRelative(request)) return `resolved to ${resolved}, outside its archive`;
            // A package name from archive code must be found through the runtime directory, not by accident
            // somewhere up the temporary directory's tree or in a global folder.
            const packageRoot = runtimePackageRoot(request);
            if (packageRoot === undefined) return `${packageOf(request)} is neither in the archive nor in the runtime directory`;
            if (!resolved.startsWith(packageRoot) && !resolved.startsWith(withSeparator(runtimeDirectory + packageOf(request)))) {
                return `resolved to ${resolved}, not to the runtime directory's ${packageOf(request)}`;
            }
            return undefined;
        }
        // A module of the runtime's packages may load other runtime packages, nothing else.
        return isInside(resolved, runtimeRoots) ? undefined : `resolved to ${resolved}, outside the runtime's packages`;
    }

    function runtimePackageRoot(request: string): string | undefined {
        try {
            return withSeparator(realpathSync(runtimeDirectory + packageOf(request)));
        } catch {
            return undefined;
        }
    }

    // Stays installed for the life of the process: the handlers keep loading SDK modules lazily while they run.
    return { resolutions, violations };
}

/** `@scope/name` or `name` of a bare module request. */
export function packageOf(request: string): string {
    const parts = request.split("/");
    return request.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function isRelative(request: string): boolean {
    return request.startsWith("./") || request.startsWith("../") || request.startsWith("/") || request === "." || request === "..";
}

function isInside(file: string, roots: readonly string[]): boolean {
    return roots.some((root) => file.startsWith(root));
}

function withSeparator(directory: string): string {
    return directory.endsWith(sep) ? directory : `${directory}${sep}`;
}

