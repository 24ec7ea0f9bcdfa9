#!/usr/bin/env bash
# Debian packages the test suite needs: real Fashion-MNIST for the dataset tests, Chromium for
# the WebGL2 browser tests, PyTorch (python3-torch, at /usr/bin/python3) as the yardstick the
# cross-checks compare against; the checkpoint tests run it to write .pth files at test time.
# Installs what is missing when run as root (CI, fresh machines); otherwise says what to install.
set -euo pipefail
packages=(dataset-fashion-mnist chromium python3-torch)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3; do
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; then exit 0; fi
  echo "system-deps: apt-get failed (attempt $attempt), retrying in 10 s" >&2
  sleep 10
done
exit 1
