#!/usr/bin/env bash
# Creates the two environments if missing or out of date, from the exact pins in requirements/*.lock.
# Safe to run again: an env whose lock file has not changed is left alone.
#   .venv/rasa     Python 3.10: rasa 3.6.21 (pins pydantic<1.10.10, numpy<1.25, aiohttp<3.10)
#   .venv/actions  Python 3.11: rasa-sdk, sentence-transformers, torch CPU, the web gateway, tests
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {  # $1 = major.minor
  local want=$1 candidate
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in $(pyenv root)/versions/"$want".*/bin/python"$want"; do
      [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
  fi
  for candidate in "python$want" "$HOME/.pyenv/versions/$want"*/bin/python"$want"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

make_env() {  # $1 = name, $2 = python version
  local name=$1 version=$2 env=".venv/$1" lock="requirements/$1.lock" stamp python
  stamp=$(sha256sum "$lock" | cut -c1-16)
  if [ -f "$env/.installed" ] && [ "$(cat "$env/.installed")" = "$stamp" ]; then
    return 0
  fi
  if ! python=$(find_python "$version"); then
    echo "error: the $name environment needs Python $version, which was not found." >&2
    echo "       Install it with 'pyenv install $version' (or your system's python$version package) and run this again." >&2
    exit 1
  fi
  echo "==> creating the $name environment with $python (a few minutes the first time)"
  rm -rf "$env"
  "$python" -m venv "$env"
  "$env/bin/pip" install --quiet --disable-pip-version-check -r "$lock"
  "$env/bin/pip" check
  echo "$stamp" > "$env/.installed"
}

make_env rasa 3.10
make_env actions 3.11
