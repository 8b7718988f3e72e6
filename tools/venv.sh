# Sourced by run.sh and test.sh: make sure .venv exists and holds the given requirements file.
# Re-installs only when the requirements changed (hash stamp in .venv), so starts stay fast.
ensure_venv() {
  local requirements="$1"
  if [ ! -x .venv/bin/python ]; then
    if ! "${PYTHON:-python3}" -m venv .venv 2>/dev/null; then
      # Debian/Ubuntu ship venv separately; install it when we are allowed to.
      if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        rm -rf .venv
        "${PYTHON:-python3}" -m venv .venv
      else
        echo "python3 -m venv fehlgeschlagen: bitte das Paket python3-venv installieren." >&2
        return 1
      fi
    fi
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local wanted
  wanted="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installiere Python-Pakete aus $requirements (beim ersten Mal etwa eine Minute) …"
    # Not --quiet: pip's own lines ("Collecting …", "Installing …") show the progress.
    .venv/bin/python -m pip install --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
  fi
}
