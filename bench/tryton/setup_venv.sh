#!/bin/sh
# Tryton 8.2 for bench/tryton_compare.py, in a virtual environment of its own
# (build/tryton-venv by default, gitignored), never the suite's .venv.
#
#     bench/tryton/setup_venv.sh [VENV_DIR]
#
# Installs from PyPI: trytond and its modules party, product, sale and
# sale_opportunity (8.2.x; pip brings the modules they depend on: company,
# currency, country, account, stock, ...) and, for PostgreSQL, what trytond
# 8.2's backend imports: psycopg 3 with its pool (trytond's extra
# "postgresql"; it no longer uses psycopg2) and psycopg's binary build.
# Run again to bring an existing venv up to date; it does nothing else.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${1:-$ROOT/build/tryton-venv}
PYTHON=${PYTHON:-python3}
SERIES=">=8.2,<8.3"

test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
"$VENV/bin/python" -m pip install --quiet \
    "trytond[postgresql]$SERIES" "trytond-party$SERIES" "trytond-product$SERIES" \
    "trytond-sale$SERIES" "trytond-sale-opportunity$SERIES" \
    "psycopg[binary,pool]>=3.2"
"$VENV/bin/python" -c 'import trytond; print("trytond", trytond.__version__, "in", __import__("sys").prefix)'
