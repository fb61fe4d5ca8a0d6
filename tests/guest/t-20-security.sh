# SPDX-License-Identifier: GPL-2.0
# Who maps which physical page is sensitive: root-only files, no kernel pointers, no dmesg on the query path,
# a clear answer to a normal user, and no unload under an open query.
. /tests/lib.sh

check "load for the security checks" load_module
d=/sys/kernel/debug/rmap_probe
check "query file is 0600" test "$(stat -c %a $d/query)" = 600
check "version file is 0400" test "$(stat -c %a $d/version)" = 400

expect_exit "rmapctl as a normal user exits with the permission code" 4 rmaptest as-nobody rmapctl pfn 1
check "rmapctl as a normal user says why" grep -q "needs root" /tmp/expect.out

# Queries of every kind of page (the busybox text page, the stack, free and slab pages) must not print to the
# kernel log, and must hold nothing that looks like a kernel address.
before=$(dmesg | wc -l)
: > /tmp/reports
for pfn in $(rmaptest pfn-of $$ 0x401000) $(rmaptest find-pfn buddy) $(rmaptest find-pfn slab) 0 1 4096; do
	exec 3<>$d/query
	printf '%s' "$pfn" >&3 && cat <&3 >> /tmp/reports
	exec 3>&-
done
check "reports were read" grep -q '^end ' /tmp/reports
check "no kernel pointers in reports" sh -c "! grep -qiE '0x?ffff[89a-f][0-9a-f]{11}' /tmp/reports"
check "no kernel log lines from queries" test "$(dmesg | wc -l)" = "$before"

# The module cannot go away under an open query file: rmmod refuses, the open file keeps working.
exec 3<>$d/query
expect_exit "rmmod refused while a query file is open" 1 rmmod rmap_probe
check "the open query file still answers" sh -c "printf 1 >&3 && grep -q '^end ' <&3"
exec 3>&-
check "unload once the query file is closed" unload_module
