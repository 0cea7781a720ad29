#include "privdrop.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "real.h"
#include "sandbox.h"
#include "writer.h"

/* The process directory and every file in it to (u, g); -1 keeps one. */
static void chown_procdir(uid_t u, gid_t g) {
	const char *dir = procdir_if_made();
	if (!dir) return; /* made later, by the new uid */
	int dfd = sandbox_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) /* chrooted: through the trace directory's fd */;
	if (dfd < 0) return;
	if (fchown(dfd, u, g) < 0) slog(LOG_WARN, "cannot hand %s to uid %d: %s", dir, (int)u, strerror(errno));
	/* getdents64 into a buffer on the stack: opendir would malloc. */
	char buf[4096] __attribute__((aligned(8)));
	long n;
	while ((n = REAL(syscall)(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			if (strcmp(d->name, ".") && strcmp(d->name, "..")) fchownat(dfd, d->name, u, g, AT_SYMLINK_NOFOLLOW);
			off += d->reclen;
		}
	}
	REAL(close)(dfd);
}

/* POSIX ACL as the kernel stores it in system.posix_acl_access. */
#define ACL_VERSION 2
#define T_USER_OBJ 0x01
#define T_USER 0x02
#define T_GROUP_OBJ 0x04
#define T_MASK 0x10
#define T_OTHER 0x20
struct acl_entry {
	uint16_t tag, perm;
	uint32_t id;
};
#define ACL_MAX 64

static int acl_cmp(const struct acl_entry *a, const struct acl_entry *b) {
	if (a->tag != b->tag) return a->tag < b->tag ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Lets uid u create its process directories in the trace directory: an ACL
 * entry user:u:rwx (and a mask that lets it through). */
static void grant_tracedir(uid_t u) {
	struct stat st;
	if (stat(opt.dir, &st) < 0 || st.st_uid == u) return;
	struct {
		uint32_t version;
		struct acl_entry e[ACL_MAX];
	} acl;
	size_t n = 0;
	ssize_t len = getxattr(opt.dir, "system.posix_acl_access", &acl, sizeof acl);
	if (len >= (ssize_t)sizeof acl.version && acl.version == ACL_VERSION) {
		n = ((size_t)len - sizeof acl.version) / sizeof acl.e[0];
	} else if (len < 0 && errno == ENODATA) { /* none yet: the mode's three */
		acl.version = ACL_VERSION;
		acl.e[n++] = (struct acl_entry){T_USER_OBJ, (st.st_mode >> 6) & 7, (uint32_t)-1};
		acl.e[n++] = (struct acl_entry){T_GROUP_OBJ, (st.st_mode >> 3) & 7, (uint32_t)-1};
		acl.e[n++] = (struct acl_entry){T_OTHER, st.st_mode & 7, (uint32_t)-1};
	} else {
		slog(LOG_WARN, "trace directory %s has no ACLs here (%s): processes of uid %d cannot create theirs",
		     opt.dir, len < 0 ? strerror(errno) : "unknown format", (int)u);
		return;
	}
	bool have_user = false, have_mask = false, changed = false;
	for (size_t i = 0; i < n; i++) {
		bool mine = acl.e[i].tag == T_USER && acl.e[i].id == (uint32_t)u, mask = acl.e[i].tag == T_MASK;
		if (!mine && !mask) continue;
		/* The mask only bounds the other entries: each keeps its own. */
		changed |= acl.e[i].perm != 7;
		acl.e[i].perm = 7;
		have_user |= mine;
		have_mask |= mask;
	}
	if (have_user && have_mask && !changed) return;
	if (!have_user && n < ACL_MAX) acl.e[n++] = (struct acl_entry){T_USER, 7, (uint32_t)u};
	if (!have_mask && n < ACL_MAX) acl.e[n++] = (struct acl_entry){T_MASK, 7, (uint32_t)-1};
	/* The kernel wants them sorted by tag, then id. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && acl_cmp(&acl.e[j - 1], &acl.e[j]) > 0; j--) {
			struct acl_entry t = acl.e[j];
			acl.e[j] = acl.e[j - 1];
			acl.e[j - 1] = t;
		}
	if (setxattr(opt.dir, "system.posix_acl_access", &acl, sizeof acl.version + n * sizeof acl.e[0], 0) < 0)
		slog(LOG_WARN, "cannot let uid %d create process directories in %s: %s", (int)u, opt.dir, strerror(errno));
}

void privdrop_before_euid(uid_t euid) {
	if (euid == (uid_t)-1 || geteuid() != 0 || euid == 0) return;
	int saved = errno;
	grant_tracedir(euid);
	chown_procdir(euid, getegid());
	errno = saved;
}

void privdrop_before_egid(gid_t egid) {
	if (egid == (gid_t)-1 || geteuid() != 0 || egid == getegid()) return;
	int saved = errno;
	chown_procdir((uid_t)-1, egid);
	errno = saved;
}
