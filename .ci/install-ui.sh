#!/usr/bin/env bash
# Install what the JupyterLab extension's tests need (tests/ui): Debian's Chromium,
# Playwright's Python package (it drives /usr/bin/chromium; no browser is downloaded),
# JupyterLab 4, and the extension itself built by the package build (npm from the npm
# registry, exact versions from labextension/package-lock.json).
#
# Safe to run more than once, before or after `pip install -e .`; each step is skipped
# when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends chromium >/dev/null
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends nodejs npm >/dev/null
fi

python -m pip install -q "playwright>=1.40" "jupyterlab>=4,<5" "ipykernel>=6" "nbformat>=5"

# The package build runs `npm install` and the extension build (hatch-jupyter-builder)
# into nbprov/labextension, and the wheel installs it under share/jupyter/labextensions.
if [ ! -f nbprov/labextension/package.json ] || ! python -m pip show -q nbprov >/dev/null 2>&1; then
  python -m pip install -q -e .
fi

# What the tests check against: the extension is installed and enabled.
python -m jupyter labextension list 2>&1 | grep -E "nbprov" || {
  echo "install-ui: the nbprov lab extension is not listed" >&2
  exit 1
}
python -m jupyter server extension list 2>&1 | grep -E "nbprov.server.*enabled" || {
  echo "install-ui: the nbprov server extension is not enabled" >&2
  exit 1
}
