/** The database engines snapshot-refresh can refresh. */
export type EngineName = "aurora" | "documentdb";

export const ENGINE_NAMES: readonly EngineName[] = ["aurora", "documentdb"];

/**
 * The `Engine` values each engine's cluster snapshots carry. The RDS endpoint serves Aurora and DocumentDB
 * snapshots alike and DocumentDB ignores `Filters`, so every listing is filtered on these client-side.
 */
export const SNAPSHOT_ENGINE_VALUES: Readonly<Record<EngineName, readonly string[]>> = {
    aurora: ["aurora-mysql", "aurora-postgresql", "aurora"],
    documentdb: ["docdb"],
};

/** DocumentDB cannot restore from a shared snapshot; Aurora can. */
export const COPIES_BY_DEFAULT: Readonly<Record<EngineName, boolean>> = {
    aurora: false,
    documentdb: true,
};

export function isEngineName(value: unknown): value is EngineName {
    return typeof value === "string" && (ENGINE_NAMES as readonly string[]).includes(value);
}
