#!/usr/bin/env bash
# Compares mail-auth's three crypto backends (docs/performance.md, "Choosing mail-auth's
# crypto backend"): for each, a crate depending only on mail-auth =0.13.3 with that
# backend is built from an empty target directory (release), then verifies the same
# signed 10 KB messages 2,000 times against the loopback DNS server of
# crates/dns-test-server (the key record cached after the first query).
#
# Run from the repository root: bash benches/crypto-backends/run.sh   (about 5 minutes)
set -euo pipefail
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The signed messages and key records, written by an ignored test of auth-results.
mkdir -p "$work/fixtures"
DKIM_FIXTURES="$work/fixtures" cargo test -q -p mail-policy-auth-results --all-features \
  --test tests write_backend_fixtures -- --ignored >/dev/null

for backend in rust-crypto ring aws-lc-rs; do
  case $backend in
    rust-crypto) features='"rust-crypto", "dns-hickory"' ;;
    *) features="\"$backend\"" ;;
  esac
  dir="$work/$backend"
  mkdir -p "$dir/src"
  cat >"$dir/Cargo.toml" <<TOML
[package]
name = "verify-loop"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
mail-auth = { version = "=0.13.3", default-features = false, features = [$features] }
mail-policy-dns-test-server = { path = "$root/crates/dns-test-server" }
tokio = { version = "1", features = ["rt", "macros"] }

[workspace]
TOML
  sed "s|/tmp/dkimfix|$work/fixtures|" "$root/benches/crypto-backends/verify_loop.rs" >"$dir/src/main.rs"
  (cd "$dir" && cargo fetch -q)
  start=$(date +%s)
  (cd "$dir" && cargo build --release -q)
  echo "== $backend: release build $(( $(date +%s) - start )) s, $(cd "$dir" && cargo tree -e normal --prefix none | sort -u | wc -l) crates"
  "$dir/target/release/verify-loop"
done
