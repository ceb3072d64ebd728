# Sourced by bin/run and bin/test: the project's virtual environment, made or refreshed when requirements change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "» 创建虚拟环境 .venv（$("$PYTHON" --version)）" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.requirements.sha256"
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "» 安装依赖（requirements.txt）" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi
PY="$ROOT/.venv/bin/python"
