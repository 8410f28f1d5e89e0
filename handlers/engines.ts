/**
 * Everything snapshot-refresh knows about a database engine, in one table. Validation (the engine names), copy
 * identifiers (`<prefix><engine name>-<source time>-<hash>`), the SDK client a run uses and the defaults all
 * derive from it: supporting another engine is one entry here. An engine's name must keep the longest copy
 * identifier within the 63 characters a cluster snapshot identifier may have (snapshots.test.ts checks it).
 */
export const ENGINES = {
    aurora: {
        /**
         * The `Engine` values its cluster snapshots carry. The RDS endpoint lists every engine's cluster
         * snapshots alike and DocumentDB ignores `Filters`, so every listing is filtered on these client-side.
         */
        snapshotEngineValues: ["aurora-mysql", "aurora-postgresql", "aurora"],
        /** Whether it restores from a copy in this account unless configured otherwise. */
        copiesByDefault: false,
        /** The SDK client whose cluster snapshot commands copy and delete its snapshots. */
        client: "rds",
    },
    documentdb: {
        snapshotEngineValues: ["docdb"],
        // A copy keeps the data when production deletes its snapshot and re-encrypts it under a key of this
        // account; restoring directly from the shared snapshot is allowed too (copy: false).
        copiesByDefault: true,
        client: "docdb",
    },
} as const satisfies Record<string, EngineTraits>;

export interface EngineTraits {
    snapshotEngineValues: readonly string[];
    copiesByDefault: boolean;
    client: SnapshotClientKind;
}

/** The SDK clients that serve cluster snapshots; both reach the same RDS control plane. */
export type SnapshotClientKind = "rds" | "docdb";

/** The database engines snapshot-refresh can refresh. */
export type EngineName = keyof typeof ENGINES;

export const ENGINE_NAMES = Object.keys(ENGINES) as EngineName[];

export function isEngineName(value: unknown): value is EngineName {
    return typeof value === "string" && (ENGINE_NAMES as readonly string[]).includes(value);
}

/** Whether a snapshot's `Engine` value belongs to the engine. */
export function isSnapshotOfEngine(engine: EngineName, snapshotEngineValue: string): boolean {
    return (ENGINES[engine].snapshotEngineValues as readonly string[]).includes(snapshotEngineValue);
}
