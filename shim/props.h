/* System properties: bionic's on Android; on the android-sim build, the
 * simulated device's property store, a file of name=value lines named by
 * $TCPSNITCH_SIM_PROPS. */
#ifndef TCPSNITCH_PROPS_H
#define TCPSNITCH_PROPS_H
#include "shim.h"
bool prop_get(const char *name, char *buf, size_t len);
#endif
