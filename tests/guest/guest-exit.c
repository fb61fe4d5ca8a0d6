// SPDX-License-Identifier: GPL-2.0
/*
 * Tell the host how the guest run ended: write a status to QEMU's isa-debug-exit port (0xf4), which makes QEMU
 * exit with (status << 1) | 1. A panic under -no-reboot makes QEMU exit 0, so 0 never means success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	unsigned int status = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 0;

	if (ioperm(0xf4, 4, 1)) {
		perror("guest-exit: ioperm");
		return 1;
	}
	outl(status, 0xf4);
	return 1; /* not reached when the device is present */
}
