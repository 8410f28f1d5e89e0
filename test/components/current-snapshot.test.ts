import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { ConfigError } from "../../components/config-error";
import { EngineName } from "../../handlers/engines";
import { answerParameterReads, providerFailure } from "../examples/ssm-parameters";
import { deploymentFailure, mocks, SOURCE_ACCOUNT_ID, valueOf } from "./pulumi-mocks";

type ComponentModule = typeof import("../../components");
let component: ComponentModule;

const SHARED_SNAPSHOT = `arn:aws:rds:eu-west-1:${SOURCE_ACCOUNT_ID}:cluster-snapshot:snapshot-refresh-share-orders-2026-12-05`;
const COPY = "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:snapshot-refresh-documentdb-20261205t2000-1a2b3c";

describe("currentSnapshot", function () {
    this.timeout(30_000);
    let stop: () => void = () => undefined;

    before(async () => {
        component = await import("../../components");
    });
    beforeEach(() => mocks.reset());
    afterEach(() => stop());

    /** Answers the reads from `values`; returns what was read. */
    function parameters(values: Record<string, string | Error>) {
        const answering = answerParameterReads(values);
        stop = answering.stop;
        return answering.reads;
    }

    it("returns the snapshot in <engine>_current_snapshot_id, read without decryption", async () => {
        const reads = parameters({ aurora_current_snapshot_id: SHARED_SNAPSHOT, documentdb_current_snapshot_id: COPY });
        expect(await valueOf(component.currentSnapshot("aurora"))).to.equal(SHARED_SNAPSHOT);
        expect(await valueOf(component.currentSnapshot("documentdb", {}))).to.equal(COPY);
        expect(reads.names).to.deep.equal(["aurora_current_snapshot_id", "documentdb_current_snapshot_id"]);
        expect(reads.decrypted).to.deep.equal([false, false]);
    });

    it("prefixes the name with the refresh stack's parameterPrefix", async () => {
        const reads = parameters({ "/acceptance/documentdb_current_snapshot_id": COPY });
        expect(await valueOf(component.currentSnapshot("documentdb", { parameterPrefix: "/acceptance/" }))).to.equal(COPY);
        expect(reads.names).to.deep.equal(["/acceptance/documentdb_current_snapshot_id"]);
    });

    it("returns undefined while no snapshot has been chosen: none, empty or blank", async () => {
        for (const unset of ["none", "", "  "]) {
            parameters({ aurora_current_snapshot_id: unset });
            expect(await valueOf(component.currentSnapshot("aurora")), JSON.stringify(unset)).to.equal(undefined);
            stop();
        }
    });

    it("reads the parameter named directly, e.g. by the refresh stack's parameterNames output", async () => {
        const reads = parameters({ "/team-a/aurora_current_snapshot_id": SHARED_SNAPSHOT });
        const fromStackOutput = pulumi.output({ aurora: { current: "/team-a/aurora_current_snapshot_id" } }).apply((names) => names.aurora.current);
        expect(await valueOf(component.currentSnapshot("aurora", { parameterName: fromStackOutput }))).to.equal(SHARED_SNAPSHOT);
        expect(reads.names).to.deep.equal(["/team-a/aurora_current_snapshot_id"]);
    });

    it("fails when the parameter does not exist, naming it and how to find the right one", async () => {
        parameters({});
        const error = await deploymentFailure(() => [component.currentSnapshot("documentdb", { parameterPrefix: "/acceptnce/" })]);
        expect(error).to.be.instanceOf(Error);
        const message = (error as Error).message;
        expect(message).to.contain("SSM parameter /acceptnce/documentdb_current_snapshot_id");
        expect(message).to.contain('parameterPrefix "/acceptnce/"');
        expect(message).to.contain("deploy that stack with the engine documentdb");
        expect(message).to.contain("parameterNames.documentdb.current as parameterName");
    });

    it("passes any other failure on with the parameter's name", async () => {
        parameters({ aurora_current_snapshot_id: providerFailure("reading SSM Parameter (aurora_current_snapshot_id): operation error SSM: GetParameter, AccessDeniedException: not authorized") });
        const error = await deploymentFailure(() => [component.currentSnapshot("aurora")]);
        expect((error as Error).message).to.match(/^Cannot read the aurora snapshot to restore from, SSM parameter aurora_current_snapshot_id: .*AccessDeniedException/);
    });

    it("refuses an engine it does not know, before reading anything", () => {
        const reads = parameters({});
        expect(() => component.currentSnapshot("mysql" as EngineName)).to.throw(ConfigError, 'currentSnapshot\'s engine must be one of aurora, documentdb (got "mysql")');
        expect(reads.names).to.deep.equal([]);
    });
});
