#!/usr/bin/env bash
# Installs rnnwf for C, C++ and Fortran hosts:
#
#   scripts/install.sh [--lib-dir DIR] PREFIX
#
# builds the release shared library (cargo build --release --lib; CARGO_TARGET_DIR is
# honoured) unless --lib-dir names a directory that already holds librnnwf.so, and installs
#   PREFIX/lib/librnnwf.so.X.Y.Z (without debug information), librnnwf.so.0.MINOR (SONAME)
#   and librnnwf.so (link time)
#   PREFIX/include/rnnwf.h, rnnwf.hpp
#   PREFIX/share/rnnwf/fortran/rnnwf_capi.f90, rnnwf.f90   (module sources, in build order)
#   PREFIX/lib/pkgconfig/rnnwf.pc                          (pkg-config --cflags --libs rnnwf)
#   PREFIX/lib/cmake/rnnwf/rnnwfConfig.cmake, rnnwfConfigVersion.cmake   (find_package)
# The Julia package (bindings/julia/Rnnwf) is used in place: point RNNWF_LIB at the library.
set -euo pipefail

usage() { echo "usage: $0 [--lib-dir DIR] PREFIX" >&2; exit 2; }
lib_dir=""
while (($#)); do
  case "$1" in
    --lib-dir) (($# >= 2)) || usage; lib_dir=$2; shift 2 ;;
    -h|--help) usage ;;
    *) break ;;
  esac
done
(($# == 1)) || usage
prefix=$(realpath -m "$1")
root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)  # -P: through a symlinked scripts/

version=$(sed -n 's/^version = "\([0-9.]*\)"$/\1/p' "$root/Cargo.toml" | head -n1)
IFS=. read -r major minor _patch <<<"$version"
if [[ $major == 0 ]]; then soname="librnnwf.so.0.$minor"; else soname="librnnwf.so.$major"; fi

if [[ -z $lib_dir ]]; then
  (cd "$root" && cargo build --release --lib)
  lib_dir="${CARGO_TARGET_DIR:-$root/target}/release"
fi
[[ -f $lib_dir/librnnwf.so ]] || { echo "no librnnwf.so in $lib_dir" >&2; exit 1; }

install -d "$prefix/lib/pkgconfig" "$prefix/lib/cmake/rnnwf" "$prefix/include" \
  "$prefix/share/rnnwf/fortran"
install -m 755 "$lib_dir/librnnwf.so" "$prefix/lib/librnnwf.so.$version"
# Without the debug information the release profile keeps for profiling (16 MB -> 2.5 MB);
# the exported symbols stay.
if command -v strip >/dev/null; then strip --strip-debug "$prefix/lib/librnnwf.so.$version"; fi
ln -sfn "librnnwf.so.$version" "$prefix/lib/$soname"
ln -sfn "$soname" "$prefix/lib/librnnwf.so"
install -m 644 "$root/include/rnnwf.h" "$root/bindings/cpp/rnnwf.hpp" "$prefix/include/"
install -m 644 "$root/bindings/fortran/rnnwf_capi.f90" "$root/bindings/fortran/rnnwf.f90" \
  "$prefix/share/rnnwf/fortran/"

fill() {  # template -> file, with @VERSION@ @MAJOR@ @MINOR@ @SONAME@ filled in
  sed -e "s/@VERSION@/$version/g" -e "s/@MAJOR@/$major/g" -e "s/@MINOR@/$minor/g" \
    -e "s/@SONAME@/$soname/g" "$1" >"$2"
  chmod 644 "$2"
}
fill "$root/bindings/pkgconfig/rnnwf.pc.in" "$prefix/lib/pkgconfig/rnnwf.pc"
fill "$root/bindings/cmake/rnnwfConfig.cmake.in" "$prefix/lib/cmake/rnnwf/rnnwfConfig.cmake"
fill "$root/bindings/cmake/rnnwfConfigVersion.cmake.in" \
  "$prefix/lib/cmake/rnnwf/rnnwfConfigVersion.cmake"

echo "installed rnnwf $version into $prefix"
