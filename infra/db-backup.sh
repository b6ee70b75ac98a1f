#!/usr/bin/env bash
# Backs up or restores Parley's database: the SQLite file or the Postgres database that
# DATABASE_URL names (unset: SQLite at data/parley.db; `sqlite:<file>`; `postgres://…`).
#
#   infra/db-backup.sh backup [FILE]    write a backup (default: $BACKUP_DIR/parley-<time>.<db|pgdump>)
#   infra/db-backup.sh restore FILE     replace the database with a backup (stop Parley first)
#
# SQLite backups use SQLite's online backup (consistent while Parley writes) and are checked
# before they count; a restore keeps the replaced file beside it. Postgres uses pg_dump's custom
# format and pg_restore in one transaction. Needs sqlite3 or the PostgreSQL client tools.
set -euo pipefail

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "db-backup: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed; install $2 (Debian: apt-get install $2)."
}

database_url="${DATABASE_URL:-sqlite:data/parley.db}"
case "$database_url" in
  sqlite:*) kind=sqlite; sqlite_file="${database_url#sqlite:}" ;;
  postgres://* | postgresql://*) kind=postgres ;;
  *) die "DATABASE_URL must start with sqlite:, postgres:// or postgresql://." ;;
esac
[[ $kind != sqlite || -n $sqlite_file ]] || die 'DATABASE_URL "sqlite:" needs a file name, e.g. sqlite:data/parley.db.'

sqlite_check() {
  local result
  result="$(sqlite3 -readonly "$1" 'PRAGMA integrity_check;' 2>&1)" || die "$1 is not a readable SQLite database: $result"
  [[ $result == ok ]] || die "$1 failed SQLite's integrity check: $result"
}

backup() {
  local out="${1:-}"
  if [[ $kind == sqlite ]]; then
    need sqlite3 sqlite3
    [[ -f $sqlite_file ]] || die "there is no SQLite database at $sqlite_file (set DATABASE_URL)."
  else
    need pg_dump postgresql-client
  fi
  if [[ -z $out ]]; then
    local dir="${BACKUP_DIR:-backups}" base n=1
    base="parley-$(date -u +%Y%m%d-%H%M%S)"
    mkdir -p "$dir"
    out="$dir/$base.$([[ $kind == sqlite ]] && echo db || echo pgdump)"
    # Two backups within one second get distinct names.
    while [[ -e $out ]]; do
      n=$((n + 1))
      out="$dir/$base-$n.$([[ $kind == sqlite ]] && echo db || echo pgdump)"
    done
  fi
  [[ ! -e $out ]] || die "$out exists already; choose another file name."
  if [[ $kind == sqlite ]]; then
    sqlite3 "$sqlite_file" ".backup '${out//\'/\'\'}'"
    sqlite_check "$out"
  else
    pg_dump --format=custom --no-owner --no-privileges --file="$out" --dbname="$database_url"
  fi
  echo "$out"
}

restore() {
  local from="${1:-}"
  [[ -n $from ]] || usage
  [[ -f $from ]] || die "there is no backup at $from."
  if [[ $kind == sqlite ]]; then
    need sqlite3 sqlite3
    sqlite_check "$from"
    mkdir -p "$(dirname "$sqlite_file")"
    local incoming="$sqlite_file.restoring"
    cp "$from" "$incoming"
    if [[ -f $sqlite_file ]]; then
      local kept
      kept="$sqlite_file.before-restore-$(date -u +%Y%m%d-%H%M%S)"
      mv "$sqlite_file" "$kept"
      echo "kept the replaced database as $kept" >&2
    fi
    # The old database's write-ahead log must not be replayed into the restored one.
    rm -f "$sqlite_file-wal" "$sqlite_file-shm"
    mv "$incoming" "$sqlite_file"
  else
    need pg_restore postgresql-client
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error --dbname="$database_url" "$from"
  fi
  echo "restored $from"
}

case "${1:-}" in
  backup) shift; backup "$@" ;;
  restore) shift; restore "$@" ;;
  *) usage ;;
esac
