/*
 * pins.h - identities remembered on first contact, as ssh's known_hosts.
 *
 * A pin file holds one "NAME SHA256:..." line per peer (NAME is an
 * address, or "tracker-N@address" between trackers); blank lines, lines
 * starting with '#' and lines that are not a pin are skipped.
 * pin_check() answers whether the key a peer proved is the one
 * remembered for its name, and remembers it if the name is new (and the
 * caller asks): the file and its folder are made readable by their owner
 * only.
 *
 * Owns nothing between calls (the file is read at each check: a user may
 * edit it while the program runs).  Never trusts a name it did not find,
 * never rewrites a line (a changed key is for the user to resolve), and
 * reads at most PINS_FILE_MAX bytes.
 */
#ifndef PINS_H
#define PINS_H

#include <stddef.h>
#include <stdint.h>

#include "tls.h"

#define PINS_FILE_MAX	(1024 * 1024)
#define PINS_NAME_MAX	128

enum pin_rc {
	PIN_NEW,	/* not known before: now remembered, if asked */
	PIN_MATCH,	/* the key remembered */
	PIN_MISMATCH,	/* another key: *old and *line say which */
	PIN_ERR,	/* the file could not be read or written: err */
};

/*
 * remember: 1 to remember a new name's key at once; 0 to look only (the
 * caller remembers it later, once the peer proved more, with 1).
 */
enum pin_rc	pin_check(const char *path, const char *name,
		    const uint8_t fp[TLS_FP_LEN], int remember,
		    uint8_t old[TLS_FP_LEN], unsigned *line, char *err,
		    size_t errlen);

/*
 * Find name's pin in the text of a pin file (pure, for the parser's
 * tests): 1 with fp and its line number, 0 if absent.
 */
int		pin_find(const char *text, size_t len, const char *name,
		    uint8_t fp[TLS_FP_LEN], unsigned *line);

#endif
