/* Hooks: set*uid, set*gid. A process that drops root keeps writing its
 * trace (privdrop.h): the handover happens before the real call, while the
 * process still may. */
#include <unistd.h>

#include "privdrop.h"
#include "real.h"
#include "record.h"

/* Never starts the shim (set*id may run while a library initialises);
 * before it is ready there is no trace to hand over. */
static inline bool live(void) {
	return __atomic_load_n(&tcpsnitch_state, __ATOMIC_ACQUIRE) == ST_READY && !tstate_get()->in_shim;
}

static inline void before_uid(uid_t euid) {
	if (live()) privdrop_before_euid(euid);
}

static inline void before_gid(gid_t egid) {
	if (live()) privdrop_before_egid(egid);
}

EXPORT int setuid(uid_t uid) {
	before_uid(uid);
	return REAL(setuid)(uid);
}

EXPORT int seteuid(uid_t euid) {
	before_uid(euid);
	return REAL(seteuid)(euid);
}

EXPORT int setreuid(uid_t ruid, uid_t euid) {
	before_uid(euid);
	return REAL(setreuid)(ruid, euid);
}

EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid) {
	before_uid(euid);
	return REAL(setresuid)(ruid, euid, suid);
}

EXPORT int setgid(gid_t gid) {
	before_gid(gid);
	return REAL(setgid)(gid);
}

EXPORT int setegid(gid_t egid) {
	before_gid(egid);
	return REAL(setegid)(egid);
}

EXPORT int setregid(gid_t rgid, gid_t egid) {
	before_gid(egid);
	return REAL(setregid)(rgid, egid);
}

EXPORT int setresgid(gid_t rgid, gid_t egid, gid_t sgid) {
	before_gid(egid);
	return REAL(setresgid)(rgid, egid, sgid);
}
