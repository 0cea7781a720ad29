#include "capture.h"

void capture_maybe_start(struct sock *s, int fd) { (void)s, (void)fd; }
void capture_stop(struct sock *s) { (void)s; }
void capture_flush_all(void) {}
void capture_stop_all(void) {}
void capture_reset_after_fork(void) {}
