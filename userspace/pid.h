/* SPDX-License-Identifier: GPL-2.0 */
/* rmapctl pid (pid.c): a process's pages, and with whom it shares them. */
#ifndef RMAPCTL_PID_H
#define RMAPCTL_PID_H
int cmd_pid(int argc, char **argv);
#endif
