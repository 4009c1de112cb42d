#!/usr/bin/env bash
# Proves that .ci/run fails in each way it should, on small runs instead of the whole suite (about two minutes):
#   (a) a skipped test that is not in .ci/skip-allowlist.txt fails CI; the same skip, allow-listed with a reason, does not;
#   (b) a test assembly that runs fewer tests than its minimum, or is missing, fails CI;
#   (c) a demo stream that ends other than Succeeded (here Partial, from Demo:Fault) fails CI;
# and that the same small run passes when nothing is wrong. Each case runs the real .ci/run with INGESTION_CI_TESTS
# pointed at one test project, prints the lines that show why, and checks the exit code and the closing line.
# Needs what .ci/run needs (the .NET SDK, PostgreSQL's binaries for the demo) and NuGet for the throwaway probe project.
#
# Usage: tests/ci/ci-run-selftest.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "Building what the cases run (the vendor simulator's tests, the sample host) ..."
dotnet build tests/Ingestion.Samples.VendorSimulator.Tests -c Release -v q --nologo >"$work/build.log" 2>&1 \
  && dotnet build samples/Ingestion.Samples.Host -c Release -v q --nologo >>"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; echo "ci-run-selftest: could not build"; exit 2; }

# A throwaway test project with two passing tests and one skipped test, outside the repository, on the package
# versions the repository pins.
version() { sed -nE "s/.*Include=\"$1\" Version=\"([^\"]+)\".*/\1/p" Directory.Packages.props; }
mkdir -p "$work/probe"
cat >"$work/probe/CiSelftestProbe.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <OutputType>Exe</OutputType>
    <IsTestProject>true</IsTestProject>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="xunit.v3" Version="$(version xunit.v3)" />
    <PackageReference Include="xunit.runner.visualstudio" Version="$(version xunit.runner.visualstudio)" />
    <PackageReference Include="Microsoft.NET.Test.Sdk" Version="$(version Microsoft.NET.Test.Sdk)" />
  </ItemGroup>
</Project>
EOF
cat >"$work/probe/Probe.cs" <<'EOF'
using Xunit;

namespace CiSelftest;

public sealed class Probe
{
    [Fact]
    public void Parses_a_number() => Assert.Equal(42, int.Parse("42", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Joins_words() => Assert.Equal("a b", string.Join(' ', "a", "b"));

    [Fact(Skip = "skipped on purpose by tests/ci/ci-run-selftest.sh")]
    public void Skipped_on_purpose() => Assert.Fail("never runs");
}
EOF
echo "Building the throwaway probe project (one test skipped on purpose) ..."
dotnet build "$work/probe" -c Release -v q --nologo >"$work/probe-build.log" 2>&1 || { cat "$work/probe-build.log"; echo "ci-run-selftest: could not build the probe"; exit 2; }

printf 'Ingestion.Samples.VendorSimulator.Tests 35\n' >"$work/min-simulator.txt"
printf 'Ingestion.Samples.VendorSimulator.Tests 36\n' >"$work/min-simulator-too-high.txt"
printf 'Ingestion.Samples.VendorSimulator.Tests 35\nIngestion.Tests 470\n' >"$work/min-simulator-and-missing.txt"
printf 'CiSelftestProbe 2\n' >"$work/min-probe.txt"
printf 'CiSelftest.Probe.Skipped_on_purpose | skipped on purpose to show an allow-listed skip passes\n' >"$work/allow-probe.txt"

simulator=tests/Ingestion.Samples.VendorSimulator.Tests
cases=0
expected=0

# run_case NAME EXPECTED_EXIT(0|fail) EXPECTED_CLOSING_LINE [VAR=value ...]
run_case() {
  local name=$1 want=$2 closing=$3
  shift 3
  cases=$((cases + 1))
  echo
  echo "=== $name"
  echo "    env: $*"
  env "$@" bash "$repo/.ci/run" >"$work/out.log" 2>&1
  local code=$?
  # The lines that show why: counts against minimums, skipped tests, failed checks, the demo's verdict, the closing line.
  grep -E 'CI check failed|NOT ALLOW-LISTED|allowed:|FEWER THAN|MISSING|^  Ingestion|^  CiSelftest|Not succeeded|demo failed|^Pass 2 found|^[0-9]+ passed, [0-9]+ failed' "$work/out.log" | sed 's/^/    | /'
  local last
  last=$(tail -n 1 "$work/out.log")
  local ok=1
  if [ "$want" = 0 ]; then [ $code -eq 0 ] || ok=0; else [ $code -ne 0 ] || ok=0; fi
  [ "$last" = "$closing" ] || ok=0
  if [ $ok -eq 1 ]; then
    expected=$((expected + 1))
    echo "    -> as expected: exit $code, closing line \"$last\""
  else
    echo "    -> NOT as expected: exit $code, closing line \"$last\" (wanted exit $want, \"$closing\"); full output:"
    sed 's/^/    > /' "$work/out.log"
  fi
}

run_case "nothing wrong: the simulator's tests at their minimum, and the demo" 0 "35 passed, 0 failed" \
  INGESTION_CI_NO_BUILD=1 INGESTION_CI_TESTS="$simulator" INGESTION_CI_MIN_TESTS="$work/min-simulator.txt"

run_case "(a) a skipped test that is not allow-listed" fail "2 passed, 1 failed, 1 skipped" \
  INGESTION_CI_NO_BUILD=1 INGESTION_CI_NO_DEMO=1 INGESTION_CI_TESTS="$work/probe" INGESTION_CI_MIN_TESTS="$work/min-probe.txt"

run_case "(a) the same skip, allow-listed with a reason" 0 "2 passed, 0 failed, 1 skipped" \
  INGESTION_CI_NO_BUILD=1 INGESTION_CI_NO_DEMO=1 INGESTION_CI_TESTS="$work/probe" INGESTION_CI_MIN_TESTS="$work/min-probe.txt" \
  INGESTION_CI_SKIP_ALLOWLIST="$work/allow-probe.txt"

run_case "(b) an assembly that runs fewer tests than its minimum" fail "35 passed, 1 failed" \
  INGESTION_CI_NO_BUILD=1 INGESTION_CI_NO_DEMO=1 INGESTION_CI_TESTS="$simulator" INGESTION_CI_MIN_TESTS="$work/min-simulator-too-high.txt"

run_case "(b) an assembly with a minimum that did not run at all" fail "35 passed, 1 failed" \
  INGESTION_CI_NO_BUILD=1 INGESTION_CI_NO_DEMO=1 INGESTION_CI_TESTS="$simulator" INGESTION_CI_MIN_TESTS="$work/min-simulator-and-missing.txt"

run_case "(c) a demo stream that ends Partial (Demo:Fault breaks one employee's employments)" fail "35 passed, 1 failed" \
  INGESTION_CI_NO_BUILD=1 INGESTION_CI_TESTS="$simulator" INGESTION_CI_MIN_TESTS="$work/min-simulator.txt" Demo__Fault=MalformedBody

echo
echo "ci-run-selftest: $expected of $cases cases behaved as expected"
[ "$expected" -eq "$cases" ]
