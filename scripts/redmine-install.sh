#!/usr/bin/env bash
# Installs Redmine from Debian (sqlite3, non-interactive) for the export tests: a real
# tracker on loopback. Repeatable: does nothing when Redmine is already set up.
# Recipe and its gotchas: shared/notes/redmine-on-loopback.md.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ -f /usr/share/redmine/config.ru ] && [ -f /etc/redmine/default/database.yml ]; then
  echo "redmine: already installed"
  exit 0
fi
$SUDO debconf-set-selections <<'SEL'
redmine redmine/current-instances string default
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select sqlite3
redmine redmine/instances/default/default-language select en
SEL
# Phase 1: thin and the Ruby libraries first (thin must exist before redmine's
# postinst writes its Gemfile.lock, or the app cannot be served by it).
deps=$(apt-cache depends redmine | awk '/Depends: ruby-/{print $2}' | tr -d '<>' | sort -u)
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends \
  thin ruby-sqlite3 sqlite3 dbconfig-sqlite3 dbconfig-common $deps >/dev/null
# Bundler treats Debian gems that have a gemspec but no gem folder as missing:
# give each such gem its (empty) folder.
$SUDO ruby -rfileutils -e 'Gem::Specification.each { |s| d = s.full_gem_path; FileUtils.mkdir_p(d) unless File.directory?(d) }'
# Phase 2: Redmine itself (its postinst migrates and loads the default data).
$SUDO apt-get install -y -qq --no-install-recommends redmine redmine-sqlite >/dev/null
echo "redmine: installed"
