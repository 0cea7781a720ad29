/* The name of a process directory (<app>_NNN): the basename of argv[0] as
 * the process was executed, read from /proc/self/cmdline when the shim is
 * loaded, before the program can rewrite its title (nginx workers, a
 * program setting argv[0] = "srv: /var/www"). A script run through its
 * interpreter is named after the interpreter (the kernel's argv[0]); a fork
 * child keeps its parent's name until it execs. Android (and its
 * simulation): read when the directory is made, as an app process gets its
 * package name only after it started. */
#ifndef TCPSNITCH_PROCNAME_H
#define TCPSNITCH_PROCNAME_H

#include "shim.h"

/* ':' and ' ' become '_'; "app" when argv[0] is empty; at most 64 bytes. */
void procname_get(char *out, size_t len);

#endif
