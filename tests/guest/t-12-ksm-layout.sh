# SPDX-License-Identifier: GPL-2.0
# The module built with KSM layouts it must not trust (tests/rig/ksm-variants.sh, on the 6.1 line): each says
# in the kernel log why it searches, and its answers for KSM pages are the search's, complete.
. /tests/lib.sh
if [ ! -d /rmap/variants ]; then
	skip "KSM layout variants" "built for the 6.1 line only (tests/check.sh), not given to this boot"
	exit 0
fi
for ko in /rmap/variants/*.ko; do
	v=$(basename "$ko" .ko)
	logged=$(dmesg | wc -l)	# what this variant logs comes after
	if ! insmod "$ko"; then
		fail "$v: the module variant loads"
		continue
	fi
	pass "$v: the module variant loads"
	KSM_VARIANT=$v KSM_WALK=search rmaptest ksm-fork
	rc=$?
	[ $rc -le 1 ] || fail "$v: scenario ksm-fork" "rmaptest exited $rc"
	check "$v: the kernel log says why KSM pages are searched for" sh -c \
		"dmesg | tail -n +$((logged + 1)) | grep -qF \"\$(cat /rmap/variants/$v.expect)\""
	check "unload the $v variant" rmmod rmap_probe
done
