#!/usr/bin/env bash
# Accounts and sessions through one tracker: create_user, login, logout,
# wrong passwords, duplicate ids, commands that need a session.
. "$(dirname "$0")/lib.sh"

cluster 1
start_tracker 1

run_client a <<'S'
create_user alice secret
create_user alice other
login alice wrong
login nobody secret
list_groups
login alice secret
login alice secret
logout
logout
S
check_eq "accounts: output" "user alice created
logged in as alice
logged out" "$(out a)"
check_eq "accounts: errors" "error: user alice already exists
error: wrong user id or password
error: wrong user id or password
error: not logged in (use login <user_id> <password>)
error: already logged in as alice (logout first)
error: not logged in (use login <user_id> <password>)" "$(err a)"
check_eq "accounts: exit status 1 after errors" 1 "$RC"

run_client b <<'S'
login alice secret
S
check_eq "accounts: clean script exits 0" 0 "$RC"
check_eq "accounts: login output" "logged in as alice" "$(out b)"

# Passwords are stored salted and hashed, never in clear.
stop_tracker 1 && pass "accounts: tracker stops with status 0" || fail "accounts: tracker stops with status 0"
check "accounts: no clear password in the database" \
	bash -c "! grep -aq secret '$T/t1/tracker1.db' '$T/t1/tracker1.db-wal' 2>/dev/null"
