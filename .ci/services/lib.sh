# Shared by the service scripts: apt installs that wait for the lock, and a
# state folder for data, logs and PIDs ($FSQL_SERVICES_DIR, default under /tmp).
FSQL_SERVICES_DIR="${FSQL_SERVICES_DIR:-/tmp/fsql-services}"
mkdir -p "$FSQL_SERVICES_DIR"
apt_install() {
  # apt_install PACKAGE... — installs what is missing from Debian's packages.
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ ! -f "$FSQL_SERVICES_DIR/.apt-updated" ]; then
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq && touch "$FSQL_SERVICES_DIR/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
wait_for() {
  # wait_for SECONDS PID COMMAND... — until COMMAND succeeds, while PID lives.
  local limit="$1" pid="$2"; shift 2
  local t=0
  while ! "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    t=$((t + 1)); [ "$t" -gt "$((limit * 5))" ] && return 1
    sleep 0.2
  done
}
