#!/usr/bin/env bash
# A PostgreSQL for the operational-database tests: use the one answering on 127.0.0.1:5432
# (trust auth, database `test`), else install and start one from Debian's packages.
set -euo pipefail
HOST=127.0.0.1
PORT=${PGPORT:-5432}

ready() { pg_isready -h "$HOST" -p "$PORT" -q 2>/dev/null; }

if command -v pg_isready >/dev/null 2>&1 && ready; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "PostgreSQL is not running on $HOST:$PORT; start one (trust auth, database 'test') or run as root" >&2
  exit 1
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  pg_createcluster "$version" main >/dev/null
fi
conf=/etc/postgresql/$version/main
# Local test server only: trust connections from this machine, listen on loopback.
if ! grep -q "parkbrain-test" "$conf/pg_hba.conf"; then
  { echo "host all all 127.0.0.1/32 trust # parkbrain-test"; echo "host all all ::1/128 trust # parkbrain-test";
    echo "local all all trust # parkbrain-test"; cat "$conf/pg_hba.conf"; } > "$conf/pg_hba.conf.new"
  mv "$conf/pg_hba.conf.new" "$conf/pg_hba.conf"
fi
sed -i "s/^#\?port = .*/port = $PORT/; s/^#\?listen_addresses = .*/listen_addresses = 'localhost'/" "$conf/postgresql.conf"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster --skip-systemctl-redirect "$version" main restart
for _ in $(seq 1 30); do ready && break; sleep 1; done
ready || { echo "PostgreSQL did not start on $HOST:$PORT" >&2; exit 1; }
psql -h "$HOST" -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
  || psql -h "$HOST" -p "$PORT" -U postgres -qc "CREATE DATABASE test"
echo "PostgreSQL $version ready on $HOST:$PORT"
