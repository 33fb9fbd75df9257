# shellcheck shell=bash
# Offline Pulumi environment for this checkout. Usage (after tools/scripts/install-engine.sh):
#   source tools/engine/env.sh
# Sets no secrets and no backend: pick one with PULUMI_BACKEND_URL (see tools/engine/README.md).

_procurement_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)"

# Never phone home for a newer CLI, never download plugins (our machines cannot reach the
# download sites: a missing plugin must be a clear error, not a network attempt), and never
# resolve package names through the Pulumi Registry.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
# Plugin cache and workspace settings per checkout (git-ignored), unless the caller chose one.
export PULUMI_HOME="${PULUMI_HOME:-$_procurement_root/.engine/pulumi-home}"
# The engine's bin dir (CLI + bundled Python plugins), linked by tools/scripts/install-engine.sh.
case ":$PATH:" in
  *":$_procurement_root/.engine/bin:"*) ;;
  *) export PATH="$_procurement_root/.engine/bin:$PATH" ;;
esac
unset _procurement_root
