import { expect } from "chai";
import { ENGINE_NAMES } from "../../handlers/engines";
import {
    ClusterSnapshot,
    copiesToDelete,
    copyIdentifier,
    isNewer,
    isUsableShared,
    OwnCopy,
    parseCopyIdentifier,
    SharedSnapshotFilter,
} from "../../handlers/snapshots";
import { COPY_PREFIX, SOURCE_ACCOUNT, snapshotArn, STRANGER_ACCOUNT, TARGET_ACCOUNT } from "./support";

function shared(overrides: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
    const arn = snapshotArn(SOURCE_ACCOUNT, "orders-2024-05-01");
    return {
        identifier: arn,
        arn,
        clusterIdentifier: "orders",
        engine: "aurora-postgresql",
        status: "available",
        createdAt: new Date("2024-05-01T03:00:00Z"),
        encrypted: false,
        ...overrides,
    };
}

const AURORA_FROM_SOURCE: SharedSnapshotFilter = { engine: "aurora", sourceAccountId: SOURCE_ACCOUNT, sourceClusters: [] };

describe("isUsableShared", () => {
    it("accepts a finished snapshot of the engine from the source account", () => {
        expect(isUsableShared(shared(), AURORA_FROM_SOURCE)).to.equal(true);
    });

    it("accepts every Aurora engine value for aurora and only docdb for documentdb", () => {
        expect(isUsableShared(shared({ engine: "aurora-mysql" }), AURORA_FROM_SOURCE)).to.equal(true);
        expect(isUsableShared(shared({ engine: "docdb" }), AURORA_FROM_SOURCE)).to.equal(false);
        const documentDb = { ...AURORA_FROM_SOURCE, engine: "documentdb" as const };
        expect(isUsableShared(shared({ engine: "docdb" }), documentDb)).to.equal(true);
        expect(isUsableShared(shared({ engine: "aurora-postgresql" }), documentDb)).to.equal(false);
    });

    it("rejects a snapshot another account shares, and anything that is not an ARN", () => {
        const strangers = snapshotArn(STRANGER_ACCOUNT, "orders-2024-05-01");
        expect(isUsableShared(shared({ arn: strangers, identifier: strangers }), AURORA_FROM_SOURCE)).to.equal(false);
        expect(isUsableShared(shared({ arn: "orders-2024-05-01" }), AURORA_FROM_SOURCE)).to.equal(false);
    });

    it("keeps to the followed clusters when some are configured", () => {
        const ordersOnly = { ...AURORA_FROM_SOURCE, sourceClusters: ["orders"] };
        expect(isUsableShared(shared({ clusterIdentifier: "orders" }), ordersOnly)).to.equal(true);
        expect(isUsableShared(shared({ clusterIdentifier: "billing" }), ordersOnly)).to.equal(false);
        expect(isUsableShared(shared({ clusterIdentifier: undefined }), ordersOnly)).to.equal(false);
    });

    it("rejects snapshots that are not available yet or never will be", () => {
        for (const status of ["creating", "copying", "pending", "failed", "incompatible-restore", "deleting"]) {
            expect(isUsableShared(shared({ status }), AURORA_FROM_SOURCE), status).to.equal(false);
        }
    });

    it("rejects an available snapshot without a creation time", () => {
        expect(isUsableShared(shared({ createdAt: undefined }), AURORA_FROM_SOURCE)).to.equal(false);
    });
});

describe("isNewer", () => {
    const older = shared({ createdAt: new Date("2024-05-01T03:00:00Z"), arn: snapshotArn(SOURCE_ACCOUNT, "zzz") });
    const newer = shared({ createdAt: new Date("2024-05-02T03:00:00Z"), arn: snapshotArn(SOURCE_ACCOUNT, "aaa") });

    it("prefers the later creation time, whatever the names say", () => {
        expect(isNewer(newer, older)).to.equal(true);
        expect(isNewer(older, newer)).to.equal(false);
    });

    it("takes anything over nothing", () => {
        expect(isNewer(older, undefined)).to.equal(true);
    });

    it("breaks a tie by ARN, so the choice does not depend on list order", () => {
        const a = shared({ arn: snapshotArn(SOURCE_ACCOUNT, "orders-a") });
        const b = shared({ arn: snapshotArn(SOURCE_ACCOUNT, "orders-b") });
        expect(isNewer(b, a)).to.equal(true);
        expect(isNewer(a, b)).to.equal(false);
        expect(isNewer(a, a)).to.equal(false);
    });
});

