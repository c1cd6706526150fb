#!/usr/bin/env bash
# Build the one-folder Linux app: dist/mnemo/{mnemo,mnemo-desktop,...}, then smoke-test it.
#   packaging/build.sh            # uses .venv (make venv first)
#   PY=/path/to/python packaging/build.sh
# The folder can be copied anywhere; install the desktop entry with packaging/build.sh --install-desktop.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
"$PY" -m pip install --quiet pyinstaller==6.22.3
QT_QPA_PLATFORM=offscreen "$PY" packaging/make_icons.py
"$PY" -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/mnemo.spec
ln -sf mnemo dist/mnemo/mnemo-desktop
install -m 644 packaging/mnemo.desktop dist/mnemo/mnemo.desktop
install -m 644 packaging/io.github.mnemo.Mnemo.metainfo.xml dist/mnemo/
# Smoke test: the CLI starts, and doctor finds the embedded model and llama.cpp in the bundle.
SMOKE_HOME="$(mktemp -d)"
trap 'rm -rf "$SMOKE_HOME"' EXIT
dist/mnemo/mnemo --help >/dev/null
MNEMO_HOME="$SMOKE_HOME/home" dist/mnemo/mnemo doctor --no-load
echo "Built dist/mnemo ($(du -sh dist/mnemo | cut -f1))."
if [[ "${1:-}" == "--install-desktop" ]]; then
  apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
  mkdir -p "$apps"
  sed "s|^Exec=.*|Exec=$PWD/dist/mnemo/mnemo-desktop|; s|^TryExec=.*|TryExec=$PWD/dist/mnemo/mnemo-desktop|" \
    packaging/mnemo.desktop > "$apps/mnemo.desktop"
  for n in 16 24 32 48 64 128 256 512; do
    d="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/${n}x${n}/apps"
    mkdir -p "$d" && cp "assets/icons/mnemo-$n.png" "$d/io.github.mnemo.Mnemo.png"
  done
  d="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
  mkdir -p "$d" && cp assets/mnemo.svg "$d/io.github.mnemo.Mnemo.svg"
  echo "Desktop entry installed in $apps."
fi
