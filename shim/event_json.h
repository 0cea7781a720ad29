/* Turns one event record into one JSON line of trace-format.md (jansson). */
#ifndef TCPSNITCH_EVENT_JSON_H
#define TCPSNITCH_EVENT_JSON_H

#include "event.h"
#include "outbuf.h"

/* Appends the event's JSON object and a newline to o. */
void event_json_line(const struct event *ev, struct outbuf *o);
/* Whether this type moves payload bytes (counted for -b). */
bool event_moves_bytes(int type);

#endif
