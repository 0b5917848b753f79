#!/usr/bin/env bash
# pack.sh [OUTDIR]: builds the alae command (Release, framework-dependent) into OUTDIR/app (default .gpu) and packs the
# .NET runtime it needs (the base runtime and ASP.NET Core's, which `alae serve` links against) into
# OUTDIR/dotnet.tar.xz, so that a machine without .NET runs it with: bash OUTDIR/run.sh alae.dll ARGS...
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.gpu}
mkdir -p "$out"
rm -rf "$out/app"
dotnet publish src/AlaeIlgpu.Cli/AlaeIlgpu.Cli.csproj -c Release -o "$out/app" --self-contained false -p:UseAppHost=false >/dev/null
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
# The newest installed version of each shared framework the app names in its runtimeconfig.
version() { dotnet --list-runtimes | awk -v f="$1" '$1 == f {v = $2} END {print v}'; }
core=$(version Microsoft.NETCore.App)
asp=$(version Microsoft.AspNetCore.App)
[ -n "$asp" ] || { echo "pack.sh: the ASP.NET Core runtime is not installed next to $root (the .NET SDK brings it)" >&2; exit 1; }
stamp="$core $asp"
if [ ! -f "$out/dotnet.tar.xz" ] || [ "$(cat "$out/dotnet.version" 2>/dev/null)" != "$stamp" ]; then
  tar cJf "$out/dotnet.tar.xz" -C "$root" dotnet host "shared/Microsoft.NETCore.App/$core" "shared/Microsoft.AspNetCore.App/$asp"
  echo "$stamp" > "$out/dotnet.version"
fi
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Unpacks the carried .NET runtime once (into a folder named after its versions), then runs: bash run.sh APP.dll ARGS...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runtime=$(dirname "$(mktemp -u)")/alae-dotnet-$(tr ' ' '-' < "$here/dotnet.version")
[ -x "$runtime/dotnet" ] || { mkdir -p "$runtime" && tar xJf "$here/dotnet.tar.xz" -C "$runtime"; }
export DOTNET_ROOT=$runtime DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dll=$1; shift
exec "$runtime/dotnet" "$here/app/$dll" "$@"
RUN
chmod +x "$out/run.sh"
du -sh "$out" | awk '{print "packed " $1 " into " $2}'
