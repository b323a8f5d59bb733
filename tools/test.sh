#!/bin/sh
# The README's test command: installs the dependencies, then builds and runs
# the whole suite twice: a normal -Werror build (gcc) and an ASan+UBSan build
# (clang) that also runs the libFuzzer targets briefly. Exits non-zero when
# any build or test fails.
set -eu
cd "$(dirname "$0")/.."

sh tools/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build 1/2: gcc, -Wall -Wextra -Werror"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc -DMVG_WERROR=ON
cmake --build build -j"$jobs"
echo "== tests 1/2"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build 2/2: clang, ASan+UBSan, fuzzers"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DMVG_WERROR=ON \
      -DMVG_SANITIZE=ON -DMVG_FUZZ=ON
cmake --build build-asan -j"$jobs"
echo "== tests 2/2 (sanitizers)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
echo "== all tests passed in both builds"
