#!/usr/bin/env bash
# Builds a PostgreSQL 15 image from Debian's own packages and imports it into the local Docker engine, for machines
# whose engine cannot pull images from a registry (the tests' Testcontainers fixture uses it without pulling).
# A machine that can pull does not need this: the tests use the official postgres image there.
#
# Usage: eng/docker/build-local-postgres-image.sh [IMAGE]     (run as root; needs debootstrap, installed when missing)
# IMAGE defaults to ingestion/postgres:15-local, the name the tests look for. Does nothing when IMAGE already exists.
#
# The image behaves like the official one where the tests touch it: POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB
# set up the cluster on first start, arguments starting with "-" go to postgres, port 5432, and pg_isready is on PATH
# (Testcontainers' wait strategy runs it inside the container).
set -euo pipefail

image=${1:-ingestion/postgres:15-local}
suite=bookworm
major=15

command -v docker >/dev/null 2>&1 || { echo "docker is not installed." >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "No Docker engine answers (docker info failed)." >&2; exit 1; }

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "Image $image already exists; nothing to build."
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "Installing debootstrap."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

# The machine's own Debian mirror: the only one reachable where there is no other network.
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /tmp/ingestion-postgres-image.XXXXXX)
trap 'rm -rf "$root"' EXIT

echo "Building $image: debootstrap $suite with postgresql-$major from $mirror (about 90 s)."
debootstrap --variant=minbase --include="postgresql-$major" "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -n 20 "$root.log" >&2; rm -f "$root.log"; echo "debootstrap failed." >&2; exit 1; }
rm -f "$root.log"

# The package's own cluster is not used (the entrypoint makes one from the environment); dropping it, the package
# cache and the documentation keeps the image smaller.
rm -rf "$root/var/lib/postgresql/$major" "$root/etc/postgresql/$major" "$root/var/cache/apt/archives/"*.deb \
  "$root/var/lib/apt/lists/"* "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info"

cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# Starts PostgreSQL the way the official image does for the parts tests rely on: POSTGRES_USER (default postgres),
# POSTGRES_PASSWORD (required) and POSTGRES_DB (default: the user's name) set up a new cluster; arguments go to postgres.
set -eu
user=${POSTGRES_USER:-postgres}
database=${POSTGRES_DB:-$user}
data=${PGDATA:-/var/lib/postgresql/data}
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "POSTGRES_PASSWORD must be set." >&2
  exit 1
fi

if [ ! -s "$data/PG_VERSION" ]; then
  mkdir -p "$data" /var/run/postgresql
  chown postgres:postgres "$data" /var/run/postgresql
  chmod 700 "$data"
  password_file=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  chown postgres "$password_file"
  runuser -u postgres -- initdb -D "$data" -U "$user" --pwfile="$password_file" --encoding=UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$password_file"
  printf '%s\n' "host all all 0.0.0.0/0 scram-sha-256" "host all all ::/0 scram-sha-256" >>"$data/pg_hba.conf"
  # Created while the server listens on no TCP address, so pg_isready (the readiness check) cannot pass early.
  runuser -u postgres -- pg_ctl -D "$data" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$database" != postgres ]; then
    runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -U "$user" -d postgres \
      -c "CREATE DATABASE \"$(printf '%s' "$database" | sed 's/"/""/g')\""
  fi
  runuser -u postgres -- pg_ctl -D "$data" -m fast -w stop >/dev/null
fi

# setpriv replaces this shell (runuser would stay as the parent), so postgres is PID 1 and gets docker stop's signal.
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$data" -c listen_addresses='*' "$@"
ENTRYPOINT
chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"

echo "Importing $image."
tar -C "$root" -c . | docker import \
  -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  -c "ENV PATH=/usr/lib/postgresql/$major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  -c 'ENV PGDATA=/var/lib/postgresql/data' \
  -c 'EXPOSE 5432' \
  - "$image" >/dev/null
echo "Built $image."
