/*
 * trackers.h - the tracker_info.txt loader.
 *
 * The file lists the cluster's trackers in order, one a line as "IP:PORT"
 * or "IP PORT"; an address alone on a line followed by a port alone on the
 * next one counts as one tracker.  Blank lines and lines starting with '#'
 * are skipped.  A tracker's line may end with its key's fingerprint
 * ("127.0.0.1:6001 SHA256:..."), pinning it in advance: a client then
 * talks to that address only if it proves that key.  The parser is pure; trackers_load() only adds reading the
 * file (at most TRACKERS_FILE_MAX bytes).
 */
#ifndef TRACKERS_H
#define TRACKERS_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "tls.h"

#define TRACKERS_MAX		64
#define TRACKERS_FILE_MAX	(64 * 1024)

struct tracker_addr {
	char		host[HOST_MAX + 1];
	uint16_t	port;
	int		pinned;			/* fp is given */
	uint8_t		fp[TLS_FP_LEN];
};

struct tracker_list {
	struct tracker_addr	v[TRACKERS_MAX];
	size_t			n;
};

/* Parse len bytes of text.  0, or -1 with a reason in err. */
int	trackers_parse(const char *text, size_t len, struct tracker_list *,
	    char *err, size_t errlen);
int	trackers_load(const char *path, struct tracker_list *,
	    char *err, size_t errlen);

#endif
