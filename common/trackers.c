/*
 * trackers.c - tracker_info.txt loader (see trackers.h).
 *
 * Owns the parsed list it fills.  Never reads more than TRACKERS_FILE_MAX
 * bytes, never accepts a line it cannot read exactly.
 */
#include "trackers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int
add(struct tracker_list *tl, const char *host, uint16_t port, int lineno,
    char *err, size_t errlen)
{
	if (tl->n == TRACKERS_MAX) {
		snprintf(err, errlen, "line %d: more than %d trackers",
		    lineno, TRACKERS_MAX);
		return -1;
	}
	snprintf(tl->v[tl->n].host, sizeof(tl->v[tl->n].host), "%s", host);
	tl->v[tl->n].port = port;
	tl->n++;
	return 0;
}

/* The tracker just added is pinned to fp. */
static void
pin(struct tracker_list *tl, int pinned, const uint8_t fp[TLS_FP_LEN])
{
	struct tracker_addr *a = &tl->v[tl->n - 1];

	a->pinned = pinned;
	if (pinned)
		memcpy(a->fp, fp, TLS_FP_LEN);
}

int
trackers_parse(const char *text, size_t len, struct tracker_list *tl,
    char *err, size_t errlen)
{
	char line[512], store[512], *w[4];
	uint8_t fp[TLS_FP_LEN];
	int pinned;
	char pending[HOST_MAX + 1] = "";
	const char *why;
	const char *nl0;
	size_t i = 0, j, n;
	int lineno = 0, pending_line = 0, nw;
	long long port;
	uint16_t p16;

	tl->n = 0;
	/* A NUL anywhere means this is not the text file it claims to be. */
	if ((nl0 = memchr(text, '\0', len)) != NULL) {
		for (j = 0, lineno = 1; text + j < nl0; j++)
			lineno += text[j] == '\n';
		snprintf(err, errlen, "line %d: NUL byte", lineno);
		return -1;
	}
	lineno = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);

		n = nl ? (size_t)(nl - (text + i)) : len - i;
		lineno++;
		/* Comments are skipped whatever they hold, however long. */
		for (j = 0; j < n && (text[i + j] == ' ' ||
		    text[i + j] == '\t'); j++)
			;
		if (j < n && text[i + j] == '#') {
			i += n + (nl != NULL);
			continue;
		}
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "line %d: too long", lineno);
			return -1;
		}
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + (nl != NULL);
		nw = parse_words(line, store, sizeof(store), w, 4, &why);
		if (nw == 0)
			continue;
		/* A key pinned in advance ends the line. */
		pinned = 0;
		if (nw > 1 && strncmp(w[nw - 1], "SHA256:", 7) == 0) {
			if (tls_fp_parse(w[nw - 1], fp) == -1) {
				snprintf(err, errlen, "line %d: bad fingerprint "
				    "(expected SHA256: and 43 characters of "
				    "base64)", lineno);
				return -1;
			}
			pinned = 1;
			nw--;
		}
		if (nw < 0 || nw > 2) {
			snprintf(err, errlen, "line %d: expected IP:PORT or "
			    "IP PORT", lineno);
			return -1;
		}
		if (pending[0] != '\0') {
			if (nw != 1 || parse_num(w[0], 1, 65535, &port) == -1) {
				snprintf(err, errlen, "line %d: expected the port "
				    "for %s (line %d)", lineno, pending,
				    pending_line);
				return -1;
			}
			if (add(tl, pending, (uint16_t)port, lineno, err,
			    errlen) == -1)
				return -1;
			pin(tl, pinned, fp);
			pending[0] = '\0';
			continue;
		}
		if (nw == 2) {
			if (!parse_host(w[0]) ||
			    parse_num(w[1], 1, 65535, &port) == -1) {
				snprintf(err, errlen, "line %d: bad address or "
				    "port", lineno);
				return -1;
			}
			if (add(tl, w[0], (uint16_t)port, lineno, err,
			    errlen) == -1)
				return -1;
			pin(tl, pinned, fp);
			continue;
		}
		if (parse_hostport(w[0], pending, sizeof(pending), &p16) == 0) {
			if (add(tl, pending, p16, lineno, err, errlen) == -1)
				return -1;
			pin(tl, pinned, fp);
			pending[0] = '\0';
			continue;
		}
		if (pinned) {
			snprintf(err, errlen, "line %d: a fingerprint goes after "
			    "the port", lineno);
			return -1;
		}
		/*
		 * An address alone awaits its port on the next line.  One
		 * colon means a mistyped IP:PORT (an IPv6 literal has more).
		 */
		if (!parse_host(w[0]) || parse_num(w[0], 0, 65535, &port) == 0 ||
		    (strchr(w[0], ':') != NULL &&
		    strchr(w[0], ':') == strrchr(w[0], ':'))) {
			snprintf(err, errlen, "line %d: bad address '%.64s'",
			    lineno, w[0]);
			return -1;
		}
		snprintf(pending, sizeof(pending), "%s", w[0]);
		pending_line = lineno;
	}
	if (pending[0] != '\0') {
		snprintf(err, errlen, "line %d: address %s has no port",
		    pending_line, pending);
		return -1;
	}
	if (tl->n == 0) {
		snprintf(err, errlen, "no trackers listed");
		return -1;
	}
	return 0;
}

int
trackers_load(const char *path, struct tracker_list *tl, char *err,
    size_t errlen)
{
	static char text[TRACKERS_FILE_MAX + 1];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof(text), f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		(void)fclose(f);
		return -1;
	}
	(void)fclose(f);	/* read-only: nothing to lose */
	if (n > TRACKERS_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    TRACKERS_FILE_MAX);
		return -1;
	}
	if (trackers_parse(text, n, tl, err, errlen) == -1) {
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s: %s", path, tmp);
		return -1;
	}
	return 0;
}