describe("copyIdentifier and parseCopyIdentifier", () => {
    const source = shared({ createdAt: new Date("2024-05-01T03:04:05.678Z") });

    it("names the engine and the source's creation time to the second", () => {
        expect(copyIdentifier(COPY_PREFIX, "documentdb", source)).to.match(/^snapshot-refresh-documentdb-20240501t030405-[0-9a-f]{8}$/);
    });

    it("reads back the engine and the source's creation time", () => {
        const identifier = copyIdentifier(COPY_PREFIX, "aurora", source);
        expect(parseCopyIdentifier(COPY_PREFIX, identifier)).to.deep.equal({
            engine: "aurora",
            sourceCreatedAt: new Date("2024-05-01T03:04:05Z"),
        });
    });

    it("is lowercase, as RDS stores identifiers", () => {
        const identifier = copyIdentifier(COPY_PREFIX, "documentdb", source);
        expect(identifier).to.equal(identifier.toLowerCase());
    });

    it("fits 63 characters with the longest prefix allowed, for every engine of the table", () => {
        const longestPrefix = "abcdefghijklmnopqrstuvw-";
        expect(longestPrefix).to.have.length(24);
        for (const engine of ENGINE_NAMES) {
            const identifier = copyIdentifier(longestPrefix, engine, source);
            expect(identifier.length, engine).to.be.at.most(63);
            expect(parseCopyIdentifier(longestPrefix, identifier)?.engine).to.equal(engine);
        }
    });

    it("is the same for the same source and differs for a different source of the same second", () => {
        const twin = shared({ createdAt: source.createdAt, arn: snapshotArn(SOURCE_ACCOUNT, "orders-twin") });
        expect(copyIdentifier(COPY_PREFIX, "documentdb", source)).to.equal(copyIdentifier(COPY_PREFIX, "documentdb", { ...source }));
        expect(copyIdentifier(COPY_PREFIX, "documentdb", twin)).not.to.equal(copyIdentifier(COPY_PREFIX, "documentdb", source));
    });

    it("refuses a source that has no creation time yet", () => {
        expect(() => copyIdentifier(COPY_PREFIX, "documentdb", shared({ createdAt: undefined }))).to.throw(/has no creation time yet/);
    });

    it("reads nothing from identifiers it did not make", () => {
        const identifier = copyIdentifier(COPY_PREFIX, "documentdb", source);
        expect(parseCopyIdentifier("other-refresh-", identifier)).to.equal(undefined);
        expect(parseCopyIdentifier(COPY_PREFIX, "snapshot-refresh-manual-backup")).to.equal(undefined);
        expect(parseCopyIdentifier(COPY_PREFIX, "snapshot-refresh-mysql-20240501t030405-0123abcd")).to.equal(undefined);
        expect(parseCopyIdentifier(COPY_PREFIX, `${identifier}-old`)).to.equal(undefined);
    });
});

describe("copiesToDelete", () => {
    function ownCopy(day: number, status = "available", followed = true): OwnCopy {
        const identifier = `${COPY_PREFIX}documentdb-202405${String(day).padStart(2, "0")}t030000-0000000${day}`;
        return {
            snapshot: {
                identifier,
                arn: snapshotArn(TARGET_ACCOUNT, identifier),
                engine: "docdb",
                status,
                createdAt: status === "available" ? new Date(`2024-05-${String(day).padStart(2, "0")}T04:00:00Z`) : undefined,
                encrypted: false,
            },
            sourceCreatedAt: new Date(`2024-05-${String(day).padStart(2, "0")}T03:00:00Z`),
            followed,
        };
    }
    const identifiers = (copies: OwnCopy[]) => copies.map((copy) => copy.snapshot.identifier);

    it("keeps the newest available copies by the age of their data, whatever the input order", () => {
        const copies = [ownCopy(2), ownCopy(5), ownCopy(1), ownCopy(4), ownCopy(3)];
        expect(identifiers(copiesToDelete(copies, 2, []))).to.deep.equal(identifiers([ownCopy(3), ownCopy(2), ownCopy(1)]));
    });

    it("spares what a parameter names, by identifier or by ARN", () => {
        const copies = [ownCopy(1), ownCopy(2), ownCopy(3), ownCopy(4)];
        const byArn = ownCopy(1).snapshot.arn;
        const byIdentifier = ownCopy(2).snapshot.identifier;
        expect(identifiers(copiesToDelete(copies, 1, [byArn, undefined, byIdentifier]))).to.deep.equal(identifiers([ownCopy(3)]));
    });

    it("never deletes a copy in progress or being deleted, and does not count it as kept", () => {
        const copies = [ownCopy(5, "copying"), ownCopy(4, "creating"), ownCopy(3, "deleting"), ownCopy(2), ownCopy(1)];
        expect(identifiers(copiesToDelete(copies, 1, []))).to.deep.equal(identifiers([ownCopy(1)]));
    });

    it("deletes failed copies even when they are the newest", () => {
        const copies = [ownCopy(3, "failed"), ownCopy(2, "incompatible-restore"), ownCopy(1)];
        expect(identifiers(copiesToDelete(copies, 5, []))).to.deep.equal(identifiers([ownCopy(3), ownCopy(2)]));
    });

    it("counts only copies of followed clusters as kept, and deletes the others unless a parameter names them", () => {
        const copies = [ownCopy(4, "available", false), ownCopy(3, "available", false), ownCopy(2), ownCopy(1)];
        const currentNamesOne = ownCopy(3).snapshot.arn;
        expect(identifiers(copiesToDelete(copies, 2, [currentNamesOne]))).to.deep.equal(identifiers([ownCopy(4)]));
    });

    it("deletes nothing when every copy is kept", () => {
        expect(copiesToDelete([ownCopy(1), ownCopy(2)], 2, [])).to.deep.equal([]);
    });
});
