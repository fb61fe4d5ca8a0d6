// SPDX-License-Identifier: GPL-2.0
/* A program that does nothing until killed: its text page is what many processes share. */
#include <unistd.h>

int main(void)
{
	for (;;)
		pause();
}
