/* A traced process that drops root (nginx workers serving as nobody,
 * su/sudo children, daemons) keeps writing its trace: before its effective
 * uid or gid changes, its process directory and the files in it are handed
 * to the new ids, and the trace directory lets the new uid create process
 * directories (an ACL entry for that uid alone: nothing becomes writable by
 * everyone). Only a process running as root does anything here. */
#ifndef TCPSNITCH_PRIVDROP_H
#define TCPSNITCH_PRIVDROP_H

#include "shim.h"

/* Called before a call that sets the effective uid (or gid) to this value
 * ((uid_t)-1 / (gid_t)-1: unchanged). */
void privdrop_before_euid(uid_t euid);
void privdrop_before_egid(gid_t egid);

#endif
