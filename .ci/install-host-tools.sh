#!/usr/bin/env bash
# Installs what the foreign-language tests (tests/c_api.rs, cpp_api.rs, fortran_api.rs,
# julia_bindings.rs, packaging.rs) need beyond Rust: C/C++/Fortran compilers, valgrind,
# CMake, pkg-config and OpenMPI (examples/mpi). With CI=true those tests fail, rather than skip, when a tool is
# missing, so CI runs this first. Python packages (the Julia parser) are installed by the
# tests themselves into the target directory.
# tests/python_package.rs: python3-venv, and python3-dev for the mpi4py it builds from PyPI.
set -euo pipefail

packages=(gcc g++ gfortran valgrind cmake pkg-config python3 python3-venv python3-dev openmpi-bin libopenmpi-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
