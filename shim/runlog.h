/* The CLI's run log: one file (named by the run_log option) that every
 * traced process of a run appends to, so the CLI can tell the user what
 * happened even where no process directory could be written: each warning
 * and error of the shim, and each process's summary at exit (including
 * processes that used no socket, which leave nothing in the trace). */
#ifndef TCPSNITCH_RUNLOG_H
#define TCPSNITCH_RUNLOG_H

#include "shim.h"

/* "<pid> <LEVEL> <msg>": a warning or an error (level <= LOG_WARN). */
void runlog_line(int level, const char *msg);
/* "<pid> SUMMARY <events> <dropped> <sockets>" at the process's exit. */
void runlog_summary(long events, long dropped, int sockets);
/* "<pid> EXEC" right before an exec: the new program must report in turn
 * (its own SUMMARY); if it never does, it ran without the shim. */
void runlog_exec(void);
bool runlog_enabled(void);

#endif
